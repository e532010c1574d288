"""Reading a YAML file while remembering the line of every key, so errors can point at it.

Leaves out: YAML tags beyond PyYAML's safe set; anchors are resolved but their lines are the
alias's target's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bertstudy.errors import ContentError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
KeyPath = tuple[str | int, ...]


def dotted(path: KeyPath) -> str:
    """('questions', 2, 'prompt') -> 'questions[2].prompt'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class Document:
    """A parsed YAML file: its data and the line of each key path."""

    file: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line(self, path: KeyPath) -> int | None:
        """The line of `path`, or of its closest ancestor that exists."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def error(self, path: KeyPath, message: str) -> ContentError:
        return ContentError(self.file, self.line(path), dotted(path) or None, message)


def load(path: Path, shown_as: str) -> Document:
    """Parse `path`; a syntax error becomes a ContentError naming the line and the nearest key."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ContentError(shown_as, None, None, "is not UTF-8 text; save it as UTF-8") from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = (exc.problem or "invalid YAML").strip()
        key = _key_above(text, line) if line else None
        raise ContentError(shown_as, line, key, f"YAML syntax error ({problem}); check the indentation and quote values that contain ': ' or start with a special character") from None
    finally:
        loader.dispose()
    doc = Document(shown_as, data)
    if node is not None:
        _record_lines(node, (), doc.lines)
    return doc


def _record_lines(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            lines[path + (key,)] = key_node.start_mark.line + 1
            _record_lines(value_node, path + (key,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _record_lines(item, path + (i,), lines)


_KEY = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][\w-]*)\s*:")


def _key_above(text: str, line: int) -> str | None:
    """The key written on `line` or the closest line above it."""
    rows = text.splitlines()
    for row in reversed(rows[: min(line, len(rows))]):
        match = _KEY.match(row)
        if match:
            return match.group(1)
    return None
