"""Running a demo's loops: a progress bar for the longer ones, and one thread for tiny tensors.

The bar goes to stderr and disappears when the loop ends, so results on stdout stay clean. It shows
only when stderr is a terminal and `quiet` is off (`demo run --json` turns it on).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from bertstudy import console, i18n

T = TypeVar("T")

quiet = False


def steps(items: Iterable[T], phase: str, total: int | None = None) -> Iterator[T]:
    """Yield `items`, advancing a transient progress bar labelled with the `phase` (a key of the
    interface's `demo.step.*` strings, in the learner's language)."""
    description = i18n.t(f"demo.step.{phase}")  # looked up on every run, shown or not
    err = console.err()
    if quiet or not err.is_terminal:
        yield from items
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as progress:
        task = progress.add_task(description, total=total if total is not None else _length(items))
        for item in items:
            yield item
            progress.advance(task)


def _length(items: Iterable[object]) -> int | None:
    try:
        return len(items)  # type: ignore[arg-type]
    except TypeError:
        return None


@contextmanager
def one_thread() -> Iterator[None]:
    """Run the block on one thread, then restore the setting. Tiny models train faster so (no
    hand-offs between cores), and a second busy process cannot stall every operation's barrier."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
