"""The pictures a demo draws: heatmaps that keep their numbers, line charts made of characters, and
character pictures. A demo describes each picture once, as a figure (plain data); the terminal
renders it here and `--save` writes the same figure as a PNG (bertstudy.demos.png).

Everything still reads without colour (NO_COLOR, pipes): heatmap cells print their values, a heatmap
too wide for the terminal falls back to shade characters, and line series differ by marker.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.color import Color
from rich.console import Group, RenderableType
from rich.style import Style
from rich import table as rich_table
from rich.text import Text

from bertstudy import console, i18n

SHADES = " ░▒▓█"
MARKERS = "●▲■◆✚○△□"
COLOURS = ["blue", "red", "green", "magenta", "cyan", "yellow", "bright_black", "bright_blue"]


@dataclass
class Heatmap:
    """A matrix with row and column labels; values may be negative (drawn in two hues)."""

    title: str
    values: list[list[float]]
    rows: list[str]
    columns: list[str]
    corner: str = ""


@dataclass
class Lines:
    """One or more series over a shared x axis."""

    title: str
    x: list[float]
    series: dict[str, list[float]]
    x_label: str = ""
    y_label: str = ""
    log_y: bool = False


@dataclass
class Chars:
    """A picture made of characters, e.g. a decision boundary; `legend` maps a character to its meaning."""

    title: str
    lines: list[str]
    legend: dict[str, str] = field(default_factory=dict)


Figure = Heatmap | Lines | Chars


class Table(rich_table.Table):
    """A Rich table whose title is a line of its own above it, so that a long title wraps to the
    screen's width instead of the table's (Rich fits a title inside the table). A title is plain
    text, never markup: "[CLS]" and "start[i]" print as written."""

    def __rich_console__(self, console, options):
        title, self.title = self.title, None
        try:
            if title:
                yield Text(title, style="table.title") if isinstance(title, str) else title
            yield from super().__rich_console__(console, options)
        finally:
            self.title = title


def table(title: str | None, headers: Sequence[str], justify: str | Sequence[str] = "left", **column: object) -> Table:
    """A table with these column headers, justified alike (`justify` a string) or one by one (a
    sequence); `column` options (overflow="fold", ...) apply to every column."""
    out = Table(title=title)
    for header, side in zip(headers, [justify] * len(headers) if isinstance(justify, str) else justify):
        out.add_column(header, justify=side, **column)
    return out


def show(*figures: Figure) -> None:
    """Print each figure on the results console, a blank line after each."""
    out = console.out()
    for figure in figures:
        out.print(render(figure, out.width))
        out.print()


def render(figure: Figure, width: int = 100) -> RenderableType:
    if isinstance(figure, Heatmap):
        return _heatmap(figure, width)
    if isinstance(figure, Lines):
        return _lines(figure, width)
    return _chars(figure, width)


def _cell_style(value: float, top: float) -> tuple[Style, float]:
    """White at 0, deep blue at +top, deep red at -top."""
    shade = max(0.0, min(1.0, abs(value) / top))
    if value >= 0:
        bg = Color.from_rgb(255 - 215 * shade, 255 - 160 * shade, 255 - 40 * shade)
    else:
        bg = Color.from_rgb(255 - 40 * shade, 255 - 200 * shade, 255 - 200 * shade)
    return Style(color="white" if shade > 0.55 else "black", bgcolor=bg), shade


def _number(v: float, digits: int, compact: bool) -> str:
    """`v` with `digits` decimals; compact drops the leading zero below 1 (".42", "-.05") and keeps
    one decimal from 1 up ("3.1"), so that a column holds the same precision throughout."""
    text = f"{v:.{digits}f}"
    if compact and digits:
        text = f"{v:.1f}" if abs(v) >= 0.995 else text.replace("0.", ".", 1)
    return text


def _heatmap(fig: Heatmap, width: int) -> RenderableType:
    flat = [v for row in fig.values for v in row]
    top = max((abs(v) for v in flat), default=1.0) or 1.0
    negative = any(v < 0 for v in flat)
    digits = 2 if top < 10 else 1 if top < 100 else 0
    label = max((cell_len(r) for r in fig.rows), default=0)
    for compact, short_headers in ((False, False), (True, False), (False, True), (True, True)):  # headers before digits
        cell = max((len(_number(v, digits, compact)) for v in flat), default=4)
        columns = sum((cell if short_headers else max(cell, cell_len(c))) + 2 for c in fig.columns)
        if label + 1 + columns <= width:
            break
    else:
        cell = 0
    title = Text(fig.title, style="bold")  # above the table, so it wraps to the screen, not to the table
    if cell:
        table = rich_table.Table(show_lines=False, pad_edge=False, box=None, padding=(0, 1))
        table.add_column(fig.corner, style="bold", justify="right")
        for name in fig.columns:
            table.add_column(name[:cell] if short_headers else name, justify="right")
        for name, row in zip(fig.rows, fig.values):
            cells = []
            for v in row:
                style, _ = _cell_style(v, top)
                cells.append(Text(_number(v, digits, compact), style=style))
            table.add_row(name, *cells)
        return Group(title, table)
    # Too wide for numbers: one shade character per cell (colour and shade both carry |value|).
    lines = [title]
    step = max(1, math.ceil(len(fig.columns) / max(1, width - label - 2)))
    for name, row in zip(fig.rows, fig.values):
        line = Text(" " * (label - cell_len(name)) + name + " ")
        for v in row[::step]:
            shade = min(1.0, abs(v) / top)
            line.append(SHADES[int(round(shade * 4))], style="blue" if v >= 0 else "red")
        lines.append(line)
    scale = f"-{top:.3g} … 0 … +{top:.3g}" if negative else f"0 … {top:.3g}"
    every = i18n.t("draw.every", step=step) if step > 1 else ""
    note = "  " + i18n.t("draw.columns", first=fig.columns[0], last=fig.columns[-1], every=every, scale=scale)
    lines.append(Text(note, style="dim"))
    return Group(*lines)


def _resample(x: Sequence[float], y: Sequence[float], at: float) -> float | None:
    """y at position `at` by linear interpolation (x ascending); None outside the data or for gaps."""
    if not x or at < x[0] or at > x[-1]:
        return None
    lo, hi = 0, len(x) - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if x[mid] <= at else (lo, mid)
    a, b = y[lo], y[hi]
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return None
    span = x[hi] - x[lo]
    return a if span == 0 else a + (b - a) * (at - x[lo]) / span


def _lines(fig: Lines, width: int) -> RenderableType:
    """Each series sampled at every column (linear between the data), and every data point drawn
    at its own column, so a spike survives. The first series is drawn last, on top of the rest."""
    x_label = cell_len(fig.x_label) + 2 if fig.x_label else 0
    cols = max(20, min(72, width - 12 - x_label))
    rows = 12
    transform = (lambda v: math.log10(v) if v and v > 0 else None) if fig.log_y else (lambda v: v)
    x0, x1 = (fig.x[0], fig.x[-1]) if fig.x else (0.0, 1.0)
    grid = [[(" ", "")] * cols for _ in range(rows)]

    def column(at: float) -> int:
        return int(round((at - x0) / (x1 - x0) * (cols - 1))) if x1 != x0 else 0

    sampled = {}
    for name, ys in fig.series.items():
        points = []
        for c in range(cols):
            at = x0 + (x1 - x0) * c / (cols - 1) if cols > 1 else x0
            v = _resample(fig.x, ys, at)
            points.append(transform(v) if v is not None else None)
        if len(fig.x) <= cols:
            for at, v in zip(fig.x, ys):
                if v is not None and math.isfinite(v):
                    points[column(at)] = transform(v)
        sampled[name] = points
    finite = [v for pts in sampled.values() for v in pts if v is not None]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if hi == lo:
        lo, hi = lo - 0.5, hi + 0.5
    for s, (name, pts) in reversed(list(enumerate(sampled.items()))):
        marker, colour = MARKERS[s % len(MARKERS)], COLOURS[s % len(COLOURS)]
        for c, v in enumerate(pts):
            if v is not None:
                r = rows - 1 - int(round((v - lo) / (hi - lo) * (rows - 1)))
                grid[r][c] = (marker, colour)

    def label(v: float) -> str:
        value = 10 ** v if fig.log_y else v
        return f"{value:.3g}"

    ticks = {0: label(hi), rows // 2: label((hi + lo) / 2), rows - 1: label(lo)}
    pad = max(len(t) for t in ticks.values())
    log = i18n.t("draw.log_scale") if fig.log_y else ""
    out = [Text(fig.title + log, style="bold")]
    if fig.y_label:
        out.append(Text(fig.y_label, style="dim"))
    for r, row in enumerate(grid):
        line = Text(ticks.get(r, "").rjust(pad) + " │")
        for char, colour in row:
            line.append(char, style=colour or None)
        out.append(line)
    out.append(Text(" " * pad + " └" + "─" * cols))
    left, right = f"{x0:.4g}", f"{x1:.4g}"
    axis = " " * (pad + 2) + left + " " * max(1, cols - len(left) - len(right)) + right
    out.append(Text(axis + (f"  {fig.x_label}" if fig.x_label else ""), style="dim"))
    out += _legend([(MARKERS[s % len(MARKERS)] + " " + name, COLOURS[s % len(COLOURS)])
                    for s, name in enumerate(fig.series)], width, indent=pad + 2)
    return Group(*out)


def _legend(entries: list[tuple[str, str]], width: int, indent: int = 0) -> list[Text]:
    """Legend lines: the (text, colour) entries side by side, a new line before an entry that would
    pass `width`, so that no entry is cut in two."""
    lines = [Text(" " * indent)]
    for entry, colour in entries:
        if cell_len(lines[-1].plain.rstrip()) > indent and cell_len(lines[-1].plain) + cell_len(entry) > width:
            lines.append(Text(" " * indent))
        lines[-1].append(entry + "   ", style=colour)
    return lines


def _chars(fig: Chars, width: int) -> RenderableType:
    colours = {char: COLOURS[i % len(COLOURS)] for i, char in enumerate(fig.legend)}
    out = [Text(fig.title, style="bold")]
    for line in fig.lines:
        text = Text()
        for char in line:
            text.append(char, style=colours.get(char))
        out.append(text)
    out += _legend([(f"{char} {meaning}", colours[char]) for char, meaning in fig.legend.items()], width)
    return Group(*out)

