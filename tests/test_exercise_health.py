"""Every exercise of the built-in pack is healthy: its solution passes, its starter fails, each
known mistake fails and is diagnosed as itself, and a stochastic exercise's reference obeys its
own properties (what `bertstudy content check` proves, here per exercise)."""

from __future__ import annotations

import pytest

from bertstudy.exercises.health import check
from grading import PACK

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("exercise", PACK.exercises.values(), ids=lambda e: e.id)
def test_exercise_is_healthy(warm_pool, exercise):
    assert [str(problem) for problem in check(exercise, warm_pool)] == []
