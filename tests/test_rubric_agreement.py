"""The free-text grader agrees with examiners on labelled answers: on the tuning sets completely (but
for a listed few, each with its reason; negated answers and lists of terms fail, terse correct
answers pass), and on the held-apart sets, never used to tune the rubrics, at least as well as it
was measured when the rubrics were frozen (a floor against regressions, at or above the target of
0.95 in each language: see benchmarks/run.py --free-text)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bertstudy.content import pack as packs
from bertstudy.paths import builtin_pack
from bertstudy.quiz import agreement

DATA = Path(__file__).parent / "data" / "free-text"
PACK = packs.load(builtin_pack())
TUNED_ON, HELD_APART_SETS = agreement.TUNED_ON, agreement.HELD_APART
SETS = {name: agreement.judge(PACK, DATA / name) for name in TUNED_ON + HELD_APART_SETS}
ALL = [j for judged in SETS.values() for j in judged]
TUNING = [j for name in TUNED_ON for j in SETS[name]]
HELD_APART = [j for name in HELD_APART_SETS for j in SETS[name]]
FREE_TEXT = sorted(q.id for q in PACK.questions.values() if q.rubric is not None)


def test_the_labelled_set_is_large_bilingual_and_covers_every_free_text_question():
    assert len(ALL) >= 500 and sum(j.lang == "zh" for j in ALL) >= 0.4 * len(ALL)
    for question in FREE_TEXT:
        for lang in ("en", "zh"):
            kinds = {j.type for j in SETS["dev"] if j.question == question and j.lang == lang}
            assert {"paraphrase", "terse", "negated", "keywords", "misconception"} <= kinds, (question, lang)
            assert {j.type for j in HELD_APART if j.question == question and j.lang == lang} >= {"paraphrase", "terse", "misconception"}


def test_every_labelled_set_is_either_tuned_on_or_held_apart():
    assert sorted(d.name for d in DATA.iterdir() if d.is_dir()) == sorted(TUNED_ON + HELD_APART_SETS)


def test_no_held_apart_answer_repeats_a_tuning_answer():
    tuned = {j.text.strip() for j in TUNING}
    assert not [j.text for j in HELD_APART if j.text.strip() in tuned]


# Measured on the held-apart set when the rubrics were frozen: agreement, recall, specificity.
HELD_APART_FLOOR = {"en": (0.96, 0.95, 0.985), "zh": (0.96, 0.955, 0.98)}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_held_apart_agreement_recall_and_specificity_hold_their_measured_floor(lang):
    scores = agreement.scores([j for j in HELD_APART if j.lang == lang])
    assert all(s >= f for s, f in zip((scores["agreement"], scores["recall"], scores["specificity"]), HELD_APART_FLOOR[lang]))


# Tuning answers the grader is known to get wrong, each with the reason no rubric phrase can fix it.
KNOWN_MISSES = {
    ("bert-architecture-bidirectional", 'Think about fill in the blank: "I drink ___'):
        "states both sides only by an example (the words before and after a blank), never in words",
}


def _known_miss(j: agreement.Judged) -> tuple[str, str] | None:
    return next(((q, start) for q, start in KNOWN_MISSES if j.question == q and j.text.startswith(start)), None)


def test_tuning_sets_agree_but_for_the_known_misses():
    for name in TUNED_ON:
        wrong = [f"{j.question} [{j.lang} {j.type}] {j.label}: {j.text[:90]} -> {agreement.why(j)}" for j in SETS[name]
                 if not j.agrees and not _known_miss(j)]
        assert not wrong, "\n".join(wrong)
    missed = [_known_miss(j) for j in TUNING if not j.agrees and _known_miss(j)]
    assert sorted(missed) == sorted(KNOWN_MISSES)  # each is still missed (else drop it from the list)



def test_every_negated_answer_and_list_of_terms_fails():
    passed = [f"{j.question} [{j.lang} {j.type}]: {j.text}" for j in TUNING if j.type in ("negated", "keywords") and j.predicted == "pass"]
    assert not passed, "\n".join(passed)


def test_every_terse_correct_answer_passes():
    failed = [f"{j.question} [{j.lang}]: {j.text} -> {agreement.why(j)}" for j in TUNING if j.type == "terse" and j.predicted == "fail"]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("question", FREE_TEXT)
def test_labelled_answers_are_not_the_model_answer(question):
    model = PACK.questions[question].model_answer
    assert all(j.text.strip() not in (model.en.strip(), model.zh.strip()) for j in ALL if j.question == question)


def test_every_file_names_known_questions_and_balanced_labels():
    labels = Counter(j.label for j in ALL)
    assert set(labels) == {"pass", "fail"} and min(labels.values()) >= 0.3 * len(ALL)
    assert {j.question for j in ALL} <= set(FREE_TEXT)
