"""Grading many submissions at once: one folder per student, files named `<exercise id>.py`.

    submissions/
      alice/scaled_dot_product_attention.py
      bob/scaled_dot_product_attention.py

A folder that itself holds `<exercise id>.py` files is graded as one submission (as Gradescope
hands over /autograder/submission). Submissions run in parallel; one that crashes, hangs or
cheats gets its verdict and never stops the batch. All of them fork from one warm worker.
"""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bertstudy.content.pack import Pack
from bertstudy.content.schema import Exercise
from bertstudy.errors import UsageError
from bertstudy.exercises.grader import grade
from bertstudy.exercises.sandbox import Pool
from bertstudy.exercises.verdict import none_run


def students(root: Path, exercises: list[Exercise]) -> dict[str, Path]:
    if not root.is_dir():
        raise UsageError(f"{root} is not a folder")
    names = {f"{e.id}.py" for e in exercises}
    if any((root / n).is_file() for n in names):
        return {root.name: root}
    found = {p.name: p for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".")}
    if not found:
        raise UsageError(f"{root} has no student folders and no {' or '.join(sorted(names))}")
    return found


def grade_all(pack: Pack, root: Path, exercise_ids: list[str], jobs: int) -> list[dict[str, Any]]:
    """One row per student and exercise: the verdict, or 'missing' when there is no file."""
    exercises = [pack.exercise(e) for e in exercise_ids]
    folders = students(root, exercises)
    work = [(name, folder, ex) for name, folder in folders.items() for ex in exercises]

    def one(item: tuple[str, Path, Exercise]) -> dict[str, Any]:
        name, folder, exercise = item
        path = folder / f"{exercise.id}.py"
        if not path.is_file():
            return {"student": name, **none_run(exercise, f"no file {exercise.id}.py").as_dict(), "missing": True}
        return {"student": name, **grade(exercise, path, warm).as_dict(), "missing": False}

    with Pool() as warm, ThreadPoolExecutor(max_workers=max(1, jobs)) as threads:
        return list(threads.map(one, work))


def to_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "exercise", "passed", "score", "max_score", "diagnosis", "first_failure"])
    for r in rows:
        failure = next((t["message"] for t in r["tests"] if t["status"] != "passed"), "")
        writer.writerow([r["student"], r["exercise"], int(r["passed"]), r["score"], r["max_score"],
                         (r["diagnosis"] or {}).get("id", ""), failure])
    return buffer.getvalue()


def to_gradescope(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Gradescope's results.json for each student (one student: the object itself)."""
    per_student: dict[str, dict[str, Any]] = {}
    for r in rows:
        result = per_student.setdefault(r["student"], {"score": 0.0, "execution_time": 0.0, "tests": []})
        result["score"] += r["score"]
        result["execution_time"] += r["seconds"]
        for i, t in enumerate(r["tests"], 1):
            output = t["message"]
            if r["diagnosis"] and t["status"] != "passed" and not any(x["status"] != "passed" for x in r["tests"][: i - 1]):
                output += f"\nLikely mistake: {r['diagnosis']['en']}"
            result["tests"].append({"name": f"{r['exercise']}: {t['name']}", "number": f"{r['exercise']}.{i}",
                                    "score": 1.0 if t["status"] == "passed" else 0.0, "max_score": 1.0,
                                    "status": "passed" if t["status"] == "passed" else "failed", "output": output})
    for result in per_student.values():
        result["execution_time"] = round(result["execution_time"], 3)
    return next(iter(per_student.values())) if len(per_student) == 1 else per_student
