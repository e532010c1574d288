"""Proving an exercise healthy, for `bertstudy content check`: `files()` checks its files, cases and
reference without running anything of the pack (and without torch); `check()` then grades: the
solution passes, the starter fails, and every known mistake fails and is diagnosed as itself."""

from __future__ import annotations

import ast
import importlib.util
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bertstudy.content import trust, yamlsource
from bertstudy.content.schema import PARTS_LINE, Exercise, patched
from bertstudy.errors import ContentError
from bertstudy.exercises import cases as case_maker

if TYPE_CHECKING:
    from bertstudy.exercises.sandbox import Pool


def files(exercise: Exercise) -> list[ContentError]:
    """Missing files, malformed cases and a reference in bertstudy.reference that does not exist.
    A reference elsewhere can only be checked by importing it: check() does, once trusted."""
    doc = yamlsource.load(exercise.folder / "exercise.yaml", exercise.file)

    def problem(key: str | tuple, message: str) -> ContentError:
        return doc.error(key if isinstance(key, tuple) else (key,), message)

    out = [problem(("cases", i, "args", *path), msg)
           for i, case in enumerate(exercise.cases) for path, msg in case_maker.problems(case.args)]
    names = ("starter.py", "solution.py") + (("properties.py",) if exercise.stochastic else ())
    for name in names:
        if not (exercise.folder / name).is_file():
            out.append(problem(name, f"exercises/{exercise.id}/{name} is missing"))
    solution = exercise.folder / "solution.py"
    for i, mistake in enumerate(exercise.mistakes):
        has_file = exercise.mistake_path(mistake).is_file()
        if mistake.patch and has_file:
            out.append(problem(("mistakes", i, "patch"), f"mistakes/{mistake.id}.py exists too; give the mistake as a file or as a patch, not both"))
        elif mistake.patch and solution.is_file():
            _, wrong = patched(solution.read_text(encoding="utf-8"), mistake.patch)
            out += [problem(("mistakes", i, *key), message) for key, message in wrong]
        elif not mistake.patch and not has_file:
            out.append(problem("mistakes", f"exercises/{exercise.id}/mistakes/{mistake.id}.py is missing"))
    if exercise.builds_on and (exercise.folder / "starter.py").is_file() and \
            (exercise.folder / "starter.py").read_text(encoding="utf-8").count(PARTS_LINE) != 1:
        out.append(problem("builds_on", f"starter.py must hold the line '{PARTS_LINE}' once: the learner's parts go there"))
    missing = _undefined_reference(exercise.reference)
    if missing:
        out.append(problem("reference", missing))
    return out


def _undefined_reference(spec: str) -> str | None:
    """Why a `bertstudy.reference` name does not exist, read from the module's source (importing
    it would import torch); None when it exists or lives elsewhere."""
    if not trust.own_reference(spec):
        return None
    module_name, _, name = spec.partition(":")
    try:
        found = importlib.util.find_spec(module_name)
    except ImportError:
        found = None
    if found is None or not found.origin:
        return f"no module {module_name}; see bertstudy/reference/ for the modules"
    with open(found.origin, encoding="utf-8") as source:
        tree = ast.parse(source.read())
    defined = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            defined |= {t.id for t in (node.targets if isinstance(node, ast.Assign) else [node.target]) if isinstance(t, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return None if name in defined else f"{module_name} defines no {name}"


def check(exercise: Exercise, pool: Pool) -> list[ContentError]:
    """Grade the solution, the starter and every known mistake (after files() found nothing)."""
    from bertstudy.exercises.checks import load_callable
    from bertstudy.exercises.grader import grade

    doc = yamlsource.load(exercise.folder / "exercise.yaml", exercise.file)

    def problem(key: str | tuple, message: str) -> ContentError:
        return doc.error(key if isinstance(key, tuple) else (key,), message)

    out = []
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
    with tempfile.TemporaryDirectory() as folder:
        for i, mistake in enumerate(exercise.mistakes):
            submission = Path(folder) / f"{mistake.id}.py"
            submission.write_text(exercise.mistake_source(mistake), encoding="utf-8")
            verdict = grade(exercise, submission, pool)
            name = exercise.mistake_name(mistake)
            if verdict.passed:
                out.append(problem(("mistakes", i), f"{name} passes; add a case that tells it apart"))
            elif (verdict.diagnosis or {}).get("id") != mistake.id:
                got = (verdict.diagnosis or {}).get("id", "nothing")
                out.append(problem(("mistakes", i), f"{name} is diagnosed as {got}; add a case where they differ"))
    return out


def _reference_properties(exercise: Exercise, reference, problem) -> list[ContentError]:
    """A stochastic exercise's reference must obey its own properties on every case."""
    from bertstudy.exercises.checks import pack_module, reference_outputs

    properties = pack_module(exercise, exercise.folder / "properties.py")
    out = []
    for i, case in enumerate(exercise.cases):
        args = case_maker.build_args(case)
        message = properties["check"](args, reference_outputs(reference, args))
        if message:
            out.append(problem(("cases", i), f"the reference fails properties.py's check: {message}"))
    return out
