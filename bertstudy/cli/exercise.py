"""`bertstudy exercise`: coding exercises, auto-graded against reference implementations."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from bertstudy import console, i18n
from bertstudy.cli import context

app = typer.Typer(help="Coding exercises, graded in an isolated process against reference implementations.", no_args_is_help=True)

IdArgument = Annotated[str | None, typer.Argument(metavar="ID", help="The exercise's id; leave out for the current exercise.")]


@app.command("list")
def list_exercises(json_out: context.JsonOption = False) -> None:
    """List the exercises by topic with your status.

    Example: `bertstudy exercise list`
    """
    from bertstudy.exercises.workspace import listing

    rows = listing(context.pack(), context.store())
    if json_out:
        console.emit_json({"exercises": rows})
        return
    from rich.table import Table

    marks = {"passed": "[ok]✓[/ok]", "attempted": "[warn]◐[/warn]", "new": "[muted]·[/muted]"}
    table = Table(box=None, padding=(0, 1))
    table.add_column("topic", style="muted", no_wrap=True)
    table.add_column("", no_wrap=True, width=1)
    table.add_column("exercise", no_wrap=True)
    table.add_column("", ratio=1)
    table.add_column("★", style="muted", no_wrap=True)
    previous = None
    for row in rows:
        shown = "" if row["topic"] == previous else row["topic"]
        previous = row["topic"]
        table.add_row(shown, marks[row["status"]], f"[code]{row['id']}[/code]", console.esc(row["title"]), "★" * row["difficulty"])
    console.out().print(table)


@app.command("start")
def start(
    exercise_id: Annotated[str, typer.Argument(metavar="ID", help="The exercise's id (see `bertstudy exercise list`).")],
    json_out: context.JsonOption = False,
) -> None:
    """Show an exercise's statement and put its starter in your workspace (an existing copy is kept).

    Example: `bertstudy exercise start scaled_dot_product_attention`
    """
    from bertstudy.exercises.workspace import start as start_exercise

    info = start_exercise(context.pack(), context.store(), exercise_id)
    if json_out:
        console.emit_json(info)
        return
    from rich.rule import Rule

    out = console.out()
    out.print(Rule(f"[title]{console.esc(info['title'])}[/title]  [muted]{info['exercise']} · {'★' * info['difficulty']}[/muted]"))
    out.print(console.markdown(info["statement"]))
    out.print(f"[hint]{console.esc(i18n.t('ex.started' if info['created'] else 'ex.exists', path=info['path']))}[/hint]")
    _print_parts(info)


@app.command("run")
def run(
    exercise_id: IdArgument = None,
    file: Annotated[str | None, typer.Option("--file", metavar="PATH", help="Grade this file instead of your workspace copy.")] = None,
    trust: context.TrustOption = False,
    json_out: context.JsonOption = False,
) -> None:
    """Grade your solution: exit 0 when it passes, 1 when not.

    Example: `bertstudy exercise run scaled_dot_product_attention --file my_attention.py --json`
    """
    from bertstudy.exercises import workspace

    pack, store = context.pack_to_grade(trust), context.store()
    exercise = workspace.current(pack, store, exercise_id)
    verdict = _grade(exercise, workspace.submission(exercise, file))
    if json_out:
        console.emit_json(verdict)
    else:
        show_verdict(verdict)
    if not verdict["passed"]:
        raise typer.Exit(1)


def _grade(exercise, path: Path, pool=None) -> dict[str, Any]:
    from bertstudy.exercises.grader import grade

    verdict = grade(exercise, path, pool).as_dict()
    context.store().record_attempt(exercise.id, verdict)
    return verdict


def show_verdict(verdict: dict[str, Any]) -> None:
    out = console.out()
    marks = {"passed": "[ok]✓[/ok]", "failed": "[fail]✗[/fail]", "error": "[fail]![/fail]"}
    first_failure = None
    for test in verdict["tests"]:
        out.print(f"  {marks[test['status']]} {console.esc(test['name'])}")
        if test["status"] != "passed" and first_failure is None:
            first_failure = test
            out.print(f"    [fail]{console.esc(test['message'])}[/fail]", highlight=False)
    score = f"{verdict['score']:g}/{verdict['max_score']:g}"
    if verdict["passed"]:
        out.print(f"[ok]{i18n.t('ex.passed')}[/ok] {verdict['exercise']} {score} [muted]({verdict['seconds']:.1f} s)[/muted]")
        out.print(f"[muted]{i18n.t('ex.solution_after_pass', id=verdict['exercise'])}[/muted]")
        return
    if verdict.get("printed", "").strip():
        out.print(f"[muted]{i18n.t('ex.printed')}[/muted]")
        out.print(f"[muted]{console.esc(verdict['printed'].rstrip()[-1200:])}[/muted]", highlight=False)
    if verdict.get("diagnosis"):
        out.print(f"[warn]{i18n.t('ex.diagnosis')}:[/warn] {console.esc(verdict['diagnosis'][i18n.current()])}")
    out.print(f"[fail]{i18n.t('ex.failed')}[/fail] {verdict['exercise']} {score} [muted]({verdict['seconds']:.1f} s)[/muted]")
    out.print(f"[muted]{i18n.t('ex.next')}[/muted]")


@app.command("watch")
def watch(
    exercise_id: IdArgument = None,
    file: Annotated[str | None, typer.Option("--file", metavar="PATH", help="Watch this file instead of your workspace copy.")] = None,
    trust: context.TrustOption = False,
) -> None:
    """Re-grade on every save, in a warm worker. Type h + Enter for a hint, q + Enter to quit.
    After a pass it moves on to your next exercise (with --file it stops).

    Example: `bertstudy exercise watch`
    """
    from bertstudy.exercises import workspace
    from bertstudy.exercises.sandbox import Pool
    from bertstudy.exercises.watch import saves, typed_line
    from bertstudy.learn.service import next_exercise

    pack, store = context.pack_to_grade(trust), context.store()
    exercise = workspace.current(pack, store, exercise_id)
    path = workspace.submission(exercise, file)
    out = console.out()
    try:
        with Pool() as pool:
            while exercise is not None:
                out.print(f"[muted]{console.esc(i18n.t('ex.watching', path=path))}[/muted]")
                for event in saves(path):
                    if event == "save":
                        out.rule(f"[muted]{exercise.id} · {time.strftime('%H:%M:%S')}[/muted]", style="muted")
                        verdict = _grade(exercise, path, pool)
                        show_verdict(verdict)
                        if verdict["passed"]:
                            break
                    key = typed_line()
                    if key == "q":
                        return
                    if key == "h":
                        _show_hint(workspace.hint(pack, store, exercise.id))
                if file is not None:
                    return
                upcoming = next_exercise(pack, store)
                exercise = None
                if upcoming is not None:
                    info = workspace.start(pack, store, upcoming)
                    exercise, path = pack.exercise(upcoming), Path(info["path"])
                    out.print(f"[accent]{console.esc(i18n.t('ex.moving_on', id=upcoming, title=info['title']))}[/accent]")
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


@app.command("hint")
def hint(exercise_id: IdArgument = None, json_out: context.JsonOption = False) -> None:
    """Show the next hint for an exercise (hints open one at a time).

    Example: `bertstudy exercise hint`
    """
    from bertstudy.exercises.workspace import hint as next_hint

    info = next_hint(context.pack(), context.store(), exercise_id)
    if json_out:
        console.emit_json(info)
        return
    _show_hint(info)


def _show_hint(info: dict[str, Any]) -> None:
    out = console.out()
    out.print(f"[hint]{i18n.t('ex.hint', i=info['index'], n=info['count'])}[/hint]")
    out.print(console.markdown(info["hint"]))
    if info["index"] == info["count"]:
        out.print(f"[muted]{i18n.t('ex.no_more_hints')}[/muted]")


@app.command("solution")
def solution(
    exercise_id: IdArgument = None,
    force: Annotated[bool, typer.Option("--force", help="Show it before you have passed (this is recorded).")] = False,
    json_out: context.JsonOption = False,
) -> None:
    """Show the reference solution: after you pass, or with --force.

    Example: `bertstudy exercise solution scaled_dot_product_attention`
    """
    from bertstudy.exercises.workspace import solution as reveal

    info = reveal(context.pack(), context.store(), exercise_id, force)
    if json_out:
        console.emit_json(info)
        return
    from rich.syntax import Syntax

    console.out().print(Syntax(info["code"], "python", line_numbers=True))


@app.command("reset")
def reset(
    exercise_id: Annotated[str, typer.Argument(metavar="ID", help="The exercise to restore to its starter.")],
    json_out: context.JsonOption = False,
) -> None:
    """Restore an exercise's starter; your old file is kept as ID.py.bak.

    Example: `bertstudy exercise reset scaled_dot_product_attention`
    """
    from bertstudy.exercises.workspace import reset as reset_exercise

    info = reset_exercise(context.pack(), context.store(), exercise_id)
    if json_out:
        console.emit_json(info)
        return
    console.out().print(i18n.t("ex.reset", path=info["path"], backup=info["backup"] or "-"))
    _print_parts(info)


def _print_parts(info: dict) -> None:
    """For an exercise that builds on others: which of the learner's parts went into the starter."""
    if info.get("parts_copied"):
        console.out().print(f"[ok]{console.esc(i18n.t('ex.parts_copied', parts=', '.join(info['parts_copied'])))}[/ok]")
    if info.get("parts_missing"):
        console.out().print(f"[warn]{console.esc(i18n.t('ex.parts_missing', parts=', '.join(info['parts_missing']), exercise=info['exercise']))}[/warn]")
