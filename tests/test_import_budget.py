"""The commands that need no tensors never import torch (it costs over a second to import)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from typer.testing import CliRunner
from bertstudy.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
heavy = sorted(m for m in ("torch", "numpy", "matplotlib", "plotext") if m in sys.modules)
print(json.dumps({"code": result.exit_code, "heavy": heavy}))
"""


@pytest.mark.parametrize("args", [["--help"], [], ["learn"], ["learn", "attention"], ["quiz", "--help"], ["progress"],
                                  ["quiz", "check", "attention-scale-value", "--answer", "8"],
                                  ["exercise", "list"], ["exercise", "start", "gelu"], ["exercise", "hint", "gelu"],
                                  ["demo", "list"], ["content", "check", "--no-grading"], ["content", "trust", "--list"]])
def test_light_commands_leave_torch_out(args):
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    assert report["heavy"] == []


def test_module_entry_point_help():
    done = subprocess.run([sys.executable, "-m", "bertstudy", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "Usage:" in done.stdout


def test_checking_an_untrusted_pack_leaves_torch_out(pack_copy):
    """Without trust nothing is graded, so the files and references are checked without torch."""
    done = subprocess.run([sys.executable, "-c", PROBE, "content", "check", str(pack_copy), "--json"],
                          capture_output=True, text=True, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    assert report["heavy"] == []
