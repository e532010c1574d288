"""`bertstudy content`: check a content pack, and trust one whose Python grading runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bertstudy import console, i18n
from bertstudy.cli import context
from bertstudy.errors import UsageError

app = typer.Typer(help="Check content packs (topics, questions, exercises) and trust their Python.", no_args_is_help=True)

FolderArgument = Annotated[Path | None, typer.Argument(metavar="[DIR]", help="The pack; default: the pack in use.")]


@app.command("check")
def check(
    folder: FolderArgument = None,
    skip_grading: Annotated[bool, typer.Option("--no-grading", help="Check files and references only; do not run the exercises' solutions, starters and mistakes.")] = False,
    trust_once: context.TrustOption = False,
    json_out: context.JsonOption = False,
) -> None:
    """Check every file (keys, types, both languages, ids, references) and that every exercise's
    solution passes, its starter fails and each known mistake fails and is diagnosed. Where the
    pack has a glossary.yaml, warn where a text uses a word the glossary gives another meaning. The exercises
    of a pack that is not trusted are not graded: the check lists the Python grading would run.

    Example: `bertstudy content check ./my-pack`
    """
    from bertstudy.content import glossary, trust
    from bertstudy.content.pack import collect, resolve_dir
    from bertstudy.exercises import health

    root = resolve_dir(str(folder)) if folder is not None else context.content_dir()
    pack, errors = collect(root)
    glossary_problems, warnings = glossary.check(root)
    errors += glossary_problems
    broken = {e.file for e in errors}
    sound = []
    for exercise in pack.exercises.values():
        if exercise.file not in broken:
            found = health.files(exercise)
            errors += found
            sound += [] if found else [exercise]
    standing = "trusted" if trust_once else trust.state(pack)
    refused = standing in ("untrusted", "changed")
    graded = not skip_grading and not refused
    if graded and sound:
        from bertstudy.exercises.sandbox import Pool

        trust.require(pack, trust_once)
        with Pool() as pool:
            for exercise in sound:
                errors += health.check(exercise, pool)
    problems = [str(e) for e in errors]
    would_run = trust.would_run(pack) if refused else []
    if json_out:
        console.emit_json({"pack": str(root), "ok": not problems, "problems": problems, "topics": len(pack.topics),
                           "questions": len(pack.questions), "exercises": len(pack.exercises),
                           "trust": standing, "graded": graded, "would_run": would_run,
                           "warnings": [str(w) for w in warnings]})
    else:
        _show_warnings([str(w) for w in warnings], root)
        _show_check(pack, root, problems, graded, standing, would_run)
    if problems:
        raise typer.Exit(1)


def _show_warnings(warnings: list[str], root: Path) -> None:
    """Glossary warnings: a word used where the pack's glossary gives another. They do not fail the check."""
    if not warnings:
        return
    err = console.err()
    for line in warnings:
        err.print(f"[warn]![/warn] {console.esc(line)}", highlight=False, markup=True, soft_wrap=True)
    err.print(f"[warn]{console.esc(i18n.t('content.warnings', n=len(warnings), pack=root))}[/warn]")


def _show_check(pack, root: Path, problems: list[str], graded: bool, standing: str, would_run: list[str]) -> None:
    out = console.out()
    if would_run:
        out.print(f"[warn]{console.esc(i18n.t('content.' + standing, pack=root))}[/warn]")
        for line in would_run:
            out.print(f"  [code]{console.esc(line)}[/code]")
        out.print(f"[hint]{console.esc(i18n.t('content.trust_hint', pack=root))}[/hint]")
    if problems:
        err = console.err()
        for line in problems:
            err.print(f"[fail]✗[/fail] {console.esc(line)}", highlight=False, markup=True, soft_wrap=True)
        err.print(f"[fail]{console.esc(i18n.t('content.problems', n=len(problems), pack=root))}[/fail]")
        return
    key = "content.ok" if graded or not pack.exercises else "content.ok_ungraded"
    out.print("[ok]✓[/ok] " + console.esc(i18n.t(key, pack=pack.name, topics=len(pack.topics),
                                                    questions=len(pack.questions), exercises=len(pack.exercises))))


@app.command("trust")
def trust_pack(
    folder: FolderArgument = None,
    show: Annotated[bool, typer.Option("--list", help="List the packs you trust, and whether each is as you trusted it.")] = False,
    revoke: Annotated[bool, typer.Option("--revoke", help="Stop trusting the pack in DIR.")] = False,
    json_out: context.JsonOption = False,
) -> None:
    """Let a content pack's own Python (known mistakes, properties.py, a reference outside
    bertstudy.reference) run when its exercises are graded: it runs with your rights, so read the
    files listed first. Trust holds for the pack as it is now; after a change, trust it again.

    Example: `bertstudy content trust ./my-pack`
    """
    from bertstudy.content import trust

    if show and (revoke or folder is not None):
        raise UsageError("--list takes no DIR and no --revoke")
    if show:
        _show_trusted(trust.trusted_packs(), json_out)
        return
    if revoke:
        if folder is None:
            raise UsageError("name the pack to stop trusting: bertstudy content trust DIR --revoke")
        if not trust.revoke(folder):
            raise UsageError(f"{folder} is not a trusted pack; see `bertstudy content trust --list`")
        _say({"pack": str(folder), "revoked": True}, i18n.t("content.revoked", pack=folder), json_out)
        return
    from bertstudy.content.pack import collect, resolve_dir

    root = resolve_dir(str(folder)) if folder is not None else context.content_dir()
    if trust.is_builtin(root):
        _say({"pack": str(root), "trust": "built-in", "would_run": []}, i18n.t("content.builtin"), json_out)
        return
    pack, _ = collect(root)
    digest = trust.trust(pack)
    would_run = trust.would_run(pack)
    if json_out:
        console.emit_json({"pack": str(root), "trust": "trusted", "digest": digest, "would_run": would_run})
        return
    out = console.out()
    out.print(f"[muted]{console.esc(i18n.t('content.will_run' if would_run else 'content.no_code'))}[/muted]")
    for line in would_run:
        out.print(f"  [code]{console.esc(line)}[/code]")
    out.print(f"[ok]✓[/ok] {console.esc(i18n.t('content.trusted', pack=root, digest=digest[:12]))}")


def _show_trusted(records: dict[str, dict[str, str]], json_out: bool) -> None:
    from bertstudy.content import trust
    from bertstudy.content.pack import collect

    rows = []
    for path, record in records.items():
        state = "gone" if not Path(path).is_dir() else trust.state(collect(Path(path))[0])
        rows.append({"pack": path, "digest": record["digest"], "at": record["at"],
                     "state": "unchanged" if state in ("trusted", "no code") else state})
    if json_out:
        console.emit_json({"packs": rows})
        return
    if not rows:
        console.out().print(i18n.t("content.none_trusted"))
    for row in rows:
        mark = "[ok]✓[/ok]" if row["state"] == "unchanged" else "[warn]![/warn]"
        console.out().print(f"{mark} {console.esc(row['pack'])} [muted]{row['digest'][:12]} · {row['at']} · {row['state']}[/muted]")


def _say(data: dict, text: str, json_out: bool) -> None:
    if json_out:
        console.emit_json(data)
    else:
        console.out().print(console.esc(text))
