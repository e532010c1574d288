"""The grader's child: runs one learner submission on inputs it is given, and returns its outputs.

Run by path in a fresh interpreter (`python -I child.py ...`), never imported: it must not import
bertstudy. Before the learner's code runs it installs an audit hook (which cannot be removed) that
refuses to import bertstudy, to open bertstudy's files, the content pack, the progress store or
another submission's folder, to start or signal processes and to open network connections; on
Linux it also enters a network namespace of its own where the kernel allows. It never sees
expected values: the parent compares and decides.

Two ways to start it:
- `child.py cold`: one submission in the current folder; it imports torch at once (while the
  parent works) and starts when a line arrives on stdin.
- `child.py warm`: a zygote that imports torch once, then forks one child per folder named on
  stdin, reporting `{"id", "pid"}` when forked and `{"id", "exit"}` when reaped on stdout.
Either way the child works in its folder: it reads `settings.json` and `inputs.pt`, appends
markers to `.status` (S started, R running learner code, D done) and saves `result.pt`.
"""

import io
import json
import linecache
import os
import resource
import select
import sys
import tempfile
import traceback
import types

import torch


def _load_protocol():
    """protocol.py beside this file, by path: the child may not import bertstudy. Its lines are
    cached now, since a traceback through it must not open the file once the guard is on."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "protocol.py")
    with open(path, encoding="utf-8") as f:
        source = f.read()
    linecache.cache[path] = (len(source), None, source.splitlines(True), path)
    module = types.ModuleType("_grading_protocol")
    module.__file__ = path
    exec(compile(source, path, "exec"), module.__dict__)
    return module


protocol = _load_protocol()

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
    "os.kill": "signal processes",
    "os.killpg": "signal processes",
}


# audit events that change the file system, with the positions of their path arguments
CHANGES_FILES = {
    "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1), "os.link": (0, 1),
    "os.symlink": (1,), "os.truncate": (0,), "os.chmod": (0,), "os.chown": (0,), "os.utime": (0,),
    "shutil.rmtree": (0,), "shutil.copyfile": (1,), "shutil.copytree": (1,), "shutil.move": (0, 1),
}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _path(value):
    if isinstance(value, bytes):
        return os.fsdecode(value)
    return value if isinstance(value, str) else None


def _writes(mode, flags) -> bool:
    if isinstance(mode, str) and any(c in mode for c in "wax+"):
        return True
    return isinstance(flags, int) and bool(flags & WRITE_FLAGS)


class Refused(Exception):
    """The grader's sandbox refused an operation."""


def install_guard(protected: list, own_folder: str, refused_modules: set) -> None:
    protected = [os.path.realpath(p) + os.sep for p in protected]
    own = os.path.realpath(own_folder) + os.sep

    def outside(path) -> bool:
        return not (os.path.realpath(path) + os.sep).startswith(own) and path != os.devnull

    def hook(event, args):
        if event == "import":
            top = (args[0] or "").split(".")[0]
            if top == "bertstudy":
                raise Refused("a submission may not import bertstudy (the answer key)")
            if top in refused_modules:
                raise Refused(f"{top} is not allowed in this exercise; write it yourself")
        elif event == "open":
            path = _path(args[0])
            if path is None:
                return
            full = os.path.realpath(path) + os.sep
            if not full.startswith(own) and any(full.startswith(p) for p in protected):
                raise Refused(f"a submission may not open {path}")
            if _writes(args[1], args[2]) and outside(path):
                raise Refused(f"a submission may not write outside its own folder ({path})")
        elif event in CHANGES_FILES:
            for index in CHANGES_FILES[event]:
                path = _path(args[index]) if index < len(args) else None
                if path is not None and outside(path):
                    raise Refused(f"a submission may not change files outside its own folder ({event} {path})")
        elif event in BLOCKED_EVENTS:
            raise Refused(f"a submission may not {BLOCKED_EVENTS[event]} ({event})")

    sys.addaudithook(hook)


def forbid(names: list) -> set:
    """Replace each forbidden callable of an imported module (torch) with one that refuses to
    run; return the top-level modules to refuse outright (forbidden names of modules that are not
    imported, such as `transformers`: importing them just to patch them would cost seconds)."""
    refused = set()
    for dotted in names:
        top = dotted.split(".")[0]
        if top not in sys.modules:
            refused.add(top)
            continue
        owner_path, _, attr = dotted.rpartition(".")
        try:
            owner = sys.modules[top]
            for part in owner_path.split(".")[1:]:
                owner = getattr(owner, part)
            getattr(owner, attr)
        except AttributeError:
            continue

        def refuse(*args, _name=dotted, **kwargs):
            raise Refused(f"{_name} is not allowed in this exercise; write it yourself")

        setattr(owner, attr, refuse)
    return refused


def error_record(exc):
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith("submission.py")]
    where = f" (line {frames[-1].lineno}: {frames[-1].line})" if frames else ""
    return {"type": type(exc).__name__, "message": str(exc)[:2000], "where": where}


