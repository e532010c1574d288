"""Writing a demo's figures as PNG files with matplotlib (the optional `plots` extra).

Imported only by `demo run --save`; matplotlib is imported here and nowhere else.
"""

from __future__ import annotations

import re
from pathlib import Path

from bertstudy.demos.draw import Chars, Figure, Heatmap, Lines


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def slug(title: str) -> str:
    """A file-name-safe form of a figure title (ASCII letters, digits and dashes)."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "figure"


def save(figures: list[Figure], folder: Path, demo_id: str) -> list[Path]:
    """Write each figure as `<demo_id>-<n>-<slug>.png` in `folder`; return the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for n, figure in enumerate(figures, start=1):
        fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
        if isinstance(figure, Heatmap):
            _heatmap(ax, figure, fig)
        elif isinstance(figure, Lines):
            _lines(ax, figure)
        else:
            _chars(ax, figure)
        ax.set_title(figure.title, fontsize=10)
        fig.tight_layout()
        path = folder / f"{demo_id}-{n}-{slug(figure.title)}.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths


def _heatmap(ax, figure: Heatmap, fig) -> None:
    negative = any(v < 0 for row in figure.values for v in row)
    image = ax.imshow(figure.values, cmap="RdBu_r" if negative else "Blues", aspect="auto",
                      vmin=-max(abs(v) for row in figure.values for v in row) if negative else None)
    fig.colorbar(image, ax=ax)
    if len(figure.columns) <= 40:
        ax.set_xticks(range(len(figure.columns)), figure.columns, rotation=90, fontsize=7)
    if len(figure.rows) <= 40:
        ax.set_yticks(range(len(figure.rows)), figure.rows, fontsize=7)
    ax.set_xlabel(figure.corner)


def _lines(ax, figure: Lines) -> None:
    for name, ys in figure.series.items():
        ax.plot(figure.x[: len(ys)], ys, label=name)
    if figure.log_y:
        ax.set_yscale("log")
    ax.set_xlabel(figure.x_label)
    ax.set_ylabel(figure.y_label)
    ax.legend(fontsize=8)


def _chars(ax, figure: Chars) -> None:
    symbols = sorted({c for line in figure.lines for c in line})
    index = {c: i for i, c in enumerate(symbols)}
    ax.imshow([[index[c] for c in line] for line in figure.lines], cmap="tab10", aspect="auto",
              interpolation="nearest", vmin=0, vmax=9)
    ax.set_xticks([])
    ax.set_yticks([])
    if figure.legend:
        ax.set_xlabel("   ".join(f"{c}: {m}" for c, m in figure.legend.items()))
