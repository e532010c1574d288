"""Drawing demo results in the terminal: heatmaps that keep their numbers, and small tables.

The numbers are printed in the cells, so a heatmap still reads without colour (NO_COLOR, pipes).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.color import Color
from rich.style import Style
from rich.table import Table
from rich.text import Text


def heatmap(values: Sequence[Sequence[float]], rows: Sequence[str], columns: Sequence[str], title: str,
            corner: str = "") -> Table:
    """A table whose cells are shaded from white (0) to deep blue (the largest value)."""
    top = max((v for row in values for v in row), default=1.0) or 1.0
    table = Table(title=title, show_lines=False, pad_edge=False, box=None, padding=(0, 1))
    table.add_column(corner, style="bold", justify="right")
    for name in columns:
        table.add_column(name, justify="right")
    for label, row in zip(rows, values):
        cells = []
        for v in row:
            shade = max(0.0, min(1.0, v / top))
            background = Color.from_rgb(255 - 215 * shade, 255 - 160 * shade, 255 - 40 * shade)
            cells.append(Text(f"{v:.2f}", style=Style(color="white" if shade > 0.55 else "black", bgcolor=background)))
        table.add_row(label, *cells)
    return table
