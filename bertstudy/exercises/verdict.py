"""What grading one submission concludes: the tests it ran, their outcome, and the known mistake it
reproduces. Plain data with no torch, so that the CLI, the batch writer and the dashboard can read
a verdict without loading the grader. Leaves out: how a verdict is made (bertstudy.exercises.checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bertstudy.content.schema import Exercise

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


def none_run(exercise: Exercise, message: str) -> Verdict:
    """Every test failed with one reason, for a submission that could not be graded at all."""
    return Verdict(exercise.id, [Test(name, "failed", message) for name in test_names(exercise)])
