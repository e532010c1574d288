"""Whether a content pack's Python may run in bertstudy's own process.

Grading runs a pack's known mistakes (`mistakes/*.py`), its `properties.py` and a `reference:`
outside `bertstudy.reference` in the trusted parent, with the user's full rights: a pack is a
program. The built-in pack is trusted; any other pack whose Python would run there is trusted only
once the user says so (`bertstudy content trust DIR`, kept in bertstudy's home, or `--trust` for one
command), for its resolved path and a digest of everything that decides what runs: every file of
`exercises/` but the `exercise.yaml` documents, every Python file elsewhere in the pack, and each
exercise's `reference:` and its mistakes' patches. A changed pack is untrusted again. A pack none
of whose Python runs in the parent needs no trust. Leaves out: the learner's submission and a
pack's solution and starter, which run only in the grader's sandbox.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from bertstudy import paths
from bertstudy.content.pack import Pack
from bertstudy.content.schema import Exercise
from bertstudy.errors import StoreError, UsageError

TRUSTED_REFERENCES = "bertstudy.reference"
_granted: set[Path] = set()  # packs whose Python may run in this process


def would_run(pack: Pack) -> list[str]:
    """What of the pack's own code grading would run in bertstudy's process, one line each."""
    out = []
    for ex in sorted(pack.exercises.values(), key=lambda e: e.id):
        if not own_reference(ex.reference):
            out.append(f"exercises/{ex.id}/exercise.yaml: reference {ex.reference}")
        if ex.stochastic and (ex.folder / "properties.py").is_file():
            out.append(f"exercises/{ex.id}/properties.py")
        out += [f"exercises/{ex.id}/exercise.yaml: {ex.mistake_name(m)}" if m.patch else f"exercises/{ex.id}/{ex.mistake_name(m)}"
                for m in ex.mistakes if m.patch or ex.mistake_path(m).is_file()]
    return out


def digest(pack: Pack) -> str:
    """A hash of everything in the pack that decides what runs."""
    sha = hashlib.sha256()
    for name, path in _code_files(pack.root):
        sha.update(f"{name}\0".encode())
        sha.update(hashlib.sha256(path.read_bytes()).digest())
    for ex in sorted(pack.exercises.values(), key=lambda e: e.id):
        sha.update(f"reference {ex.id} {ex.reference}\0".encode())
        for m in ex.mistakes:
            sha.update(f"patch {ex.id} {m.id} {[(e.replace, e.by) for e in m.patch]!r}\0".encode())
    return sha.hexdigest()


def state(pack: Pack) -> str:
    """'built-in', 'no code' (nothing would run), 'trusted', 'changed' (trusted in another form) or 'untrusted'."""
    if is_builtin(pack.root):
        return "built-in"
    if not would_run(pack):
        return "no code"
    recorded = _records().get(_key(pack.root))
    if recorded is None:
        return "untrusted"
    return "trusted" if recorded["digest"] == digest(pack) else "changed"


def require(pack: Pack, once: bool = False) -> None:
    """Allow the pack's Python to run in this process, or say in one line how to trust it."""
    current = "trusted" if once else state(pack)
    if current in ("changed", "untrusted"):
        files = would_run(pack)
        what = "changed since you trusted it" if current == "changed" else "is not trusted"
        raise UsageError(
            f"the content pack {pack.root} {what}: grading runs its Python with your rights ({len(files)} item(s), "
            f"e.g. {files[0]}); read it, then run `bertstudy content trust {pack.root}` (or add --trust to run it once)")
    _granted.add(_key(pack.root))


def check_allowed(exercise: Exercise, reference: str | None = None) -> None:
    """Before running a file of `exercise`'s pack (or its `reference`, when given): refuse unless
    the pack is built-in or require() allowed it. bertstudy.reference is bertstudy's own code."""
    if reference is not None and own_reference(reference):
        return
    root = exercise.folder.parent.parent
    if not is_builtin(root) and _key(root) not in _granted:
        raise UsageError(f"the content pack {root} is not trusted; run `bertstudy content trust {root}` first")


def trust(pack: Pack) -> str:
    """Record the pack as trusted in its present form; returns the digest."""
    value = digest(pack)
    records = _records()
    records[_key(pack.root)] = {"digest": value, "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    _save(records)
    return value


def revoke(root: Path) -> bool:
    """Forget a pack's trust; False when it was not trusted."""
    records = _records()
    if records.pop(_key(root), None) is None:
        return False
    _save(records)
    return True


def trusted_packs() -> dict[str, dict[str, str]]:
    """{resolved path: {digest, at}} of every pack trusted so far."""
    return {str(k): v for k, v in _records().items()}


def _code_files(root: Path) -> list[tuple[str, Path]]:
    """(relative name, path) of every file of exercises/ but exercise.yaml, and of every Python
    file elsewhere; hidden folders and __pycache__ are skipped."""
    found, seen = [], set()
    for folder, dirs, files in os.walk(root, followlinks=True):  # a linked folder's files count too
        real = os.path.realpath(folder)
        if real in seen:  # a link back up the tree: once is enough
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
        relative = Path(folder).relative_to(root)
        in_exercises = relative.parts[:1] == ("exercises",)
        for name in files:
            if name.endswith(".py") or (in_exercises and name != "exercise.yaml"):
                found.append(((relative / name).as_posix(), Path(folder, name)))
    return sorted(found)


def is_builtin(root: Path) -> bool:
    return _key(root) == _key(paths.builtin_pack())


def own_reference(spec: str) -> bool:
    """Whether a `reference:` names bertstudy's own code (bertstudy.reference), not the pack's."""
    module = spec.partition(":")[0]
    return module == TRUSTED_REFERENCES or module.startswith(TRUSTED_REFERENCES + ".")


def _key(root: Path) -> Path:
    return Path(os.path.realpath(root))


def _file() -> Path:
    return paths.trusted_packs_file()


def _records() -> dict:
    try:
        data = json.loads(_file().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read {_file()} ({exc}); move it aside and trust your packs again") from None
    packs = data.get("packs") if isinstance(data, dict) else None
    if not isinstance(packs, dict) or not all(isinstance(v, dict) and "digest" in v for v in packs.values()):
        raise StoreError(f"{_file()} is not a list of trusted packs; move it aside and trust your packs again")
    return {Path(k): v for k, v in packs.items()}


def _save(records: dict) -> None:
    path = _file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps({"packs": {str(k): v for k, v in sorted(records.items())}}, indent=1), encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}; make {path.parent} writable or set BERTSTUDY_HOME") from None
