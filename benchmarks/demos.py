"""Time every demo as a learner runs it: `bertstudy demo run ID` and `bertstudy demo run ID --quick`.

    .venv/bin/python benchmarks/demos.py [--runs N] [ID ...]

Wall time of fresh processes (the median of N, default 1), start-up and imports included, against
the limits the demos promise: 20 s at the default size and 3 s with --quick (the baseline column),
and the typical time `demo list` shows. Runs with a throw-away BERTSTUDY_HOME and output to a pipe
(so no progress bars).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from bertstudy.demos import DEMOS
from bertstudy.reference import pretrained

LIMITS = {"default": 20.0, "quick": 3.0}


def seconds(demo_id: str, quick: bool, runs: int, env: dict[str, str]) -> float:
    command = [sys.executable, "-m", "bertstudy", "demo", "run", demo_id] + (["--quick"] if quick else [])
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - started)
        if done.returncode:
            raise SystemExit(f"{' '.join(command[2:])} failed: {done.stderr.decode()[-800:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="fresh processes per figure (default 1)")
    parser.add_argument("ids", nargs="*", help="demo ids (default: all)")
    args = parser.parse_args()
    env = dict(os.environ, BERTSTUDY_HOME=tempfile.mkdtemp(prefix="bertstudy-bench-"), NO_COLOR="1")
    ids = args.ids or list(DEMOS)
    print(f"demos, wall time of `bertstudy demo run` (median of {args.runs}); pretrained model "
          f"{'installed' if pretrained.available() else 'not installed'}")
    print(f"{'demo':<22}{'listed s':>9}{'default s':>11}{'/ 20 s':>8}{'quick s':>9}{'/ 3 s':>7}")
    worst = 0.0
    for demo_id in ids:
        default, quick = seconds(demo_id, False, args.runs, env), seconds(demo_id, True, args.runs, env)
        worst = max(worst, default / LIMITS["default"], quick / LIMITS["quick"])
        print(f"{demo_id:<22}{DEMOS[demo_id].seconds:>9.0f}{default:>11.2f}{default / LIMITS['default']:>7.2f}x"
              f"{quick:>9.2f}{quick / LIMITS['quick']:>6.2f}x")
    print(f"worst ratio to its limit: {worst:.2f}x ({'within' if worst <= 1 else 'OVER'} the limits)")


if __name__ == "__main__":
    main()
