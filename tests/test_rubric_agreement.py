"""The rubric grader agrees with people on a labelled set of answers written for this test."""

from __future__ import annotations

from pathlib import Path

import pytest

from bertstudy.content import pack as packs
from bertstudy.quiz import agreement

LABELS = Path(__file__).parent / "data" / "rubric-labels"
PACK = packs.load(packs.builtin_dir())
JUDGED = agreement.judge(PACK, LABELS)


def test_the_labelled_set_is_large_and_balanced():
    assert len(JUDGED) >= 150
    assert {j.label for j in JUDGED} == set(agreement.LABELS)
    assert {j.lang for j in JUDGED} == {"en", "zh"}
    assert all(j.text.strip() for j in JUDGED)


def test_agreement_is_at_least_ninety_percent():
    summary = agreement.report(JUDGED)
    disagreements = [f"{j.question} [{j.lang}] {j.label}->{j.predicted}: {j.text[:60]}" for j in JUDGED if j.label != j.predicted]
    assert summary["agreement"] >= 0.9, "\n".join(disagreements)


@pytest.mark.parametrize("question", sorted({j.question for j in JUDGED}))
def test_labelled_answers_are_not_the_model_answer(question):
    model = PACK.questions[question].model_answer
    for j in JUDGED:
        if j.question == question:
            assert j.text.strip() not in (model.en.strip(), model.zh.strip())
