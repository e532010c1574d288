"""Grading every question kind, and scheduling reviews."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from bertstudy.content import pack as packs
from bertstudy.content.schema import Question, Text
from bertstudy.errors import UsageError
from bertstudy.paths import builtin_pack
from bertstudy.progress.store import Store
from bertstudy.quiz import grading, schedule, session

PACK = packs.load(builtin_pack())
T = Text("x", "x")


def question(kind, **extra):
    return Question(id=f"q-{kind}", kind=kind, prompt=T, model_answer=T, source="s", topic="attention", **extra)


def test_single_choice_by_letter_or_number():
    q = PACK.questions["attention-softmax-axis"]
    right = next(i for i, c in enumerate(q.choices) if c.correct)
    letter = grading.letter_of(q, right)
    assert grading.grade(q, letter.lower()).correct
    assert grading.grade(q, str(grading.LETTERS.index(letter) + 1)).correct
    wrong = grading.letter_of(q, (right + 1) % len(q.choices))
    assert grading.grade(q, wrong).score == 0
    with pytest.raises(UsageError):
        grading.grade(q, "A,B")


def test_multiple_choice_partial_credit():
    from bertstudy.content.schema import Choice

    q = question("multiple", choices=[Choice(T, True, T), Choice(T, True, T), Choice(T, False, T), Choice(T, False, T)])
    right1, right2, wrong = (grading.letter_of(q, i) for i in (0, 1, 2))
    assert grading.grade(q, f"{right1},{right2}").score == 1
    assert grading.grade(q, right1).score == 0.5
    assert grading.grade(q, f"{right1} {wrong}").score == 0
    assert grading.grade(q, f"{right1.lower()}, {right2.lower()}, {wrong.lower()}").score == 0.5


def test_choices_are_shown_shuffled_the_same_way_every_time():
    singles = [q for q in PACK.questions.values() if q.kind == "single"]
    positions = [grading.display_order(q).index(next(i for i, c in enumerate(q.choices) if c.correct)) for q in singles]
    assert len(set(positions)) >= 3, "the right answer should not sit at one letter"
    assert all(grading.display_order(q) == grading.display_order(q) for q in singles)


def test_numeric_with_tolerance():
    q = question("numeric", answer=110_000_000, tolerance=5_000_000)
    assert grading.grade(q, "108,000,000").correct
    assert not grading.grade(q, "340000000").correct
    assert grading.grade(question("numeric", answer=8), "8.0").correct
    with pytest.raises(UsageError):
        grading.grade(q, "about a hundred million")


def test_ordering_counts_pairs_in_order():
    q = question("ordering", items=[Text(str(i), str(i)) for i in range(4)])
    shown = grading.display_order(q)
    assert shown != sorted(shown)
    perfect = " ".join(str(shown.index(i) + 1) for i in range(4))
    assert grading.grade(q, perfect).score == 1
    one_swap = [shown.index(i) + 1 for i in (1, 0, 2, 3)]
    assert grading.grade(q, " ".join(map(str, one_swap))).score == pytest.approx(5 / 6)
    with pytest.raises(UsageError):
        grading.grade(q, "1 1 2 3")


def _answer_for(q, true_positions):
    """The learner's answer (shown numbers) that lists the items in the order `true_positions`."""
    shown = grading.display_order(q)
    return " ".join(str(shown.index(i) + 1) for i in true_positions)


def _correct_orders(n, groups):
    """Every order of n items that keeps each item outside the groups in place and lets each group
    (a run of 1-based item numbers) come in any order: worked out independently of the grader."""
    from itertools import permutations, product

    runs, i = [], 0
    starts = {g[0] - 1: g for g in groups}
    while i < n:
        g = starts.get(i)
        runs.append([p - 1 for p in g] if g else [i])
        i += len(g) if g else 1
    return {tuple(x for run in choice for x in run) for choice in product(*(permutations(r) for r in runs))}


@pytest.mark.parametrize("qid", ["attention-steps", "compression-distill-step"])
def test_every_correct_order_passes_and_every_other_order_fails(qid):
    from itertools import permutations

    q = PACK.questions[qid]
    assert q.any_order, "these steps commute, so the question lists them in any_order"
    correct = _correct_orders(len(q.items), q.any_order)
    assert len(correct) > 1
    for order in permutations(range(len(q.items))):
        graded = grading.grade(q, _answer_for(q, order))
        assert graded.correct is (order in correct), order


