"""Run every benchmark and print a table of figures with their ratio to a named baseline.

    .venv/bin/python benchmarks/run.py [--runs N]

Each figure is the median wall time of N fresh processes (after one warm-up run), so it includes
interpreter start-up, as a user would feel it. Runs with a throw-away BERTSTUDY_HOME.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BERTSTUDY = [PYTHON, "-m", "bertstudy"]
SOLUTION = REPO / "exercises" / "scaled_dot_product_attention" / "solution.py"


def wall(command: list[str], runs: int, env: dict[str, str], ok_codes=(0,)) -> float:
    times = []
    for i in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - started
        if done.returncode not in ok_codes:
            raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
        if i:  # the first run warms the file cache
            times.append(elapsed)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per figure (default 7)")
    args = parser.parse_args()
    env = dict(os.environ, BERTSTUDY_HOME=tempfile.mkdtemp(prefix="bertstudy-bench-"), NO_COLOR="1")
    typer_rich = wall([PYTHON, "-c", "import typer, rich"], args.runs, env)
    torch_import = wall([PYTHON, "-c", "import torch"], max(3, args.runs // 2), env)
    rows = [
        ("bertstudy --help", wall(BERTSTUDY + ["--help"], args.runs, env), "import typer, rich", typer_rich, "< 2.5x and < 0.3 s"),
        ("bertstudy (dashboard)", wall(BERTSTUDY, args.runs, env), "import typer, rich", typer_rich, ""),
        ("bertstudy learn attention", wall(BERTSTUDY + ["learn", "attention"], args.runs, env), "import typer, rich", typer_rich, ""),
        ("bertstudy exercise run (cold)",
         wall(BERTSTUDY + ["exercise", "run", "scaled_dot_product_attention", "--file", str(SOLUTION)], max(3, args.runs // 2), env),
         "import torch", torch_import, "<= 1.5x"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'median s':>9}  {'baseline':<20} {'baseline s':>10}  {'ratio':>6}  target")
    for name, value, base_name, base, target in rows:
        print(f"{name:<{width}}  {value:>9.3f}  {base_name:<20} {base:>10.3f}  {value / base:>5.2f}x  {target}")


if __name__ == "__main__":
    main()
