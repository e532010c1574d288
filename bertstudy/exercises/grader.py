"""Grading one submission: start the child, then hand the work to the torch side.

The child starts first (it imports torch while the parent works); bertstudy.exercises.checks
then builds the seeded inputs, computes the reference's outputs, hands only the inputs to the
child and makes the verdict from what comes back. This module only launches and times that.
"""

from __future__ import annotations

import time
from pathlib import Path

from bertstudy.content.schema import Exercise
from bertstudy.errors import UsageError
from bertstudy.exercises.sandbox import ColdChild, Pool
from bertstudy.exercises.verdict import Verdict


def grade(exercise: Exercise, submission: Path, pool: Pool | None = None) -> Verdict:
    """Grade the file `submission` against `exercise`: in a fork of `pool`'s warm worker when
    given, else in a fresh interpreter."""
    if not submission.is_file():
        raise UsageError(f"no file at {submission}")
    started = time.monotonic()
    child = pool.child(submission, exercise.limits.output_kb) if pool else ColdChild(submission, exercise.limits.output_kb)
    try:
        from bertstudy.exercises import checks  # torch: imported while the child imports it too

        verdict = checks.run(exercise, submission, child)
    finally:
        child.cleanup()
    verdict.seconds = time.monotonic() - started
    return verdict
