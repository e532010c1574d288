"""`bertstudy` with no command: the dashboard."""

from __future__ import annotations

import time

from bertstudy import console, i18n
from bertstudy.cli import context


def show(json_out: bool) -> None:
    from bertstudy.learn.service import dashboard

    data = dashboard(context.pack(), context.store(), time.time())
    if json_out:
        console.emit_json(data)
        return
    from rich.panel import Panel
    from rich.table import Table

    table = Table.grid(padding=(0, 2))
    table.add_column(style="muted")
    table.add_column()
    table.add_row(i18n.t("dash.topics"), f"{data['topics_read']} / {data['topics']}")
    table.add_row(i18n.t("dash.due"), str(data["reviews_due"]))
    table.add_row(i18n.t("dash.exercises"), f"{data['exercises_passed']} / {data['exercises']}")
    table.add_row(i18n.t("dash.demos"), str(data["demos_run"]))
    if data["current_exercise"]:
        table.add_row(i18n.t("dash.current"), f"[code]{console.esc(data['current_exercise'])}[/code]")
    upcoming = data["next_exercise"]
    if upcoming and upcoming != data["current_exercise"]:
        title = context.pack().exercises[upcoming].title.get(i18n.current())
        table.add_row(i18n.t("dash.next_exercise"), console.esc(i18n.t("dash.next_exercise_is", title=title, exercise=upcoming)))
    table.add_row(i18n.t("dash.next"), f"[accent]{console.esc(data['next'])}[/accent]")
    console.out().print(Panel(table, title=f"[title]{i18n.t('dash.title')}[/title]", subtitle=f"[muted]{console.esc(data['pack'])}[/muted]", expand=False))
