"""Timing two or more functions fairly on a shared, noisy machine: interleaved rounds.

Each round calls every function once, in an order that rotates from round to round, so a slow
patch of the machine (another process, frequency scaling) falls on all of them alike. Reported per
function: the median time; per pair: the median of the per-round ratios, which a drift over the
run cancels out of.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def interleaved(functions: dict[str, Callable[[], object]], rounds: int, warmups: int = 2) -> dict[str, list[float]]:
    """{name: [seconds of each round]} after `warmups` untimed rounds."""
    names = list(functions)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(warmups + rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            functions[name]()
            if r >= warmups:
                times[name].append(time.perf_counter() - started)
    return times


def median(seconds: list[float]) -> float:
    return statistics.median(seconds)


def paired_ratio(slower: list[float], faster: list[float]) -> float:
    """The median over rounds of slower / faster: above 1.0 the second is quicker."""
    return statistics.median(a / b for a, b in zip(slower, faster))
