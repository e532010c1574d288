"""`bertstudy grade`: grade a folder of submissions, for instructors and assessors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bertstudy import console
from bertstudy.cli import context
from bertstudy.errors import UsageError


def grade(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="One folder per student, each holding <exercise id>.py files.")],
    exercise: Annotated[list[str] | None, typer.Option("--exercise", "-e", metavar="ID", help="Grade this exercise (repeatable).")] = None,
    all_exercises: Annotated[bool, typer.Option("--all", help="Grade every exercise of the pack.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Submissions graded at once.")] = 2,
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="table|json|csv|gradescope", help="Output format.")] = "table",
    trust: context.TrustOption = False,
) -> None:
    """Grade every student's submissions in DIR and print a table, JSON, CSV or Gradescope's results.json.

    Example: `bertstudy grade ./submissions --exercise scaled_dot_product_attention --format csv`
    """
    from bertstudy.exercises import batch

    if fmt not in ("table", "json", "csv", "gradescope"):
        raise UsageError(f"unknown format '{fmt}'; use table, json, csv or gradescope")
    pack = context.pack_to_grade(trust)
    if all_exercises == bool(exercise):
        raise UsageError("name exercises with --exercise ID, or grade them all with --all (not both)")
    ids = list(pack.exercises) if all_exercises else list(exercise)
    rows = batch.grade_all(pack, folder, ids, jobs)
    if fmt == "json":
        console.emit_json({"results": rows})
    elif fmt == "csv":
        typer.echo(batch.to_csv(rows), nl=False)
    elif fmt == "gradescope":
        typer.echo(json.dumps(batch.to_gradescope(rows), indent=2))
    else:
        _table(rows)


def _table(rows: list[dict]) -> None:
    from rich.table import Table

    table = Table(box=None, padding=(0, 2))
    for name in ("student", "exercise", "score", "", "diagnosis / first failure"):
        table.add_column(name)
    for r in rows:
        failure = next((f"{t['name']}: {t['message']}" for t in r["tests"] if t["status"] != "passed"), "")
        note = (r["diagnosis"] or {}).get("id") or failure
        table.add_row(r["student"], r["exercise"], f"{r['score']:g}/{r['max_score']:g}",
                      "[ok]✓[/ok]" if r["passed"] else "[fail]✗[/fail]", f"[muted]{console.esc(note[:90])}[/muted]")
    console.out().print(table)
