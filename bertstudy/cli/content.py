"""`bertstudy content check`: validate a content pack and prove its exercises grade correctly."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bertstudy import console, i18n
from bertstudy.cli import context

app = typer.Typer(help="Check content packs (topics, questions, exercises).", no_args_is_help=True)


@app.command("check")
def check(
    folder: Annotated[Path | None, typer.Argument(metavar="[DIR]", help="The pack to check; default: the pack in use.")] = None,
    skip_grading: Annotated[bool, typer.Option("--no-grading", help="Check files and references only; do not run the exercises' solutions, starters and mistakes.")] = False,
    json_out: context.JsonOption = False,
) -> None:
    """Check every file (keys, types, both languages, ids, references) and that every exercise's
    solution passes, its starter fails and each known mistake fails and is diagnosed.

    Example: `bertstudy content check ./my-pack`
    """
    from bertstudy.content.pack import collect, resolve_dir
    from bertstudy.demos import DEMOS

    root = resolve_dir(str(folder)) if folder is not None else context.content_dir()
    pack, errors = collect(root, set(DEMOS))
    if not skip_grading:
        from bertstudy.exercises.health import check as check_exercise
        from bertstudy.exercises.sandbox import Pool

        broken = {e.file for e in errors}
        healthy = [e for e in pack.exercises.values() if e.file not in broken]
        if healthy:
            with Pool() as pool:
                for exercise in healthy:
                    errors += check_exercise(exercise, pool)
    problems = [str(e) for e in errors]
    if json_out:
        console.emit_json({"pack": str(root), "ok": not problems, "problems": problems, "topics": len(pack.topics),
                           "questions": len(pack.questions), "exercises": len(pack.exercises)})
    elif problems:
        err = console.err()
        for line in problems:
            err.print(f"[fail]✗[/fail] {console.esc(line)}", highlight=False, markup=True, soft_wrap=True)
        err.print(f"[fail]{console.esc(i18n.t('content.problems', n=len(problems), pack=root))}[/fail]")
    else:
        console.out().print("[ok]✓[/ok] " + i18n.t("content.ok", pack=pack.name, topics=len(pack.topics),
                                                    questions=len(pack.questions), exercises=len(pack.exercises)))
    if problems:
        raise typer.Exit(1)
