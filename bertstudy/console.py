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


def _is_cjk(char: str) -> bool:
    """Han characters, CJK and full-width punctuation: a line may break next to any of them."""
    code = ord(char)
    return 0x3000 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF or 0x20000 <= code <= 0x2FA1F


NO_LINE_START = set("，。、；：！？）》」』】”’,.;:!?)")  # punctuation that may not open a line
NO_LINE_END = set("（《「『【“‘")  # nor these end one


def wrap(text: str, width: int) -> str:
    """`text` broken into lines of at most `width` cells at spaces and between CJK characters
    (Rich breaks only at spaces, so Chinese mixed with English would be cut inside a word), never
    before closing punctuation or after opening punctuation. Newlines already in `text` are kept;
    a word longer than `width` stays whole (Rich folds it)."""
    from rich.cells import cell_len

    lines = []
    for paragraph in text.split("\n"):
        units: list[str] = []  # words, single CJK characters and the spaces between them
        for char in paragraph:
            if char == " " or _is_cjk(char) or not units or units[-1] == " " or _is_cjk(units[-1][-1]):
                units.append(char)
            else:
                units[-1] += char
        line: list[str] = []
        for unit in units:
            if unit != " " and line and cell_len("".join(line) + unit) > width:
                carried: list[str] = []  # closing punctuation may not open a line: what it closes comes along
                if unit[0] in NO_LINE_START:
                    while len(line) > 1 and (not carried or carried[0][0] in NO_LINE_START):
                        carried.insert(0, line.pop())
                while len(line) > 1 and line[-1] in NO_LINE_END:  # nor may opening punctuation end one
                    carried.insert(0, line.pop())
                if "".join(line).strip():
                    lines.append("".join(line).rstrip())
                while carried and carried[0] == " ":
                    carried.pop(0)
                line = carried
            line.append(unit)
        lines.append("".join(line).rstrip())
    return "\n".join(lines)


_MARKDOWN = re.compile(r"[*`|\\]|\]\(|(?<!\w)_\S|^\s*(?:#|>|[-+]\s|\d+[.)]\s)", re.MULTILINE)


def markdown(text: str):
    """`text` ready to print: Rich's Markdown where it has Markdown syntax, else plain text wrapped
    for the screen (Chinese included) without loading the Markdown parser."""
    if _MARKDOWN.search(text):
        from rich.markdown import Markdown

        return Markdown(text)
    from rich.text import Text

    return Text(wrap(text, out().width - 1))


def note(text: str, style: str = "muted") -> None:
    """Print a demo's note (plain text, not markup) in `style`, wrapped for the screen, Chinese included."""
    from rich.text import Text

    console = out()
    console.print(Text(wrap(text, console.width - 1), style=style))  # Rich itself wraps a line that fills the width
