"""`bertstudy demo`: list the live demos, run one."""

from __future__ import annotations

import gc
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
    """List the demos by topic (in curriculum order), with their typical run time and whether you ran them.

    Example: `bertstudy demo list`
    """
    lang = i18n.current()
    order = {t.id: n for n, t in enumerate(context.pack().ordered_topics())}
    ran = context.store().demos_run()
    demos = sorted(context.pack().demos.values(), key=lambda d: order.get(d.topic, len(order)))
    rows = [{"id": d.id, "topic": d.topic, "title": d.title.get(lang), "seconds": d.seconds, "ran": d.id in ran,
             "about": d.about.get(lang) if d.about else None} for d in demos]
    if json_out:
        console.emit_json({"demos": rows})
        return
    from rich.table import Table

    table = Table(box=None, padding=(0, 1))
    table.add_column("topic", style="muted", no_wrap=True)
    table.add_column("demo", no_wrap=True)
    table.add_column("", ratio=1)
    table.add_column("s", style="muted", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True, width=1)
    previous = None
    for row in rows:
        shown = "" if row["topic"] == previous else row["topic"]
        previous = row["topic"]
        table.add_row(shown, f"[code]{row['id']}[/code]", console.esc(row["title"]), f"~{row['seconds']:.0f}",
                      "[ok]✓[/ok]" if row["ran"] else "")
    console.out().print(table)


@app.command("run")
def run(
    name: Annotated[str, typer.Argument(help="The demo's id (see `bertstudy demo list`).")],
    quick: Annotated[bool, typer.Option("--quick", help="A smaller, faster version (seconds).")] = False,
    save: Annotated[Path | None, typer.Option("--save", metavar="DIR", help="Also write the demo's data (JSON) and figures (PNG, with matplotlib) into DIR.")] = None,
    json_out: context.JsonOption = False,
) -> None:
    """Run a demo and draw its result in the terminal.

    Example: `bertstudy demo run attention-heatmap`
    """
    from bertstudy import demos
    from bertstudy.demos import live

    demo = context.pack().demo(name)
    if save is not None:
        _make_folder(save)  # before the run, so a bad --save costs no waiting
    live.quiet = json_out
    module = demos.load(demo)
    if demo.about and not json_out:
        console.note(demo.about.get(i18n.current()))  # what it does, read while it runs
        console.out().print()
    gc.freeze()  # torch's many long-lived objects leave the collector's scans: fewer pauses in training loops
    started = time.perf_counter()
    data = module.run(quick=quick)
    seconds = time.perf_counter() - started
    context.store().record_demo(demo.id, seconds)
    if save is not None:
        _save(save, demo.id, data, module.figures(data, demos.Words(demo, i18n.current())))
    if json_out:
        console.emit_json({"demo": demo.id, "seconds": round(seconds, 3), "data": data})
        return
    demos.present(demo, module, data)
    console.out().print(f"[muted]{i18n.t('demo.ran', seconds=seconds)}[/muted]")


def _save(folder: Path, demo_id: str, data: dict, figures: list) -> None:
    """The raw data as JSON and, when matplotlib is installed, each figure as a PNG."""
    from bertstudy.demos import png

    written = [folder / f"{demo_id}.json"]
    written[0].write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    if png.available():
        written += png.save(figures, folder, demo_id)
    elif figures:
        console.err().print(f"[warn]{i18n.t('demo.no_matplotlib')}[/warn]")
    console.err().print(f"[muted]{i18n.t('demo.saved', files=', '.join(console.esc(p) for p in written))}[/muted]")


def _make_folder(folder: Path) -> None:
    from bertstudy.errors import UsageError

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write to {folder}: {exc.strerror}") from None
