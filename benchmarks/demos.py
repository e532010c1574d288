"""Time every demo as a learner runs it: `bertstudy demo run ID` and `bertstudy demo run ID --quick`.

    .venv/bin/python benchmarks/demos.py [--runs N] [ID ...]

Two figures per run, each the median of N fresh processes (default 1): the wall time of the whole
command, start-up and `import torch` (about 1.5 s here) included, and the demo's own run time, the
"Demo finished in" figure (from `--json`). Both are set against the limits the demos promise, 20 s
at the default size and 3 s with --quick, and beside the time `demo list` shows. Runs with a
throw-away BERTSTUDY_HOME and output to a pipe (so no progress bars).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from bertstudy.content.pack import load
from bertstudy.paths import builtin_pack
from bertstudy.reference import pretrained

DEMOS = load(builtin_pack()).demos

LIMITS = {"default": 20.0, "quick": 3.0}


def seconds(demo_id: str, quick: bool, runs: int, env: dict[str, str]) -> tuple[float, float]:
    """(median wall time of the command, median run time the demo reports)."""
    command = [sys.executable, "-m", "bertstudy", "demo", "run", demo_id, "--json"] + (["--quick"] if quick else [])
    walls, own = [], []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True)
        walls.append(time.perf_counter() - started)
        if done.returncode:
            raise SystemExit(f"{' '.join(command[2:])} failed: {done.stderr.decode()[-800:]}")
        own.append(json.loads(done.stdout)["seconds"])
    return statistics.median(walls), statistics.median(own)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="fresh processes per figure (default 1)")
    parser.add_argument("ids", nargs="*", help="demo ids (default: all)")
    args = parser.parse_args()
    env = dict(os.environ, BERTSTUDY_HOME=tempfile.mkdtemp(prefix="bertstudy-bench-"), NO_COLOR="1")
    ids = args.ids or list(DEMOS)
    print(f"demos, wall time of `bertstudy demo run` (median of {args.runs}); pretrained model "
          f"{'installed' if pretrained.available() else 'not installed'}")
    print(f"{'demo':<22}{'listed s':>9}{'default: wall s':>16}{'run s':>7}{'/ 20 s':>8}"
          f"{'quick: wall s':>15}{'run s':>7}{'/ 3 s':>7}")
    worst_wall = worst_run = 0.0
    for demo_id in ids:
        (default, default_run), (quick, quick_run) = (seconds(demo_id, q, args.runs, env) for q in (False, True))
        worst_wall = max(worst_wall, default / LIMITS["default"], quick / LIMITS["quick"])
        worst_run = max(worst_run, default_run / LIMITS["default"], quick_run / LIMITS["quick"])
        print(f"{demo_id:<22}{DEMOS[demo_id].seconds:>9.0f}{default:>16.2f}{default_run:>7.2f}"
              f"{default / LIMITS['default']:>7.2f}x{quick:>15.2f}{quick_run:>7.2f}{quick / LIMITS['quick']:>6.2f}x")
    for name, worst in (("wall time of the command", worst_wall), ("the demo's own run time", worst_run)):
        print(f"worst ratio to its limit, {name}: {worst:.2f}x ({'within' if worst <= 1 else 'OVER'} the limits)")


if __name__ == "__main__":
    main()
