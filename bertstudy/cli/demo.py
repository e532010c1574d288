"""`bertstudy demo`: list the live demos, run one."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from bertstudy import console, i18n
from bertstudy.cli import context

app = typer.Typer(help="Live PyTorch demos: see attention, masking and pre-training happen.", no_args_is_help=True)


@app.command("list")
def list_demos(json_out: context.JsonOption = False) -> None:
    """List the demos by topic, with their typical run time.

    Example: `bertstudy demo list`
    """
    from bertstudy.demos import DEMOS

    lang = i18n.current()
    rows = [{"id": d.id, "topic": d.topic, "title": d.title.get(lang), "seconds": d.seconds} for d in DEMOS.values()]
    if json_out:
        console.emit_json({"demos": rows})
        return
    from rich.table import Table

    table = Table(box=None, padding=(0, 2))
    for name in ("topic", "demo", "", "s"):
        table.add_column(name, style="muted" if name in ("topic", "s") else None)
    for row in sorted(rows, key=lambda r: r["topic"]):
        table.add_row(row["topic"], f"[code]{row['id']}[/code]", console.esc(row["title"]), f"{row['seconds']:g}")
    console.out().print(table)


@app.command("run")
def run(
    name: Annotated[str, typer.Argument(help="The demo's id (see `bertstudy demo list`).")],
    quick: Annotated[bool, typer.Option("--quick", help="A smaller, faster version (seconds).")] = False,
    save: Annotated[Path | None, typer.Option("--save", metavar="DIR", help="Also write the demo's data as JSON into DIR.")] = None,
    json_out: context.JsonOption = False,
) -> None:
    """Run a demo and draw its result in the terminal.

    Example: `bertstudy demo run attention-heatmap`
    """
    from bertstudy import demos

    demo = demos.get(name)
    module = demos.load(demo)
    started = time.perf_counter()
    data = module.run(quick=quick)
    seconds = time.perf_counter() - started
    context.store().record_demo(demo.id, seconds)
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        (save / f"{demo.id}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    if json_out:
        console.emit_json({"demo": demo.id, "seconds": round(seconds, 3), "data": data})
        return
    module.show(data)
    console.out().print(f"[muted]{i18n.t('demo.ran', seconds=seconds)}[/muted]")
