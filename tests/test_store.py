"""The progress store: schema versions, atomic events, two writers at once, export and import."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3

import pytest

from bertstudy.errors import StoreError, UsageError
from bertstudy.paths import home
from bertstudy.progress.store import SCHEMA_VERSION, Store


def test_store_lives_under_bertstudy_home(isolated_home):
    store = Store()
    assert store.path == isolated_home / "progress.sqlite3" == home() / "progress.sqlite3"
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "p.sqlite3"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer bertstudy"):
        Store(path)


def test_hints_advance_and_stop_at_the_last():
    store = Store()
    assert [store.next_hint("x", 3) for _ in range(5)] == [0, 1, 2, 2, 2]


def _writer(path, n, tag):
    store = Store(path)
    for i in range(n):
        store.record_attempt(f"{tag}-{i}", {"passed": True, "score": 1.0, "max_score": 1.0})
        store.next_hint("shared", 1000)
    store.close()


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "p.sqlite3"
    Store(path).close()
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_writer, args=(path, 100, tag)) for tag in ("a", "b")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    store = Store(path)
    assert len(store.exercises_passed()) == 200
    assert store.db.execute("SELECT count FROM hints_seen WHERE exercise_id='shared'").fetchone()[0] == 200


def _opener(path, ready):
    ready.wait(10)
    Store(path).close()


@pytest.mark.parametrize("attempt", range(5))
def test_processes_opening_a_new_store_at_once_create_it_once(tmp_path, attempt):
    path = tmp_path / "new.sqlite3"
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    workers = [ctx.Process(target=_opener, args=(path, ready)) for _ in range(8)]
    for w in workers:
        w.start()
    ready.set()
    for w in workers:
        w.join(60)
    assert [w.exitcode for w in workers] == [0] * 8
    assert Store(path).db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def _reviewer(path, n, ready):
    from bertstudy.content import pack as packs
    from bertstudy.paths import builtin_pack
    from bertstudy.quiz import grading, schedule

    question = packs.load(builtin_pack()).questions["attention-scale-value"]
    store = Store(path)
    ready.wait(30)
    for i in range(n):
        schedule.record(store, question, grading.grade(question, "8" if i % 3 else "7"), 3 if i % 3 else 1, "quiz")
    store.close()


@pytest.mark.parametrize("processes", [2, 8])
def test_terminals_reviewing_the_same_question_lose_no_update(tmp_path, processes):
    path = tmp_path / "p.sqlite3"
    Store(path).close()
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    workers = [ctx.Process(target=_reviewer, args=(path, 15, ready)) for _ in range(processes)]
    for w in workers:
        w.start()
    ready.set()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0] * processes
    store = Store(path)
    card = store.card("attention-scale-value")
    reviews = store.db.execute("SELECT rating FROM reviews WHERE question_id = 'attention-scale-value'").fetchall()
    assert card["reps"] == len(reviews) == 15 * processes
    again = sum(r["rating"] == 1 for r in reviews)
    assert card["lapses"] == again - (1 if reviews[0]["rating"] == 1 else 0)


@pytest.mark.parametrize("content", [b"", b"garbage, not a database" * 100, b"SQLite format 3\x00" + b"\x00" * 40])
def test_a_damaged_store_is_one_line_that_names_the_file_and_the_way_out(tmp_path, content):
    path = tmp_path / "p.sqlite3"
    if content:
        path.write_bytes(content)
    else:
        Store(path).close()
        path.write_bytes(path.read_bytes()[:1000])  # truncated
    with pytest.raises(StoreError) as caught:
        Store(path).cards()
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_export_import_round_trip_and_rejects_bad_rows(tmp_path):
    source = Store(tmp_path / "a.sqlite3")
    source.record_read("attention")
    source.record_demo("attention-heatmap", 0.5)
    exported = source.export()
    target = Store(tmp_path / "b.sqlite3")
    assert target.import_(json.loads(json.dumps(exported)), "x") == 2
    assert target.import_(exported, "x") == 0
    assert target.topics_read() == {"attention"}
    broken = {"bertstudy_progress": 1, "tables": {"topic_reads": [{"topic_id": "rnn", "at": 1.0}, {"oops": 1}]}}
    with pytest.raises(UsageError, match="columns"):
        target.import_(broken, "broken.json")
    assert target.topics_read() == {"attention"}, "a failed import must change nothing"
