"""Every command through the CLI: exit codes, --json, one-line errors."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from bertstudy.paths import builtin_pack

SOLUTION = builtin_pack() / "exercises" / "scaled_dot_product_attention" / "solution.py"
NO_SCALE = builtin_pack() / "exercises" / "scaled_dot_product_attention" / "mistakes" / "no_scale.py"


def test_version_and_help(cli):
    assert cli("--version").stdout.startswith("bertstudy ")
    out = cli("--help").stdout
    for command in ("learn", "demo", "quiz", "exercise", "grade", "progress", "content", "doctor"):
        assert command in out


def test_every_command_has_help_with_an_example(cli):
    commands = [["learn"], ["quiz"], ["grade"], ["doctor"], ["demo", "list"], ["demo", "run"],
                ["exercise", "list"], ["exercise", "start"], ["exercise", "run"], ["exercise", "watch"],
                ["exercise", "hint"], ["exercise", "solution"], ["exercise", "reset"], ["progress"],
                ["progress", "export"], ["progress", "import"], ["content", "check"]]
    for command in commands:
        assert "Example:" in cli(*command, "--help").stdout, command


def row(rows, key):
    return next(r for r in rows if r["id"] == key)


def right_letter(question_id):
    from bertstudy.content.pack import load
    from bertstudy.paths import builtin_pack
    from bertstudy.quiz.grading import letter_of

    question = load(builtin_pack()).questions[question_id]
    return letter_of(question, next(i for i, c in enumerate(question.choices) if c.correct))


def test_dashboard(cli):
    assert "bertstudy learn dl-basics" in cli().stdout
    data = cli.json()
    assert data["topics"] >= 1 and data["topics_read"] == 0
    assert data["reviews_due"] == 0
    assert "learn" in data["next"]


def test_dashboard_suggests_the_next_exercise(cli):
    """Easiest first among the topics read, and never an exercise whose parts have not passed."""
    from bertstudy.progress.store import Store

    def passed(*ids: str) -> None:
        store = Store()
        for exercise_id in ids:
            store.record_attempt(exercise_id, {"passed": True, "score": 1, "max_score": 1})
        store.close()

    assert cli.json()["next_exercise"] == "softmax"  # nothing read yet: the first one of all
    cli("learn", "attention")
    assert cli.json()["next_exercise"] == "scaled_dot_product_attention"
    assert "Next exercise" in cli().stdout and "scaled_dot_product_attention`" in cli().stdout
    cli("learn", "bert-architecture")
    passed("scaled_dot_product_attention", "gelu")
    assert cli.json()["next_exercise"] == "softmax", "capstone_bert waits for the parts it builds on"
    passed("bert_embeddings", "transformer_encoder_layer")
    assert cli.json()["next_exercise"] == "capstone_bert"
    cli("exercise", "start", "capstone_bert")
    assert "Next exercise" not in cli().stdout, "the current exercise is already on the dashboard"


def test_learn_map_topic_and_next(cli):
    rows = cli.json("learn")["topics"]
    assert rows[0]["id"] == "dl-basics" and rows[0]["depth"] == 0
    assert row(rows, "attention")["status"] == "new" and row(rows, "attention")["prerequisites"] == ["seq2seq"]
    page = cli.json("learn", "attention")
    assert page["notes"] and page["demos"][0]["id"] == "attention-heatmap"
    assert page["demos"][0]["title"] and page["demos"][0]["seconds"] > 0
    assert row(cli.json("learn")["topics"], "attention")["status"] == "read"
    text = cli("learn", "attention").stdout
    assert "bertstudy demo run attention-heatmap" in text
    assert "bertstudy quiz --topic attention" in text
    assert cli.json("learn", "next")["id"] == "dl-basics"
    assert cli.json("learn", "next")["id"] == "backprop-autograd"


def test_learn_in_chinese(cli, monkeypatch):
    assert "缩放点积注意力" in cli.json("--lang", "zh", "learn", "attention")["notes"]
    monkeypatch.setenv("BERTSTUDY_LANG", "zh")
    assert "课程地图" in cli("learn").stdout
    monkeypatch.delenv("BERTSTUDY_LANG")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "课程地图" in cli("learn").stdout


@pytest.mark.parametrize("args, message", [
    (["learn", "nope"], "unknown topic 'nope'"),
    (["--lang", "fr", "learn"], "unknown language 'fr'"),
    (["demo", "run", "nope"], "unknown demo 'nope'"),
    (["exercise", "start", "nope"], "unknown exercise 'nope'"),
    (["exercise", "run"], "no current exercise"),
    (["exercise", "run", "scaled_dot_product_attention", "--file", "missing.py"], "no file at missing.py"),
    (["--content", "/nonexistent", "learn"], "is not a folder"),
    (["progress", "import", "missing.json"], "no file at missing.json"),
    (["grade", "/nonexistent", "--all"], "is not a folder"),
])
def test_usage_errors_are_one_line_and_exit_2(cli, args, message):
    result = cli(*args, code=2)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_broken_pack_is_one_line_naming_file_line_and_key(cli, pack_copy):
    path = pack_copy / "quizzes" / "attention.yaml"
    path.write_text(path.read_text().replace("kind: numeric", "kind: numeric\n    answer: [8"))
    result = cli("--content", str(pack_copy), "learn", code=1)
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    assert line.startswith("error: quizzes/attention.yaml:")
    assert "YAML syntax error" in line


def test_demo_list_and_run(cli, tmp_path):
    listed = cli.json("demo", "list")["demos"]
    order = [t["id"] for t in cli.json("learn")["topics"]]
    assert [order.index(d["topic"]) for d in listed] == sorted(order.index(d["topic"]) for d in listed)
    assert not any(d["ran"] for d in listed)
    data = cli.json("demo", "run", "attention-heatmap", "--quick", "--save", str(tmp_path / "out"))
    for head in data["data"]["heads"]:
        assert all(abs(sum(row) - 1) < 1e-5 for row in head["weights"])
    saved = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert saved[0].startswith("attention-heatmap-1-") and saved[0].endswith(".png") and saved[-1] == "attention-heatmap.json"
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in (tmp_path / "out").glob("*.png"))
    shown = cli("demo", "run", "attention-heatmap", "--quick").stdout
    about = next(d["about"] for d in listed if d["id"] == "attention-heatmap")
    assert "q \\ k" in shown and " ".join(shown.split()).startswith(" ".join(about.split()))  # told before it runs
    assert cli.json()["demos_run"] == 1
    assert [d["ran"] for d in cli.json("demo", "list")["demos"] if d["id"] == "attention-heatmap"] == [True]


def test_demo_save_into_a_file_is_one_line_error(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = cli("demo", "run", "attention-heatmap", "--quick", "--save", str(blocker / "sub"), code=2)
    assert result.stderr.strip().startswith("error: cannot write to") and "Not a directory" in result.stderr
    assert cli.json()["demos_run"] == 0


def test_quiz_from_answers_file(cli, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump({
        "attention-softmax-axis": right_letter("attention-softmax-axis"),
        "attention-scale-value": "8",
        "attention-why-scale": "The variance of the dot product grows with d_k, which saturates the softmax so gradients vanish.",
    }))
    data = cli.json("quiz", "--answers", str(answers))
    assert [r["question"] for r in data["results"]] == list(yaml.safe_load(answers.read_text()))
    assert data["results"][0]["correct"] and data["results"][1]["correct"]
    assert data["results"][2]["score"] == 1.0
    assert row(cli.json("progress")["topics"], "attention")["mastery"] > 0


def test_quiz_errors(cli, tmp_path):
    assert "needs a terminal" in cli("quiz", code=2).stderr
    answers = tmp_path / "a.yaml"
    answers.write_text("nope-question: A\n")
    assert "unknown question id 'nope-question'" in cli("quiz", "--answers", str(answers), code=2).stderr
    answers.write_text("attention-softmax-axis: Z\n")
    assert "'Z' is not one of the choices" in cli("quiz", "--answers", str(answers), code=2).stderr


def test_quiz_interactive_session(cli, monkeypatch):
    monkeypatch.setattr("bertstudy.console.interactive", lambda: True)
    result = cli("quiz", "--topic", "attention", "--new", "1", input=right_letter("attention-softmax-axis") + "\n")
    assert "Correct" in result.stdout
    assert "Model answer" in result.stdout
    assert row(cli.json("progress")["topics"], "attention")["mastery"] > 0


def test_exercise_flow(cli, tmp_path):
    started = cli.json("exercise", "start", "scaled_dot_product_attention")
    assert started["created"] and "softmax" in started["statement"]
    workspace_file = started["path"]
    assert not cli.json("exercise", "start", "scaled_dot_product_attention")["created"]
    assert cli.json()["current_exercise"] == "scaled_dot_product_attention"
    assert cli.json("exercise", "hint")["index"] == 1
    assert cli.json("exercise", "hint")["index"] == 2
    assert "after you pass" in cli("exercise", "solution", code=1).stderr
    forced = cli.json("exercise", "solution", "--force")
    assert forced["forced"] and "def scaled_dot_product_attention" in forced["code"]
    shutil.copyfile(SOLUTION, workspace_file)
    reset = cli.json("exercise", "reset", "scaled_dot_product_attention")
    assert reset["backup"] and open(reset["backup"]).read() == SOLUTION.read_text()
    assert row(cli.json("exercise", "list")["exercises"], "scaled_dot_product_attention")["status"] == "new"


@pytest.mark.slow
def test_exercise_run_json_contract_and_exit_codes(cli):
    cli("exercise", "start", "scaled_dot_product_attention")
    failed = cli.json("exercise", "run", code=1)  # the starter
    assert {"exercise", "passed", "score", "max_score", "tests"} <= set(failed)
    assert failed["passed"] is False and failed["score"] < failed["max_score"]
    assert all(set(t) == {"name", "status", "message"} and t["status"] in ("passed", "failed", "error") for t in failed["tests"])
    wrong = cli.json("exercise", "run", "scaled_dot_product_attention", "--file", str(NO_SCALE), code=1)
    assert wrong["diagnosis"]["id"] == "no_scale"
    assert "not divided by √d" in cli("exercise", "run", "--file", str(NO_SCALE), code=1).stdout
    passed = cli.json("exercise", "run", "--file", str(SOLUTION))
    assert passed["passed"] and passed["score"] == passed["max_score"]
    assert row(cli.json("exercise", "list")["exercises"], "scaled_dot_product_attention")["status"] == "passed"
    assert not cli.json("exercise", "solution")["forced"]


@pytest.mark.slow
def test_grade_folder_in_every_format(cli, tmp_path):
    tmp_path = tmp_path / "submissions"  # beside the test's bertstudy home, not around it
    tmp_path.mkdir()
    for student, source in (("alice", SOLUTION), ("bob", NO_SCALE)):
        (tmp_path / student).mkdir()
        shutil.copyfile(source, tmp_path / student / "scaled_dot_product_attention.py")
    (tmp_path / "carol").mkdir()  # submitted nothing
    rows = json.loads(cli("grade", str(tmp_path), "-e", "scaled_dot_product_attention", "--format", "json").stdout)["results"]
    by_student = {r["student"]: r for r in rows}
    assert by_student["alice"]["passed"] and not by_student["bob"]["passed"] and by_student["carol"]["missing"]
    csv = cli("grade", str(tmp_path), "-e", "scaled_dot_product_attention", "--format", "csv").stdout.splitlines()
    assert csv[0].startswith("student,exercise,passed") and len(csv) == 4
    gradescope = json.loads(cli("grade", str(tmp_path / "alice"), "-e", "scaled_dot_product_attention", "--format", "gradescope").stdout)
    assert gradescope["score"] == sum(t["score"] for t in gradescope["tests"])
    assert all(t["status"] == "passed" and t["max_score"] == 1.0 for t in gradescope["tests"])
    everything = json.loads(cli("grade", str(tmp_path), "--all", "--format", "json").stdout)["results"]
    assert len(everything) == 3 * len(cli.json("exercise", "list")["exercises"])
    assert "alice" in cli("grade", str(tmp_path), "-e", "scaled_dot_product_attention").stdout
    assert "--all" in cli("grade", str(tmp_path), code=2).stderr


def test_progress_export_and_import(cli, tmp_path, monkeypatch):
    cli("learn", "attention")
    backup = tmp_path / "backup.json"
    cli("progress", "export", str(backup))
    data = json.loads(backup.read_text())
    assert data["tables"]["topic_reads"][0]["topic_id"] == "attention"
    monkeypatch.setenv("BERTSTUDY_HOME", str(tmp_path / "other"))
    assert "Imported 1 new record" in cli("progress", "import", str(backup)).stdout
    assert "Imported 0 new record" in cli("progress", "import", str(backup)).stdout
    assert row(cli.json("progress")["topics"], "attention")["read"] is True
    bad = tmp_path / "bad.json"
    bad.write_text('{"tables": {}}')
    assert "not a bertstudy progress export" in cli("progress", "import", str(bad), code=2).stderr
    assert json.loads(cli("progress", "export", "-").stdout)["bertstudy_progress"] >= 1


def test_content_check(cli, pack_copy):
    data = cli.json("content", "check", "--no-grading")
    assert data["ok"] and data["topics"] >= 1
    (pack_copy / "exercises" / "scaled_dot_product_attention" / "starter.py").unlink()
    result = cli("content", "check", str(pack_copy), code=1)
    assert "starter.py is missing" in result.stderr


@pytest.mark.slow
def test_content_check_runs_the_grader(cli, pack_copy):
    """On a pack of two exercises (test_exercise_health.py proves every built-in one healthy)."""
    for folder in (pack_copy / "exercises").iterdir():
        if folder.name not in ("scaled_dot_product_attention", "bert_embeddings"):
            shutil.rmtree(folder)
    checked = cli.json("content", "check", str(pack_copy), "--trust")
    assert checked["ok"] and checked["graded"]
    folder = pack_copy / "exercises" / "scaled_dot_product_attention"
    shutil.copyfile(folder / "solution.py", folder / "mistakes" / "no_scale.py")
    shutil.copyfile(folder / "solution.py", folder / "starter.py")
    problems = cli.json("content", "check", str(pack_copy), "--trust", code=1)["problems"]
    assert any("starter.py passes the grader" in p for p in problems)
    assert any("mistakes/no_scale.py passes" in p for p in problems)


def test_doctor(cli):
    data = cli.json("doctor")
    names = {c["name"]: c for c in data["checks"]}
    assert data["ok"] and names["torch"]["ok"] and names["progress store"]["ok"]


def test_content_text_with_brackets_is_printed_as_written(cli, pack_copy):
    path = pack_copy / "curriculum" / "attention.yaml"
    text = path.read_text()
    first_formula = text.index("text:", text.index("formulas:"))
    path.write_text(text[:first_formula] + 'text: "labels = [y_1, y_2] and [bold]x[/bold]"\n' + text[text.index("\n", first_formula) + 1:])
    out = cli("--content", str(pack_copy), "learn", "attention").stdout
    assert "labels = [y_1, y_2] and [bold]x[/bold]" in out


def test_learn_search_in_both_languages(cli):
    hits = cli.json("learn", "--search", "whole word masking")["topics"]
    ids = [h["id"] for h in hits]
    assert "pretraining-mlm" in ids and "chinese-bert" in ids and "rnn" not in ids
    assert "transformer" in [h["id"] for h in cli.json("learn", "-s", "位置编码")["topics"]]
    assert cli.json("learn", "-s", "nonexistentword")["topics"] == []
    assert "No topic mentions" in cli("learn", "-s", "nonexistentword").stdout


def test_learn_pages_only_in_a_terminal(cli, monkeypatch):
    paged = []
    monkeypatch.setattr("bertstudy.console.interactive", lambda: True)
    monkeypatch.setattr("pydoc.pager", lambda text: paged.append(text))
    cli("learn", "attention")
    assert paged and "Scaled dot-product attention" in paged[0]
    paged.clear()
    assert "Scaled dot-product attention" in cli("learn", "attention", "--no-pager").stdout and not paged


def test_quiz_check_grades_one_answer_without_recording(cli):
    data = cli.json("quiz", "check", "attention-why-scale", "--answer", "the variance of the dot product grows with d_k. saturation is irrelevant")
    points = {p["id"]: p for p in data["details"]["points"]}
    assert points["variance"]["status"] == "asserted" and points["variance"]["sentence"] == 1
    assert points["saturation"]["status"] == "denied" and "irrelevant" in points["saturation"]["why"]
    assert not data["correct"] and 0 < data["score"] < 1
    assert "Score" in cli("quiz", "check", "attention-scale-value", "-a", "8").stdout
    assert "unknown question 'nope'" in cli("quiz", "check", "nope", "-a", "x", code=2).stderr
    assert row(cli.json("progress")["topics"], "attention")["mastery"] == 0


def test_exam_from_answers_with_a_report(cli, tmp_path):
    answers = tmp_path / "exam.yaml"
    wrong = "A" if right_letter("attention-softmax-axis") != "A" else "B"
    answers.write_text(f"attention-softmax-axis: {wrong}\nattention-scale-value: 8\n")
    report = tmp_path / "report.md"
    data = cli.json("quiz", "--exam", "2", "--answers", str(answers), "--report", str(report))
    assert data["score"] == 1.0 and data["max_score"] == 2
    assert data["review_questions"][0]["question"] == "attention-softmax-axis"
    assert "attention-softmax-axis" in report.read_text()
    assert "--exam" in cli("quiz", "--minutes", "5", "--answers", str(answers), code=2).stderr


def test_exam_report_gives_per_point_feedback_on_free_text(cli, tmp_path):
    answers = tmp_path / "exam.yaml"
    answers.write_text('attention-why-scale: "It is not because the variance grows with d_k. The softmax saturates."\n')
    report = tmp_path / "report.md"
    data = cli.json("quiz", "--exam", "1", "--answers", str(answers), "--report", str(report))
    points = {p["id"]: p for p in data["review_questions"][0]["points"]}
    assert points["variance"]["status"] == "denied" and data["score"] < 1
    text = report.read_text()
    assert "✗" in text and "sentence 1 denies it ('not')" in text


def test_interactive_exam_gives_no_feedback_until_the_end(cli, monkeypatch):
    from bertstudy.content.pack import load
    from bertstudy.paths import builtin_pack

    questions = load(builtin_pack()).questions
    monkeypatch.setattr("bertstudy.console.interactive", lambda: True)
    monkeypatch.setattr("bertstudy.quiz.exam.draw", lambda *a: [questions["attention-softmax-axis"], questions["attention-scale-value"]])
    out = cli("quiz", "--exam", "2", input=right_letter("attention-softmax-axis") + "\n8\n").stdout
    assert "No feedback until the end" in out
    assert "Correct" not in out.split("Exam report")[0]
    assert "Exam report" in out


def test_stopping_mid_quiz_keeps_what_was_answered(cli, monkeypatch):
    from bertstudy.content.pack import load
    from bertstudy.paths import builtin_pack

    questions = load(builtin_pack()).questions
    monkeypatch.setattr("bertstudy.console.interactive", lambda: True)
    monkeypatch.setattr("bertstudy.quiz.schedule.select", lambda *a: [questions["attention-scale-value"], questions["attention-softmax-axis"]])
    result = cli("quiz", input="8\n", code=130)  # the input ends (as Ctrl-D or Ctrl-C would) at question 2
    assert "1 answer(s) saved" in result.stdout
    assert row(cli.json("progress")["topics"], "attention")["mastery"] > 0


@pytest.mark.parametrize("submission, code", [("solution.py", 0), ("mistakes/no_scale.py", 1)])
def test_a_real_exercise_run_prints_its_verdict_records_it_and_exits_with_it(isolated_home, submission, code):
    """`python -m bertstudy` leaves without the interpreter's teardown once torch is loaded: the
    whole verdict still reaches a pipe, the attempt is in the store, and the exit code is the verdict's."""
    import subprocess
    import sys

    from bertstudy.progress.store import Store

    done = subprocess.run([sys.executable, "-m", "bertstudy", "exercise", "run", "scaled_dot_product_attention",
                           "--file", str(SOLUTION.parent / submission), "--json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == code, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["passed"] is (code == 0)
    store = Store()
    assert store.exercises_attempted() == {"scaled_dot_product_attention"}
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()
