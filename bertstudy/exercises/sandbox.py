"""Running a submission in the grader's child process, under limits, and collecting its outputs.

Each submission runs in its own empty folder under one sandbox root, in a new process group that
the parent kills when a limit is passed. A cold child is a fresh interpreter (`python -I`) with a
scrubbed environment, started before the parent imports torch so the two imports overlap. A warm
pool keeps one zygote that has imported torch and forks a child per submission (tens of
milliseconds instead of seconds): for `exercise watch`, `grade` and `content check`.
Enforced on Linux and macOS: wall time, CPU time (RLIMIT_CPU), output size (RLIMIT_FSIZE), the
audit-hook guard in child.py. Address space (RLIMIT_AS) is enforced on Linux only; macOS ignores
it. Network: refused through the audit hook, and on Linux the child also enters a network
namespace of its own (no interfaces) where the kernel allows it (as root, or with unprivileged
user namespaces).
"""

from __future__ import annotations

import itertools
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHILD = Path(__file__).with_name("child.py")
START_ALLOWANCE = 60.0  # seconds a cold child may take to import torch on a busy machine
POLL = 0.005
SIGNALS = {
    signal.SIGXCPU: "used more CPU time than allowed",
    signal.SIGXFSZ: "printed or wrote more output than allowed",
    signal.SIGSEGV: "crashed the interpreter (segmentation fault)",
    signal.SIGKILL: "was killed (over the time or memory limit)",
}


def sandbox_root() -> Path:
    """The folder under which every submission's folder lives (the guard protects the others)."""
    root = Path(tempfile.gettempdir()) / f"bertstudy-grading-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    return root


def child_env(folder: Path) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(folder), "TMPDIR": str(folder), "LANG": "C.UTF-8",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if var in os.environ:
            env[var] = os.environ[var]
    return env


@dataclass
class Run:
    """What came back from the child: its result, or why there is none."""

    result: dict[str, Any] | None = None
    failure: str | None = None
    stdout: str = ""
    seconds: float = 0.0


