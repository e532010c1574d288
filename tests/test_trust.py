"""Pack trust: another pack's Python runs in bertstudy's process only once the user trusts that
pack as it is (`content trust`, or `--trust` for one command); a changed pack is refused again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bertstudy.content import trust
from bertstudy.content.pack import load
from bertstudy.errors import UsageError
from bertstudy.paths import builtin_pack

EXERCISE = "scaled_dot_product_attention"


@pytest.fixture
def pack(tmp_path) -> Path:
    """A pack of one exercise whose every known mistake, once run, writes the file `ran`."""
    root = tmp_path / "pack"
    for part in ("curriculum", "quizzes"):
        shutil.copytree(builtin_pack() / part, root / part)
    shutil.copytree(builtin_pack() / "exercises" / EXERCISE, root / "exercises" / EXERCISE)
    for mistake in (root / "exercises" / EXERCISE / "mistakes").glob("*.py"):
        mistake.write_text(f"open({str(tmp_path / 'ran')!r}, 'w').write('ran')\n" + mistake.read_text())
    return root


@pytest.fixture
def wrong(tmp_path) -> str:
    """A submission that fails the way a known mistake does, so grading runs the pack's mistakes."""
    path = tmp_path / "submission.py"
    shutil.copyfile(builtin_pack() / "exercises" / EXERCISE / "mistakes" / "no_scale.py", path)
    return str(path)


def ran(pack: Path) -> bool:
    return (pack.parent / "ran").exists()


def refused(cli, pack: Path, *args: str) -> str:
    result = cli("--content", str(pack), *args, code=2)
    assert not ran(pack), "the pack's Python ran before it was trusted"
    assert len(result.stderr.strip().splitlines()) == 1 and f"bertstudy content trust {pack}" in result.stderr
    return result.stderr


def test_an_untrusted_pack_runs_none_of_its_python(cli, pack, wrong, tmp_path):
    message = refused(cli, pack, "exercise", "run", EXERCISE, "--file", wrong)
    assert "is not trusted" in message and "mistakes/no_scale.py" in message
    refused(cli, pack, "exercise", "watch", EXERCISE, "--file", wrong)
    (tmp_path / "students" / "ann").mkdir(parents=True)
    shutil.copyfile(wrong, tmp_path / "students" / "ann" / f"{EXERCISE}.py")
    refused(cli, pack, "grade", str(tmp_path / "students"), "-e", EXERCISE)


def test_a_trusted_pack_runs_until_it_changes(cli, pack, wrong):
    cli("content", "trust", str(pack))
    verdict = cli.json("--content", str(pack), "exercise", "run", EXERCISE, "--file", wrong, code=1)
    assert ran(pack) and verdict["diagnosis"]["id"] == "no_scale"
    (pack.parent / "ran").unlink()
    mistake = pack / "exercises" / EXERCISE / "mistakes" / "scale_by_d.py"
    mistake.write_text(mistake.read_text() + "\n# changed\n")
    assert "changed since you trusted it" in refused(cli, pack, "exercise", "run", EXERCISE, "--file", wrong)


def test_trust_once_runs_it_without_recording(cli, pack, wrong):
    verdict = cli.json("--content", str(pack), "exercise", "run", EXERCISE, "--file", wrong, "--trust", code=1)
    assert ran(pack) and verdict["diagnosis"]["id"] == "no_scale"
    (pack.parent / "ran").unlink()
    refused(cli, pack, "exercise", "run", EXERCISE, "--file", wrong)


def test_checking_an_untrusted_pack_lists_what_would_run_and_runs_none_of_it(cli, pack):
    spec = pack / "exercises" / EXERCISE / "exercise.yaml"
    spec.write_text(spec.read_text().replace("reference: bertstudy.reference.attention:", "reference: my_course.answers:"))
    data = cli.json("content", "check", str(pack))
    assert not ran(pack)
    assert data["ok"] and data["trust"] == "untrusted" and not data["graded"]
    assert f"exercises/{EXERCISE}/exercise.yaml: reference my_course.answers:scaled_dot_product_attention" in data["would_run"]
    assert f"exercises/{EXERCISE}/mistakes/no_scale.py" in data["would_run"]
    assert len([line for line in data["would_run"] if "/mistakes/" in line]) == len(list(spec.parent.glob("mistakes/*.py")))
    out = cli("content", "check", str(pack)).stdout
    assert "is not trusted" in out and "mistakes/softmax_over_queries.py" in out and "not graded" in out
    assert not ran(pack)


def test_an_untrusted_check_still_finds_missing_files_and_references(cli, pack):
    folder = pack / "exercises" / EXERCISE
    (folder / "mistakes" / "mask_inverted.py").unlink()
    spec = folder / "exercise.yaml"
    spec.write_text(spec.read_text().replace("attention:scaled_dot_product_attention", "attention:no_such_function"))
    problems = cli.json("content", "check", str(pack), code=1)["problems"]
    assert any("mistakes/mask_inverted.py is missing" in p for p in problems)
    assert any("reference: bertstudy.reference.attention defines no no_such_function" in p for p in problems)
    assert not ran(pack)


def test_trust_list_and_revoke(cli, pack):
    assert json.loads(cli("content", "trust", "--list", "--json").stdout) == {"packs": []}
    cli("content", "trust", str(pack))
    [row] = cli.json("content", "trust", "--list")["packs"]
    assert row["pack"] == str(pack.resolve()) and row["state"] == "unchanged"
    (pack / "exercises" / EXERCISE / "mistakes" / "extra.py").write_text("print('new code')\n")
    assert cli.json("content", "trust", "--list")["packs"][0]["state"] == "changed"
    assert cli.json("content", "trust", str(pack), "--revoke")["revoked"]
    assert cli.json("content", "trust", "--list")["packs"] == []
    assert "not a trusted pack" in cli("content", "trust", str(pack), "--revoke", code=2).stderr


def test_the_built_in_pack_is_trusted_without_a_record(cli):
    assert cli.json("content", "trust")["trust"] == "built-in"
    assert trust.state(load(builtin_pack())) == "built-in"
    assert trust.trusted_packs() == {}


def test_the_grader_itself_refuses_an_untrusted_pack(pack):
    """Even a caller that skips the command line's check cannot run an untrusted pack's files."""
    from bertstudy.exercises.checks import load_callable

    exercise = load(pack).exercise(EXERCISE)
    with pytest.raises(UsageError, match="not trusted"):
        load_callable(exercise, file=exercise.folder / "mistakes" / "no_scale.py")
    assert not ran(pack)


def test_the_digest_follows_a_linked_folder(pack, tmp_path):
    mistakes = pack / "exercises" / EXERCISE / "mistakes"
    elsewhere = tmp_path / "elsewhere"
    shutil.move(mistakes, elsewhere)
    mistakes.symlink_to(elsewhere, target_is_directory=True)
    loaded = load(pack)
    before = trust.digest(loaded)
    (elsewhere / "no_scale.py").write_text("print('changed')\n")
    assert trust.digest(loaded) != before