def test_any_order_groups_commute_but_keep_their_place():
    q = question("ordering", items=[Text(str(i), str(i)) for i in range(5)], any_order=[[2, 3]])
    assert grading.grade(q, _answer_for(q, (0, 2, 1, 3, 4))).correct  # the group's two items swapped
    assert grading.grade(q, _answer_for(q, (0, 1, 2, 3, 4))).correct
    moved_out = grading.grade(q, _answer_for(q, (1, 0, 2, 3, 4)))  # a grouped item before item 1
    assert moved_out.score == pytest.approx(9 / 10) and not moved_out.correct
    assert not grading.grade(q, _answer_for(q, (0, 2, 3, 1, 4))).correct  # item 4 between the two
    assert grading.display_order(q) not in ([0, 1, 2, 3, 4], [0, 2, 1, 3, 4])


@pytest.mark.parametrize("groups, message", [
    ([[2, 4]], "consecutive"), ([[3]], "consecutive"), ([[4, 5, 6]], "run from 1 to 5"), ([[1, 2], [2, 3]], "at most one group"),
])
def test_any_order_groups_are_checked(groups, message):
    q = question("ordering", items=[Text(str(i), str(i)) for i in range(5)], any_order=groups)
    assert any(message in text for _, text in q.problems())
    assert not question("ordering", items=[Text(str(i), str(i)) for i in range(5)], any_order=[[1, 2], [4, 5]]).problems()
    assert any("does not belong" in text for _, text in question("single", choices=[], any_order=[[1, 2]]).problems())


def test_fill_ignores_case_space_and_punctuation():
    q = question("fill", accept=["[MASK]", "掩码"])
    assert grading.grade(q, " [mask] ").correct
    assert grading.grade(q, "mask").correct
    assert grading.grade(q, "掩码").correct
    assert not grading.grade(q, "cls").correct


@pytest.mark.parametrize("answer, correct", [
    ("Because the variance of q·k grows with d_k, large logits saturate the softmax and the gradients become tiny.", True),
    ("点积的方差随 d_k 增大，softmax 会饱和，梯度非常小。", True),
    ("It is not because the variance grows with d_k, and it has nothing to do with saturation.", False),
    ("variance, d_k, softmax, saturation, gradients", False),
    ("To make the weights sum to one.", False),
])
def test_shipped_short_answer_rubric(answer, correct):
    graded = grading.grade(PACK.questions["attention-why-scale"], answer)
    assert graded.correct is correct and (graded.score == 1) is correct
    assert {p["id"] for p in graded.details["points"]} == {c.id for c in PACK.questions["attention-why-scale"].rubric.concepts}


@pytest.mark.parametrize("answer, correct", [
    ("A head with nothing to do parks on [SEP], a no-op when its pattern is not applicable; attention maps "
     "don't show what matters.", True),
    ("A head with nothing to do parks on [SEP], a no-op when its pattern is not applicable; attention maps "
     "are important and different heads matter.", False),  # "important" ends in -nt: no contraction
])
def test_a_word_ending_in_nt_is_not_a_contraction(answer, correct):
    assert grading.grade(PACK.questions["bert-layers-sep-attention"], answer).correct is correct


@pytest.mark.parametrize("qid, misconception, sentence, wrong", [
    ("bert-architecture-bidirectional", "bert-concatenates", "Every layer of BERT combines both directions, unlike ELMo.", False),
    ("bert-architecture-bidirectional", "bert-concatenates", "BERT stacks 12 encoder layers.", False),
    ("bert-architecture-bidirectional", "bert-concatenates", "BERT concatenates a forward and a backward LSTM, like ELMo.", True),
    ("seq2seq-bottleneck", "replaced-rnn", "Bahdanau removed the RNNs and used self-attention.", True),
    ("seq2seq-bottleneck", "replaced-rnn", "The Transformer later dropped the recurrent layers and used self-attention only.", False),
    ("seq2seq-bottleneck", "replaced-rnn", "后来的 Transformer 才去掉了 RNN，换成了自注意力。", False),
])
def test_a_misconception_names_its_wrong_claim_not_a_right_one_in_the_same_words(qid, misconception, sentence, wrong):
    graded = grading.grade(PACK.questions[qid], sentence)
    assert (misconception in {m["id"] for m in graded.details["misconceptions"]}) is wrong


