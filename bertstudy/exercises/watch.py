"""Noticing saves: polls a file's modification time and size, and settles before reporting.

Polling every 50 ms costs next to nothing and works on every platform and file system
(editors that save by renaming a new file into place included), so no file-event library is
needed. A change is reported once the file has stayed the same for one more poll, so a save
written in several steps is graded once.
"""

from __future__ import annotations

import os
import select
import sys
import time
from collections.abc import Iterator
from pathlib import Path

POLL = 0.05


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def saves(path: Path, poll: float = POLL) -> Iterator[str | None]:
    """Yields "save" at the start and after each settled change, and None every poll otherwise
    (so the caller can do other work, such as reading a key, between polls)."""
    seen = _stamp(path)
    yield "save"
    while True:
        time.sleep(poll)
        now = _stamp(path)
        if now is None or now == seen:
            yield None
            continue
        time.sleep(poll)
        if _stamp(path) == now:  # settled
            seen = now
            yield "save"
        else:
            yield None


def typed_line() -> str | None:
    """A line typed at the terminal since the last call, without waiting; None if none."""
    if not sys.stdin.isatty():
        return None
    ready, _, _ = select.select([sys.stdin], [], [], 0)
    if not ready:
        return None
    return os.read(sys.stdin.fileno(), 1024).decode(errors="replace").strip().lower()
