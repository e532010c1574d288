"""Breaking text into lines for the terminal, Chinese included.

Rich breaks lines only at spaces, so Chinese mixed with English would be cut inside an English
word or not at all. Here a line may break at a space or between two CJK characters, never before
closing punctuation or after opening punctuation (the rules of Chinese typesetting), and a Latin
word is never left alone on a line after Chinese. Leaves out: hyphenation, and Japanese and
Korean line-breaking rules beyond the shared punctuation.
"""

from __future__ import annotations


def is_cjk(char: str) -> bool:
    """Han characters, CJK and full-width punctuation: a line may break next to any of them."""
    code = ord(char)
    return 0x3000 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF or 0x20000 <= code <= 0x2FA1F


NO_LINE_START = set("，。、；：！？）》」』】”’,.;:!?)")  # punctuation that may not open a line
NO_LINE_END = set("（《「『【“‘")  # nor these end one


def wrap(text: str, width: int) -> str:
    """`text` broken into lines of at most `width` cells at spaces and between CJK characters
    (Rich breaks only at spaces, so Chinese mixed with English would be cut inside a word), never
    before closing punctuation or after opening punctuation, and never leaving one Latin word on
    a line of its own after Chinese (a character or two come along). Newlines already in `text`
    are kept; a word longer than `width` stays whole (Rich folds it)."""
    return "\n".join(text[start:end] for start, end in line_spans(text, width))


def line_spans(text: str, width: int) -> list[tuple[int, int]]:
    """Where wrap() breaks `text`: the (start, end) offsets of each line, spaces at a break left out."""
    spans, offset = [], 0
    for paragraph in text.split("\n"):
        for line in _lines(paragraph, width):
            while line and line[-1][0] == " ":
                line.pop()
            spans.append((offset + line[0][1], offset + line[-1][1] + len(line[-1][0])) if line else (offset, offset))
        offset += len(paragraph) + 1
    return spans


def _lines(paragraph: str, width: int) -> list[list[list]]:
    """A paragraph's lines, each a list of units [text, offset]: words, single CJK characters, spaces."""
    from rich.cells import cell_len

    units: list[list] = []
    for i, char in enumerate(paragraph):
        if char == " " or is_cjk(char) or not units or units[-1][0] == " " or is_cjk(units[-1][0][-1]):
            units.append([char, i])
        else:
            units[-1][0] += char
    lines: list[list[list]] = []
    line: list[list] = []
    for unit in units:
        if unit[0] != " " and line and cell_len(_joined(line) + unit[0]) > width:
            carried: list[list] = []  # closing punctuation may not open a line: what it closes comes along
            if unit[0][0] in NO_LINE_START:
                while len(line) > 1 and (not carried or carried[0][0][0] in NO_LINE_START):
                    carried.insert(0, line.pop())
            while len(line) > 1 and line[-1][0] in NO_LINE_END:  # nor may opening punctuation end one
                carried.insert(0, line.pop())
            if _joined(line).strip():
                lines.append(line)
            while carried and carried[0][0] == " ":
                carried.pop(0)
            line = carried
        line.append(unit)
    lines.append(line)
    for before, after in zip(lines, lines[1:]):
        _keep_company(before, after, width)
    return lines


def _joined(line: list[list]) -> str:
    return "".join(unit[0] for unit in line)


def _keep_company(before: list[list], after: list[list], width: int) -> None:
    """When `after` would hold one Latin word (and its closing punctuation) alone, after a line that
    ends in Chinese, bring the last Chinese character of `before` (and what follows it) along."""
    from rich.cells import cell_len

    words = [u for u in after if u[0] != " " and u[0] not in NO_LINE_START]
    if len(words) != 1 or is_cjk(words[0][0][0]):
        return
    moved = 0
    while len(before) - moved > 1 and (before[-1 - moved][0] == " " or before[-1 - moved][0] in NO_LINE_START):
        moved += 1
    last = before[-1 - moved][0] if len(before) - moved >= 2 else ""
    if len(last) != 1 or not is_cjk(last) or last in NO_LINE_START:
        return
    carried = before[-1 - moved:]
    if cell_len(_joined(carried + after).rstrip()) <= width:
        del before[-1 - moved:]
        after[:0] = carried
