"""Shared fixtures: every test runs with its own bertstudy home, never the real user directory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bertstudy.cli import app
from bertstudy.paths import builtin_pack

REPO = Path(__file__).resolve().parent.parent


def demo_words(module, lang: str = "en"):
    """The built-in pack's titles and labels for a demo module, as `bertstudy demo run` hands them."""
    from bertstudy.content.pack import load
    from bertstudy.demos import Words

    return Words(load(builtin_pack()).demo(module.__name__.rsplit(".", 1)[1].replace("_", "-")), lang)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("BERTSTUDY_HOME", str(home))
    for var in ("BERTSTUDY_WORKSPACE", "BERTSTUDY_CONTENT", "BERTSTUDY_LANG", "FORCE_COLOR", "LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    return home


class Cli:
    def __init__(self):
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, code: int | None = 0):
        result = self.runner.invoke(app, list(args), input=input, catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        return result

    def json(self, *args: str, code: int = 0):
        result = self(*args, "--json", code=code)
        return json.loads(result.stdout)


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture(scope="session")
def warm_pool():
    """One warm grading worker for the whole run (a fork per submission, not an interpreter)."""
    from bertstudy.exercises.sandbox import Pool

    with Pool() as pool:
        yield pool


@pytest.fixture
def pack_copy(tmp_path) -> Path:
    """A writable copy of the built-in pack, to break on purpose."""
    target = tmp_path / "pack"
    for part in ("curriculum", "quizzes", "exercises", "demos"):
        shutil.copytree(builtin_pack() / part, target / part)
    shutil.copyfile(builtin_pack() / "glossary.yaml", target / "glossary.yaml")
    return target
