"""Real bertstudy processes: a quiz or an exam killed with SIGKILL keeps every answer given before
the kill and leaves a store that opens cleanly; a data folder that cannot be written, and a store
from a newer bertstudy, are one line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from bertstudy.content.pack import load

from bertstudy.paths import builtin_pack
from bertstudy.progress.store import SCHEMA_VERSION, Store
from bertstudy.quiz import exam, grading

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")

QUESTIONS = load(builtin_pack()).questions


def typed(question) -> str:
    """A valid answer to `question`, as a learner would type it."""
    if question.kind in ("single", "multiple"):
        return "A"
    if question.kind == "numeric":
        return f"{question.answer:g}"
    if question.kind == "ordering":
        return " ".join(str(n) for n in range(1, len(question.items) + 1))
    if question.kind == "fill":
        return question.accept[0]
    return "The attention weights are a softmax over the keys."


class Terminal:
    """`python -m bertstudy ARGS` on a pseudo-terminal, as a learner at a keyboard runs it."""

    def __init__(self, *args: str):
        self.master, follower = os.openpty()
        env = dict(os.environ, COLUMNS="100", LINES="40")
        self.proc = subprocess.Popen([sys.executable, "-m", "bertstudy", *args], stdin=follower, stdout=follower,
                                     stderr=follower, env=env, start_new_session=True)
        os.close(follower)
        self.screen = bytearray()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the process is gone
                return
            if not chunk:
                return
            self.screen += chunk

    def type(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def kill(self) -> int:
        os.kill(self.proc.pid, signal.SIGKILL)
        code = self.proc.wait(30)
        self.reader.join(5)
        os.close(self.master)
        return code


def reviews(home) -> list[sqlite3.Row]:
    path = home / "progress.sqlite3"
    if not path.exists():
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    db.row_factory = sqlite3.Row
    try:
        return db.execute("SELECT * FROM reviews ORDER BY at").fetchall()
    except sqlite3.OperationalError:  # the schema is not there yet
        return []
    finally:
        db.close()


def answer_and_kill(home, terminal: Terminal, questions, given: int, rate_open: bool) -> int:
    """Answer `given` questions, each seen in the store before the next; then type one more answer
    and kill the process at once, while it may be writing it."""
    for i, question in enumerate(questions[: given + 1]):
        terminal.type(typed(question))
        if question.kind == "open" and rate_open:
            terminal.type("")  # take the suggested rating
        if i == given:
            break
        deadline = time.monotonic() + 30
        while len(reviews(home)) < i + 1:
            assert terminal.proc.poll() is None, terminal.screen.decode(errors="replace")
            assert time.monotonic() < deadline, f"answer {i + 1} was not saved:\n{terminal.screen.decode(errors='replace')}"
            time.sleep(0.05)
    return terminal.kill()


def assert_kept(home, questions, given: int, mode: str) -> None:
    rows = reviews(home)
    assert len(rows) in (given, given + 1), "an answer given before the kill is missing, or one was written twice"
    for row, question in zip(rows, questions):
        assert (row["question_id"], row["mode"]) == (question.id, mode)
        assert row["answer"] == grading.grade(question, typed(question)).answer
    store = Store(home / "progress.sqlite3")  # opens cleanly: no damage, no lock left behind
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    cards = store.cards()
    assert sorted(cards) == sorted(r["question_id"] for r in rows)
    assert all(card["reps"] == 1 for card in cards.values()), "a card and its review log disagree"
    store.close()


@pytest.mark.parametrize("given", [1, 3])
def test_a_quiz_killed_mid_session_keeps_every_answer_given(isolated_home, given):
    pack = load(builtin_pack())
    questions = pack.questions_of("attention")[:5]  # a new learner gets new questions in pack order
    terminal = Terminal("quiz", "--topic", "attention", "--new", "5")
    assert answer_and_kill(isolated_home, terminal, questions, given, rate_open=True) == -signal.SIGKILL
    assert_kept(isolated_home, questions, given, "quiz")


def test_an_exam_killed_mid_way_keeps_every_answer_given(isolated_home):
    questions = exam.draw(load(builtin_pack()), 6, None, 11)  # the exam `--seed 11` draws
    terminal = Terminal("quiz", "--exam", "6", "--seed", "11")
    assert answer_and_kill(isolated_home, terminal, questions, 4, rate_open=False) == -signal.SIGKILL
    assert_kept(isolated_home, questions, 4, "exam")


def bertstudy(*args: str, home, **env_vars: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, BERTSTUDY_HOME=str(home), **env_vars)
    return subprocess.run([sys.executable, "-m", "bertstudy", *args], env=env, capture_output=True, text=True, timeout=120)


def assert_one_line(done: subprocess.CompletedProcess, *needles: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith("error: ") and all(n in done.stderr for n in needles), done.stderr


def test_folders_that_cannot_be_made_are_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    home = blocker / "bertstudy"
    for args in (["progress"], ["learn", "attention"], ["quiz", "--answers", str(blocker)]):
        assert_one_line(bertstudy(*args, home=home), str(home), "BERTSTUDY_HOME")
    good_home = tmp_path / "home"
    assert_one_line(bertstudy("exercise", "start", "gelu", home=good_home, BERTSTUDY_WORKSPACE=str(blocker / "work")),
                    str(blocker / "work"), "BERTSTUDY_WORKSPACE")
    assert_one_line(bertstudy("progress", "export", str(blocker / "backup.json"), home=good_home), "cannot write")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_data_folder_is_one_line(tmp_path):
    home = tmp_path / "home"
    assert bertstudy("learn", "attention", home=home).returncode == 0
    (home / "progress.sqlite3").chmod(0o444)
    home.chmod(0o555)
    try:
        assert_one_line(bertstudy("learn", "attention", home=home), str(home), "BERTSTUDY_HOME")
    finally:
        home.chmod(0o755)


def test_a_store_from_a_newer_bertstudy_is_refused_and_left_as_it_is(tmp_path):
    home = tmp_path / "home"
    assert bertstudy("learn", "attention", home=home).returncode == 0
    path = home / "progress.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    before = path.read_bytes()
    assert_one_line(bertstudy("progress", home=home), str(path), "newer bertstudy")
    assert path.read_bytes() == before
