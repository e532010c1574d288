"""Run every benchmark and print a table of figures with their ratio to a named baseline.

    .venv/bin/python benchmarks/run.py [--runs N]

Each figure is the median wall time of N fresh processes (after one warm-up run), so it includes
interpreter start-up and teardown, as a user would feel it; a cold `exercise run` and its baseline
`import torch` run in interleaved rounds; the watch figure is the median time from a save to
the verdict's line on screen. The batch baseline is 100 times the measured median of one cold
`exercise run` (running it 100 times would take minutes). Runs with a throw-away BERTSTUDY_HOME.
The free-text grader's agreement with the labelled answers in tests/data/free-text follows, per set
and language: the held-apart sets together (never used to tune the rubrics) are what its target is for.
`--free-text` prints only `quiz check`'s time and that table. Then it runs benchmarks/bert_forward.py and benchmarks/bert_train_step.py (the reference BERT's
forward pass and a training step against transformers') and benchmarks/demos.py (every demo's
wall time against its limits).
"""

from __future__ import annotations

import argparse
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import interleaved, median, paired_ratio

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BERTSTUDY = [PYTHON, "-m", "bertstudy"]
EXERCISE = REPO / "exercises" / "scaled_dot_product_attention"
SOLUTION = EXERCISE / "solution.py"
VERDICT = (b"PASSED", b"FAILED")