class Child:
    """One submission's folder and the process that grades it; `run()` hands over the inputs."""

    def __init__(self, submission: Path, output_kb: int):
        self.folder = Path(tempfile.mkdtemp(prefix="run-", dir=sandbox_root()))
        shutil.copyfile(submission, self.folder / "submission.py")
        self.output_bytes = output_kb * 1024
        self.started = time.monotonic()

    # -- what a cold child and a warm one do differently --------------------------------

    def _go(self) -> None:
        raise NotImplementedError

    def _exit_code(self) -> int | None:
        raise NotImplementedError

    def _kill(self) -> None:
        raise NotImplementedError

    # -- the same for both -------------------------------------------------------------

    def run(self, cases: list[dict[str, Any]], settings: dict[str, Any], seconds: float) -> Run:
        import torch

        torch.save(cases, self.folder / "inputs.pt")
        (self.folder / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
        self._go()
        failure = self._wait_for(b"R", self.started + START_ALLOWANCE, "the grader's child did not start")
        running_since = time.monotonic()
        if failure is None:
            failure = self._wait_for(b"D", running_since + seconds, f"timed out: no result after {seconds:g} s (an endless loop?)")
        run = Run(seconds=time.monotonic() - running_since)
        self._kill()  # after D the result is complete: no need to wait for the interpreter's teardown
        run.stdout = self._read(".stdout")
        run.failure = failure  # None means D was seen: the exit code (our own kill) says nothing
        if run.failure is None:
            run.result = self._load_result(run)
        return run

    def _status(self) -> bytes:
        try:
            return (self.folder / ".status").read_bytes()
        except OSError:
            return b""

    def _wait_for(self, marker: bytes, deadline: float, timeout_message: str) -> str | None:
        while marker not in self._status():
            if self._exit_code() is not None and marker not in self._status():
                return self._exit_problem() or "the submission ended the grader's child early (sys.exit or os._exit?)"
            if time.monotonic() > deadline:
                return timeout_message
            time.sleep(POLL)
        return None

    def _wait_exit(self, limit: float) -> None:
        deadline = time.monotonic() + limit
        while self._exit_code() is None and time.monotonic() < deadline:
            time.sleep(POLL)

    def _exit_problem(self) -> str | None:
        code = self._exit_code()
        if code is None or code == 0:
            return None
        if code < 0:
            return SIGNALS.get(-code, f"was stopped by signal {signal.Signals(-code).name}")
        tail = self._read(".stderr").strip().splitlines()[-1:] or [""]
        if "MemoryError" in tail[0] or "Cannot allocate memory" in tail[0]:
            return "ran out of memory (over the memory limit)"
        return f"the grader's child exited with code {code}: {tail[0][:200]}"

    def _read(self, name: str) -> str:
        try:
            return (self.folder / name).read_bytes()[-4000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def _load_result(self, run: Run) -> dict[str, Any] | None:
        import torch

        try:
            return torch.load(self.folder / "result.pt", weights_only=True)
        except Exception:
            run.failure = "the submission's outputs could not be read back"
            return None

    def cleanup(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class ColdChild(Child):
    """A fresh interpreter, started at once so that its torch import overlaps the parent's."""

    def __init__(self, submission: Path, output_kb: int):
        super().__init__(submission, output_kb)
        limit = self.output_bytes

        def limits() -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

        self.stdout = open(self.folder / ".stdout", "wb")
        self.stderr = open(self.folder / ".stderr", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-X", "utf8", str(CHILD), "cold"], cwd=self.folder, env=child_env(self.folder),
            stdin=subprocess.PIPE, stdout=self.stdout, stderr=self.stderr, preexec_fn=limits, start_new_session=True,
        )

    def _go(self) -> None:
        try:
            self.proc.stdin.write(b"go\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass

    def _exit_code(self) -> int | None:
        return self.proc.poll()

    def _kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        self.stdout.close()
        self.stderr.close()

    def abandon(self) -> None:
        """Stop the child without running it (the submission was rejected before it ran)."""
        self._kill()


class Pool:
    """A warm zygote: torch imported once, one fork per submission. Thread-safe."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="zygote-", dir=sandbox_root()))
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-X", "utf8", str(CHILD), "warm"], cwd=self.folder, env=child_env(self.folder),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True,
        )
        self.ids = itertools.count()
        self.pids: dict[int, int] = {}
        self.exits: dict[int, int] = {}
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.reader = threading.Thread(target=self._read_replies, daemon=True)
        self.reader.start()

    def _read_replies(self) -> None:
        for line in self.proc.stdout:
            reply = json.loads(line)
            with self.lock:
                if reply.get("ready"):
                    self.ready.set()
                elif "pid" in reply:
                    self.pids[reply["id"]] = reply["pid"]
                else:
                    self.exits[reply["id"]] = reply["exit"]
        self.ready.set()  # the zygote ended: waiters see it through alive()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def child(self, submission: Path, output_kb: int) -> WarmChild:
        return WarmChild(self, submission, output_kb)

    def request(self, folder: Path, output_bytes: int) -> int:
        if not self.ready.wait(START_ALLOWANCE) or not self.alive():
            raise RuntimeError("the grader's warm worker did not start")
        request_id = next(self.ids)
        with self.lock:
            self.proc.stdin.write((json.dumps({"id": request_id, "folder": str(folder), "output_bytes": output_bytes}) + "\n").encode())
            self.proc.stdin.flush()
        return request_id

    def close(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class WarmChild(Child):
    """A child forked from the pool's zygote once the inputs are in place."""

    def __init__(self, pool: Pool, submission: Path, output_kb: int):
        super().__init__(submission, output_kb)
        self.pool, self.request_id = pool, None

    def _go(self) -> None:
        self.request_id = self.pool.request(self.folder, self.output_bytes)
        self.started = time.monotonic()

    def _pid(self) -> int | None:
        with self.pool.lock:
            return self.pool.pids.get(self.request_id)

    def _exit_code(self) -> int | None:
        with self.pool.lock:
            code = self.pool.exits.get(self.request_id)
        if code is None and not self.pool.alive():
            return -signal.SIGKILL
        return code

    def _kill(self) -> None:
        pid = self._pid()
        if pid is not None and self._exit_code() is None:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self._wait_exit(5.0)
        with self.pool.lock:
            self.pool.pids.pop(self.request_id, None)
            self.pool.exits.pop(self.request_id, None)

    def abandon(self) -> None:
        """Nothing to stop: a warm child is forked only when it is asked to run."""
