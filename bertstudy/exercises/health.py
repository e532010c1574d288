"""Proving an exercise healthy, for `bertstudy content check`: the solution passes, the starter
fails, and every known mistake fails and is diagnosed as itself."""

from __future__ import annotations

from bertstudy.content import yamlsource
from bertstudy.content.schema import Exercise
from bertstudy.errors import ContentError
from bertstudy.exercises import cases
from bertstudy.exercises.checks import load_callable
from bertstudy.exercises.grader import grade
from bertstudy.exercises.sandbox import Pool


def check(exercise: Exercise, pool: Pool) -> list[ContentError]:
    doc = yamlsource.load(exercise.folder / "exercise.yaml", exercise.file)

    def problem(key: str | tuple, message: str) -> ContentError:
        return doc.error(key if isinstance(key, tuple) else (key,), message)

    out = [problem(("cases", i, "args", *path), msg)
           for i, case in enumerate(exercise.cases) for path, msg in cases.problems(case.args)]
    for name in ("starter.py", "solution.py"):
        if not (exercise.folder / name).is_file():
            out.append(problem(name, f"exercises/{exercise.id}/{name} is missing"))
    for mistake in exercise.mistakes:
        if not (exercise.folder / "mistakes" / f"{mistake.id}.py").is_file():
            out.append(problem("mistakes", f"exercises/{exercise.id}/mistakes/{mistake.id}.py is missing"))
    if out:
        return out
    try:
        load_callable(exercise)
    except ContentError as exc:
        return [exc]
    verdict = grade(exercise, exercise.folder / "solution.py", pool)
    if not verdict.passed:
        failed = next(t for t in verdict.tests if t.status != "passed")
        out.append(problem("reference", f"solution.py fails '{failed.name}': {failed.message}; the reference and the solution disagree"))
    if grade(exercise, exercise.folder / "starter.py", pool).passed:
        out.append(problem("cases", "starter.py passes the grader; leave the work to the learner"))
    for i, mistake in enumerate(exercise.mistakes):
        verdict = grade(exercise, exercise.folder / "mistakes" / f"{mistake.id}.py", pool)
        if verdict.passed:
            out.append(problem(("mistakes", i), f"mistakes/{mistake.id}.py passes; add a case that tells it apart"))
        elif (verdict.diagnosis or {}).get("id") != mistake.id:
            got = (verdict.diagnosis or {}).get("id", "nothing")
            out.append(problem(("mistakes", i), f"mistakes/{mistake.id}.py is diagnosed as {got}; add a case where they differ"))
    return out
