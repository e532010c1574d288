"""Running a submission in the grader's child process, under limits, and collecting its outputs.

The child is a fresh interpreter (`python -I`) in an empty temporary folder, with a scrubbed
environment and a new process group; the parent kills the whole group when a limit is passed.
Enforced on Linux and macOS: wall time, CPU time (RLIMIT_CPU), output file size (RLIMIT_FSIZE),
the audit-hook guard in child.py. Address space (RLIMIT_AS) is enforced on Linux only; macOS
ignores it. Network: the child refuses socket connections through its audit hook; there is no
kernel-level network namespace.
"""

from __future__ import annotations

import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHILD = Path(__file__).with_name("child.py")
IMPORT_ALLOWANCE = 60.0  # seconds the child may take to import torch on a busy machine


@dataclass
class Run:
    """What came back from the child: its result, or why there is none."""

    result: dict[str, Any] | None = None
    failure: str | None = None
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    workdir: Path | None = field(default=None, repr=False)


class Child:
    """A started child, waiting for its inputs. Start it early: it imports torch meanwhile."""

    def __init__(self, submission: Path, output_kb: int):
        self.workdir = Path(tempfile.mkdtemp(prefix="bertstudy-grade-"))
        shutil.copyfile(submission, self.workdir / "submission.py")
        self.status_r, status_w = os.pipe()
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.workdir), "TMPDIR": str(self.workdir),
               "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            if var in os.environ:
                env[var] = os.environ[var]
        limit = output_kb * 1024

        def limits() -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

        self.stdout = open(self.workdir / ".stdout", "wb")
        self.stderr = open(self.workdir / ".stderr", "wb")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-X", "utf8", str(CHILD), str(status_w)],
            cwd=self.workdir, env=env, stdin=subprocess.PIPE, stdout=self.stdout, stderr=self.stderr,
            pass_fds=(status_w,), preexec_fn=limits, start_new_session=True,
        )
        os.close(status_w)
        self.status = b""

    def run(self, cases: list[dict[str, Any]], settings: dict[str, Any], seconds: float) -> Run:
        """Hand over the inputs, wait for the outputs within `seconds` of learner time."""
        import torch

        torch.save(cases, self.workdir / "inputs.pt")
        try:
            self.proc.stdin.write((json.dumps(settings) + "\n").encode())
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        failure = self._wait_for(b"R", self.started + IMPORT_ALLOWANCE, "the grader's child did not start")
        running_since = time.monotonic()
        if failure is None:
            failure = self._wait_for(b"D", running_since + seconds, f"timed out: no result after {seconds:g} s (an endless loop?)")
        run = Run(seconds=time.monotonic() - running_since, workdir=self.workdir)
        self._finish(failure is not None)
        run.stdout, run.stderr = self._read(".stdout"), self._read(".stderr")
        run.failure = failure or self._exit_problem()
        if run.failure is None or b"D" in self.status:
            run.result = self._load_result(run)
        return run

    def _wait_for(self, marker: bytes, deadline: float, timeout_message: str) -> str | None:
        while marker not in self.status:
            left = deadline - time.monotonic()
            if left <= 0:
                return timeout_message
            ready, _, _ = select.select([self.status_r], [], [], left)
            if ready:
                chunk = os.read(self.status_r, 64)
                if not chunk:  # the child closed the pipe: it ended
                    self.proc.wait()
                    return self._exit_problem() or "the submission ended the grader's child early (sys.exit or os._exit?)"
                self.status += chunk
        return None

    def _finish(self, kill: bool) -> None:
        if kill or self.proc.poll() is None:
            try:
                self.proc.wait(timeout=0 if kill else 5)
            except subprocess.TimeoutExpired:
                pass
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # anything it left behind
        except (ProcessLookupError, PermissionError):
            pass
        os.close(self.status_r)
        self.stdout.close()
        self.stderr.close()

    def _exit_problem(self) -> str | None:
        code = self.proc.poll()
        if code is None or code == 0:
            return None
        if code < 0:
            sig = -code
            reasons = {
                signal.SIGXCPU: "used more CPU time than allowed",
                signal.SIGXFSZ: "printed or wrote more output than allowed",
                signal.SIGSEGV: "crashed the interpreter (segmentation fault)",
                signal.SIGKILL: "was killed (over the time or memory limit)",
            }
            return reasons.get(sig, f"was stopped by signal {signal.Signals(sig).name}")
        tail = self._read(".stderr").strip().splitlines()[-1:] or [""]
        if "MemoryError" in tail[0] or "Cannot allocate memory" in tail[0]:
            return "ran out of memory (over the memory limit)"
        return f"the grader's child exited with code {code}: {tail[0][:200]}"

    def _read(self, name: str) -> str:
        try:
            return (self.workdir / name).read_bytes()[-4000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def _load_result(self, run: Run) -> dict[str, Any] | None:
        import torch

        try:
            return torch.load(self.workdir / "result.pt", weights_only=True)
        except Exception:
            run.failure = run.failure or "the submission's outputs could not be read back"
            return None

    def cleanup(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)
