"""The grader's child: runs one learner submission on inputs it is given, and returns its outputs.

Run by path in a fresh interpreter (`python -I child.py`), never imported: it must not import
bertstudy, and once torch is loaded it installs an audit hook (which cannot be removed) that
refuses to import bertstudy, to open files of bertstudy or of the learner's progress store, to
start processes and to open network connections. It never sees expected values: the parent
compares and decides. Protocol: the parent passes a status pipe's fd as argv[1]; the child writes
b"R" there once torch is loaded, reads one JSON line of settings on stdin, loads `inputs.pt` from
its working directory, runs every case and saves `result.pt`.
"""

import io
import json
import os
import resource
import sys
import traceback

STATUS_FD = int(sys.argv[1])
os.write(STATUS_FD, b"S")  # started

import torch  # noqa: E402  (after the start signal, so the parent can tell a slow import from a hang)

BLOCKED_EVENTS = {
    "subprocess.Popen": "start processes",
    "os.system": "start processes",
    "os.exec": "start processes",
    "os.posix_spawn": "start processes",
    "os.spawn": "start processes",
    "os.fork": "start processes",
    "os.forkpty": "start processes",
    "pty.spawn": "start processes",
    "socket.connect": "use the network",
    "socket.bind": "use the network",
    "socket.getaddrinfo": "use the network",
    "ctypes.dlopen": "load native libraries",
}


class Refused(Exception):
    """The grader's sandbox refused an operation."""


def install_guard(protected: list) -> None:
    protected = [os.path.realpath(p) + os.sep for p in protected]

    def hook(event, args):
        if event == "import":
            name = args[0] or ""
            if name == "bertstudy" or name.startswith("bertstudy."):
                raise Refused("a submission may not import bertstudy (the answer key)")
        elif event == "open":
            path = args[0]
            if isinstance(path, bytes):
                path = os.fsdecode(path)
            if isinstance(path, str):
                full = os.path.realpath(path) + os.sep
                if any(full.startswith(p) for p in protected):
                    raise Refused(f"a submission may not open {path}")
        elif event in BLOCKED_EVENTS:
            raise Refused(f"a submission may not {BLOCKED_EVENTS[event]} ({event})")

    sys.addaudithook(hook)


def forbid(names: list) -> None:
    """Replace each forbidden callable with one that refuses to run."""
    for dotted in names:
        owner_path, _, attr = dotted.rpartition(".")
        owner = torch if owner_path == "torch" else None
        try:
            parts = owner_path.split(".")
            owner = __import__(parts[0])
            for part in parts[1:]:
                owner = getattr(owner, part)
            getattr(owner, attr)
        except (ImportError, AttributeError):
            continue

        def refuse(*args, _name=dotted, **kwargs):
            raise Refused(f"{_name} is not allowed in this exercise; write it yourself")

        setattr(owner, attr, refuse)


def clone(value, requires_grad=False):
    if isinstance(value, torch.Tensor):
        out = value.clone()
        if requires_grad and out.is_floating_point():
            out.requires_grad_(True)
        return out
    if isinstance(value, (list, tuple)):
        return type(value)(clone(v, requires_grad) for v in value)
    if isinstance(value, dict):
        return {k: clone(v, requires_grad) for k, v in value.items()}
    return value


def plain(value):
    """Outputs as the parent can load them safely: tensors, numbers, strings, lists, dicts."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, (list, tuple)):
        return {"__seq__": type(value).__name__, "items": [plain(v) for v in value]}
    if isinstance(value, dict):
        return {"__map__": [[plain(k), plain(v)] for k, v in value.items()]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {"__unsupported__": type(value).__name__}


def flat_tensors(value):
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in flat_tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in flat_tensors(v)]
    return []


def error_record(exc):
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith("submission.py")]
    where = f" (line {frames[-1].lineno}: {frames[-1].line})" if frames else ""
    return {"type": type(exc).__name__, "message": str(exc)[:2000], "where": where}


def run_case(fn, case, differentiable):
    args = clone(case["args"], requires_grad=differentiable)
    kwargs = dict(args)
    record = {}
    try:
        with torch.enable_grad() if differentiable else torch.no_grad():
            output = fn(**kwargs)
    except Refused as exc:
        return {"refused": str(exc)}
    except Exception as exc:  # the learner's bug: report it, keep going
        return {"error": error_record(exc)}
    record["output"] = plain(output)
    record["args_after"] = plain({k: v for k, v in args.items()})
    if differentiable:
        leaves = [(k, v) for k, v in args.items() if isinstance(v, torch.Tensor) and v.requires_grad]
        outs = [t for t in flat_tensors(output) if t.is_floating_point() and t.requires_grad]
        cotangents = case.get("cotangents") or []
        if not outs or len(outs) != len(cotangents):
            record["grads"] = {"__missing__": "the output is not connected to the inputs' autograd graph"}
        else:
            try:
                pairs = [(o, c) for o, c in zip(outs, cotangents) if o.shape == c.shape]
                grads = torch.autograd.grad(
                    [o for o, _ in pairs], [v for _, v in leaves], [c for _, c in pairs], allow_unused=True
                )
                record["grads"] = {k: (g.detach() if g is not None else None) for (k, _), g in zip(leaves, grads)}
            except Exception as exc:
                record["grads"] = {"__error__": error_record(exc)}
    return record


def main():
    settings = json.loads(sys.stdin.readline())
    cases = torch.load("inputs.pt", weights_only=True)
    install_guard(settings["protected"])
    forbid(settings["forbidden"])
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime + settings["seconds"]) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    memory = settings["memory_mb"] * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ValueError, OSError):  # macOS does not support an address-space limit
        pass
    os.write(STATUS_FD, b"R")  # running learner code from here on
    result = {"cases": []}
    sys.path.insert(0, os.getcwd())
    try:
        module = __import__("submission")
        fn = getattr(module, settings["entry"], None)
        if not callable(fn):
            result["load_error"] = {"type": "AttributeError", "message": f"the file does not define a function `{settings['entry']}`", "where": ""}
    except Refused as exc:
        result["refused"] = str(exc)
        fn = None
    except BaseException as exc:  # SyntaxError, SystemExit at import, ...
        result["load_error"] = error_record(exc)
        fn = None
    if fn is not None and callable(fn):
        for case in cases:
            result["cases"].append(run_case(fn, case, settings["differentiable"]))
    buffer = io.BytesIO()
    torch.save(result, buffer)
    with open("result.pt", "wb") as f:
        f.write(buffer.getvalue())
    os.write(STATUS_FD, b"D")


if __name__ == "__main__":
    main()
