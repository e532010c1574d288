"""One sitting of the quiz: each question asked, graded, rated and recorded at once, so that a
sitting stopped half-way keeps what was answered.

The sitting's rules are here; how a question is shown and an answer typed is the CLI's, handed in
as a `Display` (None when nothing is shown, as with --json) and an answer source: the learner at the
terminal, or `FileAnswers`. In an exam nothing is shown until the end; a question reached after the
deadline scores 0 unanswered, and an answer given after it scores 0 late. Open questions are rated
by the learner (outside exams); every other rating is the grade's suggestion.
Leaves out: which questions (schedule.select, exam.draw) and the exam's report (exam.report).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, Protocol

from bertstudy.content.schema import Question
from bertstudy.errors import UsageError
from bertstudy.progress.store import Store
from bertstudy.quiz import grading, schedule
from bertstudy.quiz.grading import Graded


class Display(Protocol):
    def question(self, question: Question, i: int, n: int) -> None: ...
    def feedback(self, question: Question, graded: Graded) -> None: ...
    def time_up(self) -> None: ...


class Answers(Protocol):
    mode: str  # how the review is recorded: "quiz" at the terminal, "answers" from a file

    def answer(self, question: Question) -> Graded: ...
    def rating(self, question: Question, suggested: int) -> int: ...


class FileAnswers:
    """Answers given in a file: {question id: answer} or {question id: {answer, rating}}."""

    mode = "answers"

    def __init__(self, given: dict[str, Any]):
        self.given = given

    def answer(self, question: Question) -> Graded:
        entry = self.given[question.id]
        answer = entry.get("answer") if isinstance(entry, dict) else entry
        try:
            return grading.grade(question, answer if answer is not None else "")
        except UsageError as exc:
            raise UsageError(f"answer to {question.id}: {exc}") from None

    def rating(self, question: Question, suggested: int) -> int:
        """The file's rating, else the rubric's suggestion."""
        entry = self.given[question.id]
        if not (isinstance(entry, dict) and "rating" in entry):
            return suggested
        if entry["rating"] not in (1, 2, 3, 4):
            raise UsageError(f"a rating is 1, 2, 3 or 4, not {entry['rating']!r}")
        return entry["rating"]


def ask(store: Store, questions: list[Question], answers: Answers, display: Display | None,
        exam: bool = False, deadline: float | None = None) -> Iterator[dict[str, Any]]:
    """Each question's result, in order, once it is recorded."""
    told_time_up = False
    for i, question in enumerate(questions, 1):
        started = time.monotonic()
        if deadline is not None and started > deadline:
            if display is not None and not told_time_up:
                display.time_up()
                told_time_up = True
            yield {"question": question.id, "kind": question.kind, "score": 0.0, "correct": False,
                   "answer": None, "rating": None, "details": {"unanswered": True}}
            continue
        if display is not None:
            display.question(question, i, len(questions))
        graded = answers.answer(question)
        if deadline is not None and time.monotonic() > deadline:  # answered after the bell
            graded.score, graded.details["late"] = 0.0, True
        if display is not None and not exam:
            display.feedback(question, graded)
        suggested = schedule.suggested_rating(graded)
        self_rating = answers.rating(question, suggested) if question.kind == "open" and not exam else None
        rating = self_rating or suggested
        schedule.record(store, question, graded, rating, "exam" if exam else answers.mode, self_rating,
                        int((time.monotonic() - started) * 1000))
        yield {"question": question.id, "kind": question.kind, "score": round(graded.score, 3),
               "correct": graded.correct, "answer": graded.answer, "rating": rating, "details": graded.details}
