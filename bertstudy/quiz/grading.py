"""Grading one answer to one question, for every question kind.

An answer is what the learner typed (or what an answers file holds). The result carries a score
in [0, 1] and what to show: the choices' explanations, the rubric's breakdown, the model answer.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from bertstudy import i18n
from bertstudy.content.schema import Question
from bertstudy.errors import UsageError
from bertstudy.quiz import claims
from bertstudy.quiz import rubric as rubric_grader

LETTERS = "ABCDEFGHIJ"


@dataclass
class Graded:
    question_id: str
    score: float
    answer: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def correct(self) -> bool:
        return self.score >= 0.999


def display_order(question: Question) -> list[int]:
    """The order in which a question's choices or items are shown, as indices into the file's list:
    shuffled, the same every time for the same question (an ordering question never in a correct
    order)."""
    order = list(range(len(question.items or question.choices or [])))
    rng = random.Random(question.id)
    rng.shuffle(order)
    while question.kind == "ordering" and len(order) > 1 and _pairs_in_order(question, order) == 1:
        rng.shuffle(order)
    return order


def _pairs_in_order(question: Question, given: list[int]) -> float:
    """The share of pairs of `given` (items' true positions, in some order) in the right relative
    order; a pair inside one of the question's `any_order` groups is right either way round."""
    group = {i - 1: g for g, members in enumerate(question.any_order or []) for i in members}
    pairs = [(a, b) for i, a in enumerate(given) for b in given[i + 1:]]
    return sum(a < b or group.get(a, -1) == group.get(b, -2) for a, b in pairs) / len(pairs)


def letter_of(question: Question, index: int) -> str:
    """The letter under which the file's choice `index` is shown."""
    return LETTERS[display_order(question).index(index)]


def grade(question: Question, answer: Any) -> Graded:
    """Grade `answer`; raise UsageError when it cannot be read as an answer of this kind."""
    text = " ".join(map(str, answer)) if isinstance(answer, list) else str(answer).strip()
    grader = {
        "single": _choices, "multiple": _choices, "numeric": _numeric, "ordering": _ordering,
        "fill": _fill, "short": _rubric, "open": _rubric,
    }[question.kind]
    return grader(question, text)


def _letters(question: Question, text: str) -> list[int]:
    """The file's indices of the choices picked by their shown letters (or numbers)."""
    picks = re.findall(r"[A-Za-z]|\d+", text)
    shown = display_order(question)
    indices = []
    for p in picks:
        i = int(p) - 1 if p.isdigit() else LETTERS.find(p.upper())
        if not 0 <= i < len(shown):
            raise UsageError(f"'{p}' is not one of the choices {LETTERS[0]}-{LETTERS[len(shown) - 1]}")
        indices.append(shown[i])
    if not indices:
        raise UsageError("answer with the letter of a choice, e.g. B")
    return sorted(set(indices))


def _choices(question: Question, text: str) -> Graded:
    picked = _letters(question, text)
    correct = {i for i, c in enumerate(question.choices) if c.correct}
    if question.kind == "single":
        if len(picked) != 1:
            raise UsageError("this question takes exactly one letter")
        score = 1.0 if picked[0] in correct else 0.0
    else:
        hits = len(correct & set(picked))
        wrong = len(set(picked) - correct)
        score = max(0.0, (hits - wrong) / len(correct))
    return Graded(question.id, score, ",".join(sorted(letter_of(question, i) for i in picked)),
                  {"picked": picked, "correct": sorted(correct), "correct_letters": sorted(letter_of(question, i) for i in correct)})


def _numeric(question: Question, text: str) -> Graded:
    match = re.search(r"[-+]?\d[\d,_]*\.?\d*(?:[eE][-+]?\d+)?", text)
    if not match:
        raise UsageError("answer with a number")
    value = float(match.group().replace(",", "").replace("_", ""))
    ok = abs(value - question.answer) <= question.tolerance + 1e-9 * abs(question.answer)
    return Graded(question.id, 1.0 if ok else 0.0, match.group(), {"value": value, "expected": question.answer})


def _ordering(question: Question, text: str) -> Graded:
    """The share of item pairs in the right relative order: every correct order scores 1."""
    shown = display_order(question)
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if sorted(numbers) != list(range(1, len(shown) + 1)):
        raise UsageError(f"give each number 1-{len(shown)} once, in the order you choose")
    given = [shown[n - 1] for n in numbers]  # the items' true positions, in the learner's order
    score = _pairs_in_order(question, given)
    right = [shown.index(i) + 1 for i in range(len(shown))]
    free = [[shown.index(i - 1) + 1 for i in members] for members in question.any_order or []]
    return Graded(question.id, score, " ".join(map(str, numbers)), {"given": given, "right_numbers": right, "any_order": free})


def _fill(question: Question, text: str) -> Graded:
    mine = claims.normalise(text).replace(" ", "")
    ok = any(mine == claims.normalise(a).replace(" ", "") for a in question.accept)
    return Graded(question.id, 1.0 if ok else 0.0, text, {"accept": question.accept})


def _rubric(question: Question, text: str) -> Graded:
    result = rubric_grader.grade(question.rubric, text)
    lang = i18n.current()
    labels = {c.id: c.label.get(lang) for c in question.rubric.concepts}
    explain = {m.id: m.explain.get(lang) for m in question.rubric.misconceptions}
    return Graded(question.id, result.score, text, {
        "correct": result.correct,
        "points": [{**p.as_dict(), "label": labels[p.id], "why": _why(p)} for p in result.points],
        "misconceptions": [{**p.as_dict(), "explain": explain[p.id], "why": _why(p, "misconception")} for p in result.misconceptions],
    })


def _why(point: rubric_grader.Point, status: str | None = None) -> str:
    """Where the answer asserted a point, or why it did not, in the learner's language."""
    return i18n.t(f"quiz.why_{status or point.status}", n=point.sentence, cue=point.cue or "", words=point.words or "")
