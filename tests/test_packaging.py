"""The wheel carries the built-in pack, so `pip install .` works from any folder."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow


def test_wheel_contains_the_pack_and_the_child(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(REPO)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("bertstudy-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in [*REPO.glob("curriculum/*.yaml"), *REPO.glob("demos/*.yaml")]:
        assert f"bertstudy/_pack/{path.relative_to(REPO)}" in names
    for path in REPO.glob("exercises/**/*.py"):
        assert f"bertstudy/_pack/{path.relative_to(REPO)}" in names
    assert "bertstudy/exercises/child.py" in names
    assert not any("__pycache__" in n for n in names)