def watch_latency(saves: int, env: dict[str, str]) -> float:
    """Median seconds from a save to its verdict on screen, in `bertstudy exercise watch`."""
    target = Path(tempfile.mkdtemp(prefix="bertstudy-bench-")) / "attention.py"
    sources = [(EXERCISE / "mistakes" / "no_scale.py").read_bytes(), SOLUTION.read_bytes().replace(b"scores", b"s")]
    target.write_bytes(sources[0])
    proc = subprocess.Popen(BERTSTUDY + ["exercise", "watch", "scaled_dot_product_attention", "--file", str(target)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    pending = [b""]

    def next_verdict(limit: float) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            while b"\n" in pending[0]:
                line, pending[0] = pending[0].split(b"\n", 1)
                if line.startswith(VERDICT):
                    return
            if select.select([proc.stdout], [], [], 0.01)[0]:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                pending[0] += chunk
        raise SystemExit("watch gave no verdict")

    next_verdict(60)  # the first grade, with the warm worker starting
    times = []
    for i in range(saves):
        time.sleep(0.3)
        source = sources[0] + f"\n# edit {i}\n".encode()  # a failing save keeps the watch running
        started = time.perf_counter()
        target.write_bytes(source)
        next_verdict(30)
        times.append(time.perf_counter() - started)
    proc.kill()
    proc.wait()
    return statistics.median(times)


def grade_batch(students: int, env: dict[str, str]) -> float:
    """Seconds for `bertstudy grade` of `students` submissions (half right, half a known mistake)."""
    root = Path(tempfile.mkdtemp(prefix="bertstudy-bench-"))
    wrong = EXERCISE / "mistakes" / "softmax_over_queries.py"
    for i in range(students):
        (root / f"s{i:03d}").mkdir()
        shutil.copyfile(SOLUTION if i % 2 else wrong, root / f"s{i:03d}" / "scaled_dot_product_attention.py")
    started = time.perf_counter()
    subprocess.run(BERTSTUDY + ["grade", str(root), "-e", "scaled_dot_product_attention", "--jobs", "2", "--format", "csv"],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def cold_run(runs: int, env: dict[str, str]) -> tuple[float, float, float]:
    """`python -c "import torch"` and a cold `exercise run` of a passing file, in interleaved rounds
    of fresh processes (a slow patch of a shared machine falls on both): their medians and the
    median of the per-round ratios."""
    commands = {"torch": [PYTHON, "-c", "import torch"],
                "run": BERTSTUDY + ["exercise", "run", "scaled_dot_product_attention", "--file", str(SOLUTION)]}
    seconds = interleaved({name: lambda c=c: _fresh(c, env) for name, c in commands.items()}, runs, warmups=1)
    return median(seconds["torch"]), median(seconds["run"]), paired_ratio(seconds["run"], seconds["torch"])


def _fresh(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")


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


def free_text(runs: int, env: dict[str, str], typer_rich: float) -> None:
    """`quiz check` of one free-text answer, and agreement with people on every labelled set."""
    from bertstudy.content import pack as packs
    from bertstudy.paths import builtin_pack
    from bertstudy.quiz import agreement

    check = wall(BERTSTUDY + ["quiz", "check", "attention-why-scale", "--answer",
                              "Dot products grow with d_k, so the softmax saturates and its gradients vanish."], runs, env)
    print(f"{'quiz check, one free-text answer':<32}  {check:>9.3f} s  {check / typer_rich:>5.2f}x import typer, rich  target < 0.3 s")
    print()
    pack = packs.load(builtin_pack())
    print(f"{'free-text grader vs people':<26}{'answers':>8}{'agreement':>11}{'recall':>9}{'specificity':>13}  target")
    judged = {name: agreement.judge(pack, REPO / "tests" / "data" / "free-text" / name)
              for name in agreement.HELD_APART + agreement.TUNED_ON}
    held_apart = [j for name in agreement.HELD_APART for j in judged[name]]
    for name, answers in [("held apart", held_apart), *judged.items()]:
        summary = agreement.report(answers)
        target = ">= 0.95 each" if name == "held apart" else "(tuned on)" if name not in agreement.HELD_APART else ""
        for group, s in [("all", summary["all"]), *summary["lang"].items()]:
            print(f"{name + ' ' + group:<26}{s['answers']:>8}{s['agreement']:>11.3f}{s['recall']:>9.3f}{s['specificity']:>13.3f}  {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per figure (default 7)")
    parser.add_argument("--free-text", action="store_true", help="only the free-text grader's time and agreement")
    args = parser.parse_args()
    env = dict(os.environ, BERTSTUDY_HOME=tempfile.mkdtemp(prefix="bertstudy-bench-"), NO_COLOR="1")
    typer_rich = wall([PYTHON, "-c", "import typer, rich"], args.runs, env)
    if args.free_text:
        free_text(args.runs, env, typer_rich)
        return
    torch_import, cold, cold_ratio = cold_run(args.runs, env)
    rows = [
        ("bertstudy --help", wall(BERTSTUDY + ["--help"], args.runs, env), "import typer, rich", typer_rich, "< 2.5x and < 0.3 s"),
        ("bertstudy (dashboard)", wall(BERTSTUDY, args.runs, env), "import typer, rich", typer_rich, ""),
        ("bertstudy learn attention", wall(BERTSTUDY + ["learn", "attention"], args.runs, env), "import typer, rich", typer_rich, ""),
        ("bertstudy exercise run (cold)", cold, "import torch", torch_import, "<= 1.3x"),
        ("exercise watch: save to verdict", watch_latency(args.runs, env), "(absolute)", 1.0, "< 0.3 s"),
        ("grade 100 submissions, --jobs 2", grade_batch(100, env), "100 x cold exercise run", 100 * cold, "<= 0.2x (5x faster)"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'median s':>9}  {'baseline':<20} {'baseline s':>10}  {'ratio':>6}  target")
    for name, value, base_name, base, target in rows:
        print(f"{name:<{width}}  {value:>9.3f}  {base_name:<20} {base:>10.3f}  {value / base:>5.2f}x  {target}")
    print(f"(cold exercise run: the median of the per-round ratios to import torch is {cold_ratio:.2f}x)")
    print()
    free_text(args.runs, env, typer_rich)
    for script in ("bert_forward.py", "bert_train_step.py", "demos.py"):
        print()
        subprocess.run([PYTHON, str(REPO / "benchmarks" / script)], check=True)


if __name__ == "__main__":
    main()
