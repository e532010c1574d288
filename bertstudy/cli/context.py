"""What every command shares for one invocation: the chosen pack and the progress store.

Both are opened on first use, so `--help` and commands that need neither stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from bertstudy.content.pack import Pack
    from bertstudy.progress.store import Store

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]
TrustOption = Annotated[bool, typer.Option("--trust", help="Let the content pack's own Python run for this command only (see `bertstudy content trust`).")]

_content: str | None = None
_pack: Pack | None = None
_store: Store | None = None


def configure(content: str | None) -> None:
    global _content, _pack, _store
    if _store is not None:
        _store.close()
    _content, _pack, _store = content, None, None


def pack() -> Pack:
    global _pack
    if _pack is None:
        from bertstudy.content.pack import load, resolve_dir

        _pack = load(resolve_dir(_content))
    return _pack


def pack_to_grade(trust_once: bool) -> Pack:
    """The pack, for a command that grades: refused while its own Python is not trusted."""
    from bertstudy.content import trust

    loaded = pack()
    trust.require(loaded, trust_once)
    return loaded


def write_file(path, text: str) -> None:
    """Write a file the user named (an export, a report); a path that cannot be written is one line."""
    from pathlib import Path

    from bertstudy.errors import UsageError

    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path} ({exc.strerror or exc})") from None


def content_dir():
    from bertstudy.content.pack import resolve_dir

    return resolve_dir(_content)


def store() -> Store:
    global _store
    if _store is None:
        from bertstudy.progress.store import Store

        _store = Store()
    return _store
