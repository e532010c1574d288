"""`bertstudy doctor`: is everything in place? Versions, torch, content, the progress store."""

from __future__ import annotations

import platform
import sys
from typing import Any

import typer

from bertstudy import console
from bertstudy.cli import context
from bertstudy.errors import BertstudyError


def doctor(json_out: context.JsonOption = False) -> None:
    """Check the installation: Python and package versions, torch, the content pack, the store.

    Example: `bertstudy doctor`
    """
    from importlib import metadata

    checks: list[dict[str, Any]] = [{"name": "python", "ok": sys.version_info >= (3, 11), "detail": platform.python_version()}]
    for package in ("bertstudy", "typer", "rich", "pyyaml", "platformdirs", "fsrs", "numpy"):
        try:
            checks.append({"name": package, "ok": True, "detail": metadata.version(package)})
        except metadata.PackageNotFoundError:
            checks.append({"name": package, "ok": False, "detail": "not installed"})
    checks.append(_torch())
    checks.append(_run("content", lambda: f"{context.pack().name}: {len(context.pack().topics)} topics"))
    checks.append(_run("progress store", _store_writable))
    ok = all(c["ok"] for c in checks)
    if json_out:
        console.emit_json({"ok": ok, "checks": checks})
    else:
        out = console.out()
        for c in checks:
            out.print(f"{'[ok]✓[/ok]' if c['ok'] else '[fail]✗[/fail]'} {c['name']:<15} [muted]{console.esc(c['detail'])}[/muted]", highlight=False)
    if not ok:
        raise typer.Exit(1)


def _torch() -> dict[str, Any]:
    try:
        import torch
    except ImportError as exc:
        return {"name": "torch", "ok": False, "detail": f"cannot import: {exc}"}
    threads = torch.get_num_threads()
    return {"name": "torch", "ok": True, "detail": f"{torch.__version__}, {threads} threads, CUDA {'yes' if torch.cuda.is_available() else 'no'}"}


def _store_writable() -> str:
    store = context.store()
    store.set("doctor_check", "ok")
    if store.get("doctor_check") != "ok":
        raise BertstudyError("the store did not keep a value")
    return str(store.path)


def _run(name: str, probe) -> dict[str, Any]:
    try:
        return {"name": name, "ok": True, "detail": probe()}
    except BertstudyError as exc:
        return {"name": name, "ok": False, "detail": str(exc)}
