"""The learner's workspace: their own copy of each exercise's starter, like `rustlings init`.

Copies live in BERTSTUDY_WORKSPACE, else `<bertstudy home>/workspace`, one `<id>.py` each.
Resetting keeps the old file as `<id>.py.bak` so no work is ever lost.
An exercise that `builds_on` others (the capstone) starts with the learner's own passing copies
of them pasted in at the starter's PARTS_LINE.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bertstudy import i18n, paths
from bertstudy.content.pack import Pack
from bertstudy.content.schema import PARTS_LINE, Exercise
from bertstudy.errors import BertstudyError, UsageError
from bertstudy.progress.store import Store


def path_of(exercise: Exercise) -> Path:
    return paths.workspace() / f"{exercise.id}.py"


def start(pack: Pack, store: Store, exercise_id: str) -> dict[str, Any]:
    """Copy the starter (unless a copy exists) and make this the current exercise."""
    exercise = pack.exercise(exercise_id)
    target = path_of(exercise)
    created = not target.exists()
    parts: dict[str, list[str]] = {}
    if created:
        parts = _write_starter(exercise, store, target)
    store.set("current_exercise", exercise.id)
    return {**describe(exercise), "path": str(target), "created": created, **parts}


def reset(pack: Pack, store: Store, exercise_id: str) -> dict[str, Any]:
    exercise = pack.exercise(exercise_id)
    target = path_of(exercise)
    backup = target.with_suffix(".py.bak")
    if target.exists():
        shutil.copyfile(target, backup)
    parts = _write_starter(exercise, store, target)
    store.set("current_exercise", exercise.id)
    return {"exercise": exercise.id, "path": str(target), "backup": str(backup) if backup.exists() else None, **parts}


def _write_starter(exercise: Exercise, store: Store, target: Path) -> dict[str, list[str]]:
    """Write the starter to `target`; for a `builds_on` exercise, with the learner's passing copies
    of those exercises in place of PARTS_LINE. Returns which parts were copied and which are missing."""
    starter = (exercise.folder / "starter.py").read_text(encoding="utf-8")
    if not exercise.builds_on:
        _write(target, starter)
        return {}
    passed = store.exercises_passed()
    copied = [part for part in exercise.builds_on if part in passed and (paths.workspace() / f"{part}.py").is_file()]
    missing = [part for part in exercise.builds_on if part not in copied]
    future: list[str] = []  # `from __future__` lines must open the file, so they move to the top
    blocks = []
    for part in copied:
        lines = (paths.workspace() / f"{part}.py").read_text(encoding="utf-8").strip().splitlines()
        future += [line for line in lines if line.startswith("from __future__ import") and line not in future]
        body = "\n".join(line for line in lines if not line.startswith("from __future__ import")).strip()
        blocks.append(f"# ---- your {part}.py, which passed ----\n{body}\n")
    text = starter.replace(PARTS_LINE, "\n\n".join(blocks).rstrip("\n") if blocks else PARTS_LINE, 1)
    _write(target, "".join(f"{line}\n" for line in future) + ("\n" if future else "") + text)
    return {"parts_copied": copied, "parts_missing": missing}


def _write(target: Path, text: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write your copy {target} ({exc.strerror}); make {target.parent} writable "
                         "or point BERTSTUDY_WORKSPACE at a folder you can write") from None


def current(pack: Pack, store: Store, exercise_id: str | None) -> Exercise:
    """The exercise named, else the current one."""
    chosen = exercise_id or store.get("current_exercise")
    if not chosen:
        raise UsageError("no current exercise; name one, or start one with `bertstudy exercise start ID`")
    return pack.exercise(chosen)


def submission(exercise: Exercise, file: str | None) -> Path:
    """The file to grade: --file, else the workspace copy."""
    path = Path(file).expanduser() if file else path_of(exercise)
    if not path.is_file():
        hint = "" if file else f"; run `bertstudy exercise start {exercise.id}` first"
        raise UsageError(f"no file at {path}{hint}")
    return path


def describe(exercise: Exercise) -> dict[str, Any]:
    lang = i18n.current()
    return {"exercise": exercise.id, "title": exercise.title.get(lang), "topic": exercise.topic,
            "difficulty": exercise.difficulty, "statement": exercise.statement.get(lang)}


def listing(pack: Pack, store: Store) -> list[dict[str, Any]]:
    passed, attempted = store.exercises_passed(), store.exercises_attempted()
    lang = i18n.current()
    rows = []
    for topic in pack.ordered_topics():
        for exercise in (pack.exercises[e] for e in topic.exercises):  # easiest first
            status = "passed" if exercise.id in passed else "attempted" if exercise.id in attempted else "new"
            rows.append({"id": exercise.id, "topic": topic.id, "title": exercise.title.get(lang),
                         "difficulty": exercise.difficulty, "status": status})
    return rows


def hint(pack: Pack, store: Store, exercise_id: str | None) -> dict[str, Any]:
    exercise = current(pack, store, exercise_id)
    index = store.next_hint(exercise.id, len(exercise.hints))
    return {"exercise": exercise.id, "index": index + 1, "count": len(exercise.hints),
            "hint": exercise.hints[index].get(i18n.current())}


def solution(pack: Pack, store: Store, exercise_id: str | None, force: bool) -> dict[str, Any]:
    """The reference solution: after a pass, or with force (recorded)."""
    exercise = current(pack, store, exercise_id)
    passed = exercise.id in store.exercises_passed()
    if not (passed or force):
        raise BertstudyError(i18n.t("ex.solution_locked"))
    store.record_solution_view(exercise.id, forced=not passed)
    return {"exercise": exercise.id, "forced": not passed, "code": (exercise.folder / "solution.py").read_text(encoding="utf-8")}
