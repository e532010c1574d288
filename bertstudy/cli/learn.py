"""`bertstudy learn`: the curriculum map, and one topic's page."""

from __future__ import annotations

from typing import Annotated

import typer

from bertstudy import console, i18n
from bertstudy.cli import context

MARKS = {"read": "[ok]✓[/ok]", "started": "[warn]◐[/warn]", "new": "[muted]·[/muted]"}


def learn(
    topic: Annotated[str | None, typer.Argument(help="A topic id, or `next` for the first topic whose prerequisites you have read. Leave out for the map.")] = None,
    search: Annotated[str | None, typer.Option("--search", "-s", metavar="WORDS", help="Find the topics whose notes contain all these words (English or Chinese).")] = None,
    pager: Annotated[bool, typer.Option("--pager/--no-pager", help="Page a topic's notes in a terminal (default: on).")] = True,
    json_out: context.JsonOption = False,
) -> None:
    """Show the curriculum map, or open a topic: its notes, formulas, resources, demos, quiz and exercises.

    Example: `bertstudy learn attention`, or `bertstudy learn --search "positional encoding"`
    """
    from bertstudy.learn import service

    pack, store = context.pack(), context.store()
    if search is not None:
        hits = service.search(pack, search)
        if json_out:
            console.emit_json({"query": search, "topics": hits})
        else:
            _show_hits(hits)
        return
    if topic is None:
        rows = service.curriculum(pack, store)
        if json_out:
            console.emit_json({"topics": rows})
        else:
            _show_map(rows)
        return
    if topic == "next":
        upcoming = service.next_topic(pack, store)
        if upcoming is None:
            console.out().print(i18n.t("learn.no_next"))
            return
        topic = upcoming.id
    page = service.open_topic(pack, store, topic)
    if json_out:
        console.emit_json(page)
    elif pager and console.interactive():
        import os

        os.environ.setdefault("LESS", "-R")  # let less show the colours
        with console.out().pager(styles=True):
            _show_topic(page)
    else:
        _show_topic(page)


def _show_hits(hits: list[dict]) -> None:
    out = console.out()
    if not hits:
        out.print(i18n.t("learn.no_hits"))
        return
    for hit in hits:
        out.print(f"[code]{hit['id']}[/code]  {console.esc(hit['title'])}")
        if hit["snippet"]:
            out.print(f"    [muted]{console.esc(hit['snippet'])}[/muted]")


def _show_map(rows: list[dict]) -> None:
    """The topics in study order; the last column names the prerequisites each one builds on."""
    from rich.table import Table

    table = Table(title=i18n.t("learn.map"), box=None, padding=(0, 1), title_style="title")
    table.add_column("", justify="right", style="muted")
    table.add_column("")
    table.add_column(i18n.t("learn.topic"), no_wrap=True)
    table.add_column("")
    table.add_column(i18n.t("learn.minutes"), justify="right", style="muted")
    table.add_column(i18n.t("learn.needs"), style="muted")
    for number, row in enumerate(rows, 1):
        table.add_row(str(number), MARKS[row["status"]], f"[code]{row['id']}[/code]", console.esc(row["title"]),
                      str(row["minutes"]), ", ".join(row["prerequisites"]))
    out = console.out()
    out.print(table)
    out.print(f"[muted]{i18n.t('learn.legend')}[/muted]")


def _show_topic(page: dict) -> None:
    from rich.rule import Rule

    out = console.out()
    out.print(Rule(f"[title]{console.esc(page['title'])}[/title]  [muted]{page['id']} · {page['minutes']} {i18n.t('learn.minutes')}[/muted]"))
    out.print(f"[muted]{console.esc(page['summary'])}[/muted]")
    if page["prerequisites"]:
        out.print(f"[muted]{i18n.t('learn.prereq')}: " + ", ".join(p["id"] for p in page["prerequisites"]) + "[/muted]")
    out.print()
    out.print(console.markdown(page["notes"]))
    if page["formulas"]:
        out.print(Rule(i18n.t("learn.formulas"), style="muted"))
        for f in page["formulas"]:
            out.print(f"[muted]{console.esc(f['label'])}[/muted]\n  [code]{console.esc(f['text'])}[/code]", highlight=False)
    if page["misconceptions"]:
        out.print(Rule(i18n.t("learn.misconceptions"), style="muted"))
        for m in page["misconceptions"]:
            out.print(f"[warn]✗[/warn] {console.esc(m)}")
    if page["resources"]:
        out.print(Rule(i18n.t("learn.resources"), style="muted"))
        for r in page["resources"]:
            out.print(f"• {console.esc(r['title'])} [muted]({r['kind']}, {r['lang']})[/muted]\n  [link={r['url']}]{r['url']}[/link]")
    out.print(Rule(i18n.t("learn.try"), style="muted"))
    for d in page["demos"]:
        out.print(f"{i18n.t('learn.demo')}: [code]bertstudy demo run {d['id']}[/code] [muted]{console.esc(d['title'])} "
                  f"({i18n.t('learn.seconds', n=round(d['seconds']))})[/muted]" + (" [ok]✓[/ok]" if d["ran"] else ""))
    if page["questions"]:
        out.print(f"{i18n.t('learn.quiz')}: [code]bertstudy quiz --topic {page['id']}[/code] [muted]({i18n.t('learn.questions', n=page['questions'])})[/muted]")
    for e in page["exercises"]:
        out.print(f"{i18n.t('learn.exercise')}: [code]bertstudy exercise start {e['id']}[/code] [muted]{console.esc(e['title'])}[/muted]" + (" [ok]✓[/ok]" if e["passed"] else ""))
