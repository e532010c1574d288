"""Every exercise of the built-in pack is healthy: its solution passes, its starter fails, each
known mistake fails and is diagnosed as itself, and a stochastic exercise's reference obeys its
own properties (what `bertstudy content check` proves, here per exercise); a stochastic reference
is also deterministic under its seeded generator."""

from __future__ import annotations

import pytest
import torch

from bertstudy.exercises.cases import build_args
from bertstudy.exercises.checks import load_callable, reference_outputs
from bertstudy.exercises.health import check, files
from grading import PACK

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("exercise", PACK.exercises.values(), ids=lambda e: e.id)
def test_exercise_is_healthy(warm_pool, exercise):
    assert [str(problem) for problem in files(exercise) + check(exercise, warm_pool)] == []


@pytest.mark.parametrize("exercise", [e for e in PACK.exercises.values() if e.stochastic], ids=lambda e: e.id)
def test_a_stochastic_reference_repeats_itself_under_the_same_seed(exercise):
    reference = load_callable(exercise)
    for case in exercise.cases:
        first, again = (reference_outputs(reference, build_args(case)) for _ in range(2))
        assert all(torch.equal(a, b) for a, b in zip(first, again)), case.name