def test_due_reviews_come_first_and_mastery_rises():
    store = Store()
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    first = schedule.select(PACK, store, "attention", now=now)
    assert [q.id for q in first] == [q.id for q in PACK.questions_of("attention")]
    wrong = PACK.questions["attention-scale-value"]
    schedule.record(store, wrong, grading.grade(wrong, "64"), schedule.suggested_rating(grading.grade(wrong, "64")), "quiz", now=now)
    later = now + timedelta(hours=1)
    order = schedule.select(PACK, store, "attention", now=later)
    assert order[0].id == wrong.id, "a due review comes before new questions"
    assert [q.id for q in schedule.select(PACK, store, due_only=True, now=later)] == [wrong.id]
    assert len(schedule.select(PACK, store, new=1, now=later)) == 2
    right = PACK.questions["attention-softmax-axis"]
    graded = grading.grade(right, grading.letter_of(right, 0))
    schedule.record(store, right, graded, schedule.suggested_rating(graded), "quiz", now=later)
    assert schedule.mastery(PACK, store, now=later)["attention"] > 0
    assert schedule.due_count(PACK, store, now=later) == 1


def test_leeches_are_flagged_after_eight_lapses():
    store = Store()
    q = PACK.questions["attention-scale-value"]
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    right, wrong = grading.grade(q, "8"), grading.grade(q, "64")
    schedule.record(store, q, right, 3, "quiz", now=now)
    for i in range(8):
        now += timedelta(days=30)
        schedule.record(store, q, wrong, 1, "quiz", now=now)
        now += timedelta(days=1)
        schedule.record(store, q, right, 3, "quiz", now=now)
    assert schedule.leeches(store) == {q.id}


def test_exam_draws_across_topics_and_reports():
    from bertstudy.quiz import exam

    drawn = exam.draw(PACK, 4, seed=3)
    assert len({q.id for q in drawn}) == 4 and drawn == exam.draw(PACK, 4, seed=3)
    assert len({q.topic for q in drawn}) == min(4, len({q.topic for q in PACK.questions.values()}))
    with pytest.raises(UsageError):
        exam.draw(PACK, 10_000)
    results = [{"question": drawn[0].id, "score": 1.0}, {"question": drawn[1].id, "score": 0.0}]
    data = exam.report(PACK, results, 30, 90.0)
    assert data["score"] == 1.0 and data["max_score"] == 2
    assert [q["question"] for q in data["review_questions"]] == [drawn[1].id]
    assert drawn[1].topic in data["review_topics"]
    assert "| " in exam.markdown(data) and drawn[1].id in exam.markdown(data)


def test_fill_treats_every_minus_sign_alike():
    q = question("fill", accept=["−100"])
    assert grading.grade(q, "-100").correct and grading.grade(q, "−100").correct
    assert not grading.grade(q, "100").correct


class Shown:
    """A display that remembers what the sitting showed."""

    def __init__(self):
        self.events = []

    def question(self, question, i, n):
        self.events.append(("question", question.id))

    def feedback(self, question, graded):
        self.events.append(("feedback", question.id))

    def time_up(self):
        self.events.append(("time up",))


def test_a_sitting_past_its_deadline_counts_the_rest_unanswered_and_says_so_once():
    store = Store()
    questions = PACK.questions_of("attention")[:3]
    answers = session.FileAnswers({q.id: "whatever" for q in questions})
    shown = Shown()
    results = list(session.ask(store, questions, answers, shown, exam=True, deadline=time.monotonic() - 1))
    assert [(r["score"], r["details"]) for r in results] == [(0.0, {"unanswered": True})] * 3
    assert shown.events == [("time up",)]
    assert store.cards() == {}  # nothing answered, nothing scheduled


def test_a_sitting_records_each_answer_and_shows_feedback_outside_exams():
    store = Store()
    question = PACK.questions["attention-scale-value"]
    answers = session.FileAnswers({question.id: {"answer": question.answer}})
    shown = Shown()
    (result,) = session.ask(store, [question], answers, shown)
    assert result["correct"] and result["rating"] == schedule.suggested_rating(grading.grade(question, question.answer))
    assert shown.events == [("question", question.id), ("feedback", question.id)]
    assert set(store.cards()) == {question.id}  # recorded at once
