"""The one place terminal output goes through: a Rich console with a semantic theme.

Styles are named for what they mean (ok, fail, hint, muted, code), never for a colour. Machine
output (`--json`) bypasses Rich so no escape codes or wrapping can reach a script.
"""

from __future__ import annotations

import json
import os
import re
import sys
from functools import cache
from typing import TYPE_CHECKING, Any

from bertstudy.wrapping import wrap

if TYPE_CHECKING:
    from rich.console import Console

THEME = {
    "ok": "bold green",
    "fail": "bold red",
    "warn": "yellow",
    "hint": "cyan",
    "muted": "dim",
    "code": "bold magenta",
    "title": "bold",
    "accent": "bold blue",
}


def _make(stderr: bool) -> Console:
    from rich.console import Console
    from rich.theme import Theme

    no_color = bool(os.environ.get("NO_COLOR"))
    return Console(
        theme=Theme(THEME),
        stderr=stderr,
        highlight=False,
        color_system=None if no_color else "auto",
    )


@cache
def out() -> Console:
    """The console for results (stdout)."""
    return _make(stderr=False)


@cache
def err() -> Console:
    """The console for errors and progress (stderr)."""
    return _make(stderr=True)


def reset() -> None:
    """Forget the consoles (tests swap sys.stdout between invocations)."""
    out.cache_clear()
    err.cache_clear()


def emit_json(data: Any) -> None:
    """Print one JSON document on stdout, untouched by Rich."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def esc(text: object) -> str:
    """`text` made safe to put inside Rich markup: content may contain [brackets]."""
    from rich.markup import escape

    return escape(str(text))


def interactive() -> bool:
    """True when a person can answer prompts: stdin and stdout are terminals."""
    return sys.stdin.isatty() and sys.stdout.isatty()


_MARKDOWN = re.compile(r"[*`|\\]|\]\(|(?<!\w)_\S|^\s*(?:#|>|[-+]\s|\d+[.)]\s)", re.MULTILINE)


def markdown(text: str):
    """`text` ready to print: Markdown where it has Markdown syntax, else plain text wrapped for the
    screen (Chinese included) without loading the Markdown parser."""
    if _MARKDOWN.search(text):
        from bertstudy.markdown import Markdown

        return Markdown(text)
    from rich.text import Text

    return Text(wrap(text, out().width - 1))


def note(text: str, style: str = "muted") -> None:
    """Print a demo's note (plain text, not markup) in `style`, wrapped for the screen, Chinese included."""
    from rich.text import Text

    console = out()
    console.print(Text(wrap(text, console.width - 1), style=style))  # Rich itself wraps a line that fills the width
