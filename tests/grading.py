"""Helpers for grader tests: grade a source string for a built-in exercise in the warm pool."""

from __future__ import annotations

import textwrap
from pathlib import Path

from bertstudy.content import pack as packs
from bertstudy.exercises.grader import grade
from bertstudy.exercises.verdict import Verdict
from bertstudy.paths import builtin_pack

PACK, _ = packs.collect(builtin_pack())  # test_content.py reports any problem in the pack


def verdict_of(exercise_id: str, source: str, pool, folder: Path) -> Verdict:
    """Grade `source` (dedented) as a submission to the built-in exercise `exercise_id`."""
    path = folder / f"{exercise_id}.py"
    path.write_text(textwrap.dedent(source))
    return grade(PACK.exercises[exercise_id], path, pool)


def failures(verdict: Verdict) -> str:
    """Every failing test's name and message, to search for the reason a verdict gives."""
    return " | ".join(f"{t.name}: {t.message}" for t in verdict.tests if t.status != "passed")
