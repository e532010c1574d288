"""The progress store: one SQLite file (WAL), versioned by `PRAGMA user_version` with migrations.

Every event is a row appended in its own transaction, and every read-modify-write (a card, the
hints seen, the schema's migration) reads inside the same `BEGIN IMMEDIATE` transaction that writes,
so a killed process or two terminals at once lose nothing. A store that cannot be used (damaged,
from a newer bertstudy, in a folder that cannot be written) is a StoreError that names the file or
folder and the way out. Reviews are an append-only log (as Anki keeps them) beside one scheduling card per
question. Leaves out: scheduling itself (the quiz service) and rendering (the CLI).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bertstudy import paths
from bertstudy.errors import StoreError, UsageError

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE topic_reads (topic_id TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (topic_id, at));
    CREATE TABLE demo_runs (demo_id TEXT NOT NULL, at REAL NOT NULL, seconds REAL NOT NULL, PRIMARY KEY (demo_id, at));
    CREATE TABLE reviews (
        question_id TEXT NOT NULL, topic_id TEXT NOT NULL, at REAL NOT NULL,
        answer TEXT NOT NULL, score REAL NOT NULL, rating INTEGER NOT NULL,
        self_rating INTEGER, mode TEXT NOT NULL, duration_ms INTEGER,
        PRIMARY KEY (question_id, at));
    CREATE TABLE cards (question_id TEXT PRIMARY KEY, topic_id TEXT NOT NULL, due REAL NOT NULL,
        lapses INTEGER NOT NULL DEFAULT 0, reps INTEGER NOT NULL DEFAULT 0, card TEXT NOT NULL);
    CREATE TABLE attempts (exercise_id TEXT NOT NULL, at REAL NOT NULL, passed INTEGER NOT NULL,
        score REAL NOT NULL, max_score REAL NOT NULL, verdict TEXT NOT NULL, PRIMARY KEY (exercise_id, at));
    CREATE TABLE hints_seen (exercise_id TEXT PRIMARY KEY, count INTEGER NOT NULL);
    CREATE TABLE solutions_seen (exercise_id TEXT NOT NULL, at REAL NOT NULL, forced INTEGER NOT NULL,
        PRIMARY KEY (exercise_id, at));
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
BUSY_SECONDS = 10  # how long a write waits for another process's transaction
# Tables in an export, with the columns that identify a row (an import skips rows it already has).
TABLES: dict[str, tuple[str, ...]] = {
    "topic_reads": ("topic_id", "at"),
    "demo_runs": ("demo_id", "at"),
    "reviews": ("question_id", "at"),
    "cards": ("question_id",),
    "attempts": ("exercise_id", "at"),
    "hints_seen": ("exercise_id",),
    "solutions_seen": ("exercise_id", "at"),
    "settings": ("key",),
}


class Store:
    """The open progress database."""

    def __init__(self, path: Path | None = None):
        self.path = path or paths.store_file()
        with self._errors():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for place in (self.path.parent, self.path):  # sqlite would open a read-only file and fail on the first write
                if place.exists() and not os.access(place, os.W_OK):
                    raise PermissionError(13, f"{place} is read-only")
            self.db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
            self._enter_wal()
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()

    def _enter_wal(self) -> None:
        """Switch to WAL. SQLite answers "locked" at once, without waiting, while another process
        is switching the same new file, so the switch is retried here until the busy timeout."""
        deadline = time.monotonic() + BUSY_SECONDS
        while True:
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """A store that cannot be used is one line naming the file or folder and the way out."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            text = str(exc)
            if "not a database" in text or "malformed" in text:
                raise StoreError(f"the progress store {self.path} is damaged ({exc}); move it aside "
                                 f"(mv '{self.path}' '{self.path}.damaged') and bertstudy starts a new one") from None
            if "readonly" in text or "unable to open" in text or "disk I/O" in text or "full" in text:
                raise StoreError(self._unwritable(text)) from None
            if "locked" in text or "busy" in text:
                raise StoreError(f"the progress store {self.path} is busy: another bertstudy held it for over {BUSY_SECONDS} s; try again") from None
            raise StoreError(f"cannot use the progress store {self.path}: {exc}") from None
        except OSError as exc:
            raise StoreError(self._unwritable(exc.strerror or str(exc))) from None

    def _unwritable(self, reason: str) -> str:
        return (f"cannot write bertstudy's data folder {self.path.parent} ({reason}); make it writable, "
                f"or point BERTSTUDY_HOME at a folder you can write")

    def _migrate(self) -> None:
        """Bring the schema up to date; the version is read under the write lock, so two processes
        opening a new store at once create it once."""
        if self.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return
        with self.transaction():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self.path} was written by a newer bertstudy (schema {version}, this one reads {SCHEMA_VERSION}); "
                                 "upgrade bertstudy (the file is left as it is)")
            for number in range(version, SCHEMA_VERSION):
                for statement in _statements(MIGRATIONS[number]):
                    self.db.execute(statement)
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Every write goes through here: one `BEGIN IMMEDIATE` transaction, committed or rolled back."""
        with self._errors():
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def _read(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self._errors():
            return self.db.execute(sql, params).fetchall()

    def _write(self, sql: str, params: tuple) -> None:
        with self.transaction() as db:
            db.execute(sql, params)

    def close(self) -> None:
        self.db.close()

    # -- events --------------------------------------------------------------------------

    def record_read(self, topic_id: str) -> None:
        self._write("INSERT OR IGNORE INTO topic_reads VALUES (?, ?)", (topic_id, time.time()))

    def record_demo(self, demo_id: str, seconds: float) -> None:
        self._write("INSERT OR IGNORE INTO demo_runs VALUES (?, ?, ?)", (demo_id, time.time(), seconds))

    def record_attempt(self, exercise_id: str, verdict: dict[str, Any]) -> None:
        self._write(
            "INSERT OR IGNORE INTO attempts VALUES (?, ?, ?, ?, ?, ?)",
            (exercise_id, time.time(), int(verdict["passed"]), verdict["score"], verdict["max_score"], json.dumps(verdict, ensure_ascii=False)),
        )

    def record_solution_view(self, exercise_id: str, forced: bool) -> None:
        self._write("INSERT OR IGNORE INTO solutions_seen VALUES (?, ?, ?)", (exercise_id, time.time(), int(forced)))

    def next_hint(self, exercise_id: str, available: int) -> int:
        """Reveal one more hint (0-based index of the hint to show), capped at the last one."""
        with self.transaction() as db:
            row = db.execute("SELECT count FROM hints_seen WHERE exercise_id = ?", (exercise_id,)).fetchone()
            seen = row["count"] if row else 0
            shown = min(seen, available - 1)
            db.execute("INSERT OR REPLACE INTO hints_seen VALUES (?, ?)", (exercise_id, min(seen + 1, available)))
        return shown

    def record_review(self, review: dict[str, Any], update: Callable[[sqlite3.Row | None], dict[str, Any]]) -> None:
        """Append one review and update its card in one transaction: `update` gets the card as it is
        under the write lock (None for a first review) and returns the new one."""
        with self.transaction() as db:
            before = db.execute("SELECT * FROM cards WHERE question_id = ?", (review["question_id"],)).fetchone()
            db.execute(
                "INSERT OR IGNORE INTO reviews VALUES (:question_id, :topic_id, :at, :answer, :score, :rating, :self_rating, :mode, :duration_ms)",
                review,
            )
            db.execute(
                "INSERT OR REPLACE INTO cards VALUES (:question_id, :topic_id, :due, :lapses, :reps, :card)",
                update(before),
            )

    def set(self, key: str, value: str) -> None:
        self._write("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, value))

    def get(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    # -- queries -------------------------------------------------------------------------

    def topics_read(self) -> set[str]:
        return {r[0] for r in self._read("SELECT DISTINCT topic_id FROM topic_reads")}

    def demos_run(self) -> set[str]:
        return {r[0] for r in self._read("SELECT DISTINCT demo_id FROM demo_runs")}

    def exercises_passed(self) -> set[str]:
        return {r[0] for r in self._read("SELECT DISTINCT exercise_id FROM attempts WHERE passed = 1")}

    def exercises_attempted(self) -> set[str]:
        return {r[0] for r in self._read("SELECT DISTINCT exercise_id FROM attempts")}

    def card(self, question_id: str) -> sqlite3.Row | None:
        rows = self._read("SELECT * FROM cards WHERE question_id = ?", (question_id,))
        return rows[0] if rows else None

    def cards(self) -> dict[str, sqlite3.Row]:
        return {r["question_id"]: r for r in self._read("SELECT * FROM cards")}

    def due_questions(self, now: float) -> list[str]:
        return [r[0] for r in self._read("SELECT question_id FROM cards WHERE due <= ? ORDER BY due", (now,))]

    # -- export and import ---------------------------------------------------------------

    def export(self) -> dict[str, Any]:
        tables = {name: [dict(r) for r in self._read(f"SELECT * FROM {name}")] for name in TABLES}
        return {"bertstudy_progress": SCHEMA_VERSION, "tables": tables}

    def import_(self, data: Any, source: str) -> int:
        """Merge an export; rows already present are kept as they are. Returns rows added."""
        if not isinstance(data, dict) or "tables" not in data or not isinstance(data.get("bertstudy_progress"), int):
            raise UsageError(f"{source} is not a bertstudy progress export")
        if data["bertstudy_progress"] > SCHEMA_VERSION:
            raise UsageError(f"{source} comes from a newer bertstudy (schema {data['bertstudy_progress']}); upgrade first")
        added = 0
        with self.transaction() as db:
            for name, rows in data["tables"].items():
                if name not in TABLES or not isinstance(rows, list):
                    raise UsageError(f"{source}: unknown table '{name}'")
                columns = [r[1] for r in db.execute(f"PRAGMA table_info({name})")]
                for row in rows:
                    if not isinstance(row, dict) or set(row) != set(columns):
                        raise UsageError(f"{source}: a row of '{name}' does not have the columns {', '.join(columns)}")
                    cursor = db.execute(
                        f"INSERT OR IGNORE INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                        [row[c] for c in columns],
                    )
                    added += cursor.rowcount
        return added


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
