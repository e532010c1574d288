"""Proving an exercise healthy, for `bertstudy content check`: the solution passes, the starter
fails, and every known mistake fails and is diagnosed as itself."""

from __future__ import annotations

from bertstudy.content import yamlsource
from bertstudy.content.schema import PARTS_LINE, Exercise
from bertstudy.errors import ContentError
from bertstudy.exercises import cases as case_maker
from bertstudy.exercises.checks import load_callable, pack_module, reference_outputs
from bertstudy.exercises.grader import grade
from bertstudy.exercises.sandbox import Pool


def check(exercise: Exercise, pool: Pool) -> list[ContentError]:
    doc = yamlsource.load(exercise.folder / "exercise.yaml", exercise.file)

    def problem(key: str | tuple, message: str) -> ContentError:
        return doc.error(key if isinstance(key, tuple) else (key,), message)

    out = [problem(("cases", i, "args", *path), msg)
           for i, case in enumerate(exercise.cases) for path, msg in case_maker.problems(case.args)]
    names = ("starter.py", "solution.py") + (("properties.py",) if exercise.stochastic else ())
    for name in names:
        if not (exercise.folder / name).is_file():
            out.append(problem(name, f"exercises/{exercise.id}/{name} is missing"))
    for mistake in exercise.mistakes:
        if not (exercise.folder / "mistakes" / f"{mistake.id}.py").is_file():
            out.append(problem("mistakes", f"exercises/{exercise.id}/mistakes/{mistake.id}.py is missing"))
    if exercise.builds_on and (exercise.folder / "starter.py").is_file() and \
            (exercise.folder / "starter.py").read_text(encoding="utf-8").count(PARTS_LINE) != 1:
        out.append(problem("builds_on", f"starter.py must hold the line '{PARTS_LINE}' once: the learner's parts go there"))
    if out:
        return out
    try:
        reference = load_callable(exercise)
    except ContentError as exc:
        return [exc]
    if exercise.stochastic:
        out += _reference_properties(exercise, reference, problem)
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


def _reference_properties(exercise: Exercise, reference, problem) -> list[ContentError]:
    """A stochastic exercise's reference must obey its own properties on every case."""
    properties = pack_module(exercise, exercise.folder / "properties.py")
    out = []
    for i, case in enumerate(exercise.cases):
        args = case_maker.build_args(case)
        message = properties["check"](args, reference_outputs(reference, args))
        if message:
            out.append(problem(("cases", i), f"the reference fails properties.py's check: {message}"))
    return out
