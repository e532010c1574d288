"""Grading one submission: the trusted parent's side of the protocol.

The parent starts the child first (it imports torch while the parent works), scans the source,
builds the seeded inputs, computes the reference's outputs and gradients, hands only the inputs
to the child, and compares what comes back. Every verdict is made here, from the outputs alone.
When the outputs match one of the exercise's known mistakes, the verdict names it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bertstudy.content.schema import Exercise
from bertstudy.errors import UsageError
from bertstudy.exercises.sandbox import ColdChild, Pool

NOT_RUN = "not run: fix the problem above first"
DETERMINISTIC = "deterministic under a seeded generator"


@dataclass
class Test:
    name: str
    status: str  # passed | failed | error
    message: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "message": self.message}


@dataclass
class Verdict:
    exercise: str
    tests: list[Test]
    diagnosis: dict[str, str] | None = None
    seconds: float = 0.0
    stdout: str = ""

    @property
    def passed(self) -> bool:
        return all(t.status == "passed" for t in self.tests)

    def as_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "passed": self.passed,
            "score": float(sum(t.status == "passed" for t in self.tests)),
            "max_score": float(len(self.tests)),
            "tests": [t.as_dict() for t in self.tests],
            "diagnosis": self.diagnosis,
            "seconds": round(self.seconds, 3),
            "printed": self.stdout,  # the end of what the submission printed, to help debugging
        }


def test_names(exercise: Exercise) -> list[str]:
    names = ["static checks", "loads"] + [f"case: {c.name}" for c in exercise.cases]
    if exercise.differentiable:
        names += [f"gradients: {c.name}" for c in exercise.cases]
    if exercise.stochastic:
        names.append(DETERMINISTIC)
    return names + ["inputs unchanged"]


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
