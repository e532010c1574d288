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

from rich.color import Color
from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text

from bertstudy import console

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
    return _chars(figure)


def _cell_style(value: float, top: float) -> tuple[Style, float]:
    """White at 0, deep blue at +top, deep red at -top."""
    shade = max(0.0, min(1.0, abs(value) / top))
    if value >= 0:
        bg = Color.from_rgb(255 - 215 * shade, 255 - 160 * shade, 255 - 40 * shade)
    else:
        bg = Color.from_rgb(255 - 40 * shade, 255 - 200 * shade, 255 - 200 * shade)
    return Style(color="white" if shade > 0.55 else "black", bgcolor=bg), shade


def _number(v: float, digits: int, compact: bool) -> str:
    """`v` with `digits` decimals; compact (three characters for |v| < 10) drops the leading zero
    below 1 and keeps one decimal for negatives and values from 1 up."""
    text = f"{v:.{digits}f}"
    if compact and digits:
        text = f"{v:.1f}" if v <= -0.05 or abs(v) >= 0.995 else text
        text = text.replace("0.", ".", 1) if abs(v) < 0.995 else text
    return text


def _heatmap(fig: Heatmap, width: int) -> RenderableType:
    flat = [v for row in fig.values for v in row]
    top = max((abs(v) for v in flat), default=1.0) or 1.0
    negative = any(v < 0 for v in flat)
    digits = 2 if top < 10 else 0
    label = max((len(r) for r in fig.rows), default=0)
    for compact, short_headers in ((False, False), (False, True), (True, True)):
        cell = max((len(_number(v, digits, compact)) for v in flat), default=4)
        head = max((len(c) for c in fig.columns), default=1)
        if label + 1 + len(fig.columns) * ((cell if short_headers else max(cell, head)) + 2) <= width:
            break
    else:
        cell = 0
    if cell:
        table = Table(title=fig.title, show_lines=False, pad_edge=False, box=None, padding=(0, 1))
        table.add_column(fig.corner, style="bold", justify="right")
        for name in fig.columns:
            table.add_column(name[:cell] if short_headers else name, justify="right")
        for name, row in zip(fig.rows, fig.values):
            cells = []
            for v in row:
                style, _ = _cell_style(v, top)
                cells.append(Text(_number(v, digits, compact), style=style))
            table.add_row(name, *cells)
        return table
    # Too wide for numbers: one shade character per cell (colour and shade both carry |value|).
    lines = [Text(fig.title, style="bold")]
    step = max(1, math.ceil(len(fig.columns) / max(1, width - label - 2)))
    for name, row in zip(fig.rows, fig.values):
        line = Text(name.rjust(label) + " ")
        for v in row[::step]:
            shade = min(1.0, abs(v) / top)
            line.append(SHADES[int(round(shade * 4))], style="blue" if v >= 0 else "red")
        lines.append(line)
    scale = f"-{top:.3g} … 0 … +{top:.3g}" if negative else f"0 … {top:.3g}"
    note = f"  columns {fig.columns[0]} … {fig.columns[-1]}" + (f", every {step}th" if step > 1 else "") + f"; scale {scale}"
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
    cols = max(20, min(72, width - 14))
    rows = 12
    transform = (lambda v: math.log10(v) if v and v > 0 else None) if fig.log_y else (lambda v: v)
    x0, x1 = (fig.x[0], fig.x[-1]) if fig.x else (0.0, 1.0)
    grid = [[(" ", "")] * cols for _ in range(rows)]
    sampled = {}
    for name, ys in fig.series.items():
        points = []
        for c in range(cols):
            at = x0 + (x1 - x0) * c / (cols - 1) if cols > 1 else x0
            v = _resample(fig.x, ys, at)
            points.append(transform(v) if v is not None else None)
        sampled[name] = points
    finite = [v for pts in sampled.values() for v in pts if v is not None]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if hi == lo:
        lo, hi = lo - 0.5, hi + 0.5
    for s, (name, pts) in enumerate(sampled.items()):
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
    out = [Text(fig.title + (" (log scale)" if fig.log_y else ""), style="bold")]
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
    legend = Text(" " * (pad + 2))
    for s, name in enumerate(fig.series):
        legend.append(MARKERS[s % len(MARKERS)] + " " + name + "   ", style=COLOURS[s % len(COLOURS)])
    out.append(legend)
    return Group(*out)


def _chars(fig: Chars) -> RenderableType:
    colours = {char: COLOURS[i % len(COLOURS)] for i, char in enumerate(fig.legend)}
    out = [Text(fig.title, style="bold")]
    for line in fig.lines:
        text = Text()
        for char in line:
            text.append(char, style=colours.get(char))
        out.append(text)
    if fig.legend:
        legend = Text()
        for char, meaning in fig.legend.items():
            legend.append(f"{char} {meaning}   ", style=colours[char])
        out.append(legend)
    return Group(*out)

