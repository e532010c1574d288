"""`bertstudy progress`: your progress per topic; export and import it as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bertstudy import console, i18n
from bertstudy.cli import context
from bertstudy.errors import UsageError

app = typer.Typer(invoke_without_command=True)


@app.callback()
def progress(ctx: typer.Context, json_out: context.JsonOption = False) -> None:
    """Show, per topic: read, demos run, quiz mastery (predicted recall) and exercises passed.

    Example: `bertstudy progress`
    """
    if ctx.invoked_subcommand is not None:
        return
    from bertstudy.learn.service import progress as report

    rows = report(context.pack(), context.store())
    if json_out:
        console.emit_json({"topics": rows})
        return
    from rich.table import Table

    table = Table(title=i18n.t("progress.title"), box=None, padding=(0, 2), title_style="title")
    for name in ("", i18n.t("progress.read"), i18n.t("progress.demos"), i18n.t("progress.mastery"), i18n.t("progress.exercises")):
        table.add_column(name, justify="left" if not name else "right")
    for r in rows:
        table.add_row(
            f"[code]{r['id']}[/code] {console.esc(r['title'])}", "[ok]✓[/ok]" if r["read"] else "[muted]·[/muted]",
            f"{r['demos_run']}/{r['demos']}",
            f"{r['mastery']:.0%} [muted]({r['questions']})[/muted]" + (f" [warn]{i18n.t('progress.leeches', n=len(r['leeches']))}[/warn]" if r["leeches"] else ""),
            f"{r['exercises_passed']}/{r['exercises']}",
        )
    console.out().print(table)


@app.command("export")
def export(file: Annotated[str, typer.Argument(metavar="FILE", help="Where to write the JSON; '-' for stdout.")]) -> None:
    """Write all your progress (reviews, cards, attempts, ...) to a JSON file.

    Example: `bertstudy progress export backup.json`
    """
    data = context.store().export()
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if file == "-":
        typer.echo(text)
        return
    context.write_file(file, text + "\n")
    count = sum(len(rows) for rows in data["tables"].values())
    console.out().print(i18n.t("progress.exported", n=count, path=file))


@app.command("import")
def import_(file: Annotated[Path, typer.Argument(metavar="FILE", help="A file written by `bertstudy progress export`.")]) -> None:
    """Merge progress from an export; what you already have is kept.

    Example: `bertstudy progress import backup.json`
    """
    if not file.is_file():
        raise UsageError(f"no file at {file}")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{file} is not JSON: {exc}") from None
    added = context.store().import_(data, str(file))
    console.out().print(i18n.t("progress.imported", n=added, path=file))