def run_case(fn, case, differentiable, repeat):
    construction = case["args"].get(protocol.MODULE)
    args = protocol.fresh(protocol.call_args(case["args"]), requires_grad=differentiable)
    record = {}
    try:
        call, parameters = protocol.bind(fn, construction, differentiable)
        with torch.enable_grad() if differentiable else torch.no_grad():
            output = call(**args)
            again = call(**protocol.fresh(protocol.call_args(case["args"]))) if repeat else None  # same seed: must give the same result
    except Refused as exc:
        return {"refused": str(exc)}
    except Exception as exc:  # the learner's bug: report it, keep going
        return {"error": error_record(exc)}
    record["output"] = protocol.plain(output)
    if repeat:
        record["output_again"] = protocol.plain(again)
    record["args_after"] = protocol.plain({k: v for k, v in args.items() if not isinstance(v, torch.Generator)})
    if differentiable:
        leaves = [(k, v) for k, v in args.items() if isinstance(v, torch.Tensor) and v.requires_grad] + list(parameters.items())
        outs = [t for t in protocol.tensors(output) if t.is_floating_point() and t.requires_grad]
        cotangents = case.get("cotangents") or []
        if not outs:
            record["grads"] = {protocol.MISSING: "the output is not connected to the inputs' autograd graph"}
        elif len(outs) != len(cotangents) or any(o.shape != c.shape for o, c in zip(outs, cotangents)):
            record["grads"] = {protocol.MISSING: "not compared: the outputs do not have the expected shapes"}
        else:
            try:
                # one scalar, sum(output * cotangent): the same vector-Jacobian products, without
                # passing grad_outputs (which makes torch import sympy, about 0.35 s)
                loss = sum((o * c).sum() for o, c in zip(outs, cotangents))
                grads = torch.autograd.grad(loss, [v for _, v in leaves], allow_unused=True)
                record["grads"] = {k: (g.detach() if g is not None else None) for (k, _), g in zip(leaves, grads)}
            except Exception as exc:
                record["grads"] = {protocol.ERROR: error_record(exc)}
    return record


def mark(status: bytes) -> None:
    with open(".status", "ab", buffering=0) as f:
        f.write(status)


def warm_up() -> None:
    """Pay torch's first-use costs (kernels, the autograd engine) before the learner's clock starts."""
    q = torch.randn(2, 3, 5, 8, requires_grad=True)
    k = torch.randn(2, 3, 7, 8, requires_grad=True)
    weights = torch.softmax(q @ k.transpose(-2, -1), dim=-1)
    torch.autograd.grad((weights * torch.randn_like(weights)).sum(), [q, k])


def isolate_network() -> bool:
    """On Linux, move into a new network namespace (no interfaces but a down loopback): as root
    directly, otherwise inside a user namespace where the kernel allows it. Elsewhere, or when
    refused, the audit hook's refusal of sockets is the only guard."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    new_net, new_user = 0x40000000, 0x10000000
    return libc.unshare(new_net) == 0 or libc.unshare(new_user | new_net) == 0


def grade_here() -> None:
    """Run the submission in the current folder (learner code runs only from here on)."""
    settings = json.loads(open("settings.json", encoding="utf-8").read())
    cases = torch.load("inputs.pt", weights_only=True)
    isolate_network()
    refused_modules = forbid(settings["forbidden"])
    install_guard(settings["protected"], os.getcwd(), refused_modules)
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime + settings["seconds"]) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    memory = settings["memory_mb"] * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ValueError, OSError):  # macOS does not support an address-space limit
        pass
    mark(b"R")
    result = {"cases": []}
    sys.path.insert(0, os.getcwd())
    fn = None
    try:
        module = __import__("submission")
        fn = getattr(module, settings["entry"], None)
        if not callable(fn):
            kind = "class" if settings.get("module") else "function"
            result["load_error"] = {"type": "AttributeError", "message": f"the file does not define a {kind} `{settings['entry']}`", "where": ""}
            fn = None
    except Refused as exc:
        result["refused"] = str(exc)
    except BaseException as exc:  # SyntaxError, SystemExit at import, ...
        result["load_error"] = error_record(exc)
    if fn is not None:
        for case in cases:
            result["cases"].append(run_case(fn, case, settings["differentiable"], settings["repeat"]))
    buffer = io.BytesIO()
    torch.save(result, buffer)
    with open("result.pt", "wb") as f:
        f.write(buffer.getvalue())
    mark(b"D")


def cold() -> None:
    mark(b"S")
    warm_up()
    sys.stdin.readline()  # the parent's go: inputs and settings are written
    grade_here()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # skip the interpreter's teardown; the parent has what it needs


def fork_child(folder: str, output_bytes: int) -> int:
    pid = os.fork()
    if pid:
        return pid
    try:  # the child: cut every tie to the zygote's pipes before any learner code
        os.setsid()
        os.chdir(folder)
        os.environ["HOME"] = os.environ["TMPDIR"] = folder
        tempfile.tempdir = None
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(os.open(".stdout", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 1)
        os.dup2(os.open(".stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
        resource.setrlimit(resource.RLIMIT_FSIZE, (output_bytes, output_bytes))
        mark(b"S")
        grade_here()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    except BaseException:
        traceback.print_exc()
        os._exit(70)


def zygote() -> None:
    torch.set_num_threads(1)  # no thread pool before fork(): a forked pool deadlocks
    warm_up()
    out = sys.stdout
    pending, buffer = {}, b""
    print(json.dumps({"ready": True}), file=out, flush=True)
    while True:
        ready, _, _ = select.select([0], [], [], 0.01)
        if ready:
            chunk = os.read(0, 65536)
            if not chunk:
                break
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                pid = fork_child(request["folder"], request["output_bytes"])
                pending[pid] = request["id"]
                print(json.dumps({"id": request["id"], "pid": pid}), file=out, flush=True)
        while pending:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if not pid:
                break
            print(json.dumps({"id": pending.pop(pid), "exit": os.waitstatus_to_exitcode(status)}), file=out, flush=True)


if __name__ == "__main__":
    cold() if sys.argv[1] == "cold" else zygote()
