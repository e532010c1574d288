"""The torch side of grading: reference outputs and gradients, comparing what the child returned,
and naming the known mistake a submission reproduces. Imported only once the child is started,
so the child's torch import and the parent's overlap.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Callable

import torch

from bertstudy import paths
from bertstudy.content import trust
from bertstudy.content.schema import Exercise
from bertstudy.errors import ContentError
from bertstudy.exercises import cases as case_maker
from bertstudy.exercises import protocol, static
from bertstudy.exercises.compare import difference
from bertstudy.exercises.protocol import MODULE, unplain
from bertstudy.exercises.sandbox import Child
from bertstudy.exercises.verdict import DETERMINISTIC, NOT_RUN, Test, Verdict, test_names


def pack_module(exercise: Exercise, file: Path, source: str | None = None) -> dict[str, Any]:
    """The namespace of a trusted Python file of the pack (a known mistake, properties.py), or of
    `source` given as that file's text (a mistake made by a patch). Compiled by hand so no
    __pycache__ lands in the pack."""
    trust.check_allowed(exercise)
    namespace: dict[str, Any] = {"__name__": f"_bertstudy_{exercise.id}_{file.stem}", "__file__": str(file)}
    text = file.read_text(encoding="utf-8") if source is None else source
    exec(compile(text, str(file), "exec"), namespace)
    return namespace


def load_callable(exercise: Exercise, spec: str | None = None, file: Path | None = None,
                  source: str | None = None) -> Callable[..., Any]:
    """The reference (`module:name`) or a known mistake's file (or its text, as `source`)."""
    if file is not None:
        return pack_module(exercise, file, source)[exercise.entry]
    spec = spec or exercise.reference
    trust.check_allowed(exercise, spec)
    module_name, _, name = spec.partition(":")
    try:
        return getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError):
        raise ContentError(exercise.file, None, "reference", f"cannot import {spec}") from None


def module_state(reference: Callable[..., Any], init: dict[str, Any], seed: int) -> dict[str, torch.Tensor]:
    """The weights of a module case: the reference's own initialisation (seeded), each floating
    tensor then moved by seeded noise so that no weight sits at a default a bug could hide behind
    (LayerNorm's ones and zeros, zero biases)."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        module = reference(**init)
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for name, value in module.state_dict().items():
        if value.is_floating_point():
            value = value + 0.1 * torch.randn(value.shape, generator=gen, dtype=torch.float64).to(value.dtype)
        state[name] = value.detach().clone()
    return state


def _run_reference(fn: Callable[..., Any], args: dict[str, Any], cotangent_seed: int, differentiable: bool):
    """Outputs (and gradients, with the cotangents used) of a trusted implementation."""
    inputs = protocol.fresh(protocol.call_args(args), differentiable)
    call, parameters = protocol.bind(fn, args.get(MODULE), differentiable)
    with torch.enable_grad() if differentiable else torch.no_grad():
        output = call(**inputs)
    if not differentiable:
        return output, None, None
    outs = [t for t in protocol.tensors(output) if t.is_floating_point() and t.requires_grad]
    gen = torch.Generator().manual_seed(cotangent_seed)
    cotangents = [torch.randn(o.shape, generator=gen, dtype=torch.float64).to(o.dtype) for o in outs]
    leaves = {k: v for k, v in inputs.items() if isinstance(v, torch.Tensor) and v.requires_grad} | parameters
    loss = sum((o * c).sum() for o, c in zip(outs, cotangents))  # vector-Jacobian products, as the child does
    grads = torch.autograd.grad(loss, list(leaves.values()), allow_unused=True)
    grad_map = {k: (g.detach() if g is not None else torch.zeros_like(v)) for (k, v), g in zip(leaves.items(), grads)}
    return _detach(output), grad_map, cotangents


def reference_outputs(fn: Callable[..., Any], args: dict[str, Any]) -> Any:
    """What a trusted implementation returns on `args` (no gradients)."""
    return _run_reference(fn, args, 0, False)[0]


def _detach(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach()
    if isinstance(value, (list, tuple)):
        return type(value)(_detach(v) for v in value)
    return value


def _shapes(args: dict[str, Any]) -> str:
    parts = []
    for k, v in args.items():
        if k == MODULE:
            parts.append(", ".join(f"{name}={value!r}" for name, value in v["init"].items()))
        elif protocol.is_generator(v):
            parts.append(f"{k} (seed {v[protocol.GENERATOR]})")
        elif isinstance(v, torch.Tensor):
            parts.append(f"{k} {tuple(v.shape)}{'' if v.dtype == torch.float32 else ' ' + str(v.dtype).removeprefix('torch.')}")
        else:
            parts.append(f"{k}={v!r}"[:40])
    return ", ".join(parts)


def run(exercise: Exercise, submission: Path, child: Child) -> Verdict:
    """Grade `submission` with `child` already started."""
    names = test_names(exercise)
    source = submission.read_text(encoding="utf-8", errors="replace")
    problems = static.scan(source, exercise.forbidden)
    reference = load_callable(exercise)
    prepared = []
    for i, case in enumerate(exercise.cases):
        args = case_maker.build_args(case)
        if exercise.module:
            args[MODULE] = {"init": case.init, "state": module_state(reference, case.init, case.seed)}
        output, grads, cotangents = _run_reference(reference, args, 1000 + i, exercise.differentiable)
        prepared.append({"args": args, "expected": output, "grads": grads, "cotangents": cotangents})
    settings = {
        "entry": exercise.entry, "module": exercise.module, "forbidden": exercise.forbidden, "differentiable": exercise.differentiable,
        "seconds": exercise.limits.seconds, "memory_mb": exercise.limits.memory_mb,
        "protected": [str(paths.PACKAGE_DIR), str(exercise.folder.parent), str(paths.home())],
        "repeat": exercise.stochastic,
    }
    properties = pack_module(exercise, exercise.folder / "properties.py") if exercise.stochastic else None
    if problems:
        child.abandon()
        tests = [Test(names[0], "failed", "; ".join(problems))] + [Test(n, "failed", NOT_RUN) for n in names[1:]]
        return Verdict(exercise.id, tests)
    payload = [{"args": p["args"], "cotangents": p["cotangents"]} for p in prepared]
    run = child.run(payload, settings, exercise.limits.seconds)
    tests = [Test(names[0], "passed")]
    result = run.result or {}
    failure = run.failure or result.get("refused")
    load_error = result.get("load_error")
    if failure or load_error:
        message = failure or f"{load_error['type']}: {load_error['message']}{load_error['where']}"
        tests.append(Test(names[1], "error", message))
        tests += [Test(n, "failed", NOT_RUN) for n in names[2:]]
        return Verdict(exercise.id, tests, stdout=run.stdout)
    tests.append(Test(names[1], "passed"))
    outcomes = result.get("cases", [])
    case_tests, grad_tests, outputs, pure, same_seed = [], [], [], [], []
    for case, spec, got in zip(exercise.cases, prepared, outcomes):
        shapes = _shapes(spec["args"])
        if "error" in got or "refused" in got:
            message = got.get("refused") or f"{got['error']['type']}: {got['error']['message']}{got['error']['where']}"
            case_tests.append(Test(f"case: {case.name}", "error", f"with {shapes}: {message}"))
            grad_tests.append(Test(f"gradients: {case.name}", "failed", NOT_RUN))
            outputs.append(None)
            continue
        output = unplain(got["output"])
        outputs.append(output)
        problem = difference(spec["expected"], output, exercise.tolerance, values=properties is None)
        if problem is None and properties is not None:
            problem = properties["check"](spec["args"], output)
            if problem is None and difference(output, unplain(got["output_again"]), {}) is not None:
                same_seed.append(f"case '{case.name}': two calls with equal seeds gave different results; draw every random number from `generator`")
        case_tests.append(Test(f"case: {case.name}", "failed" if problem else "passed", f"with {shapes}: {problem}" if problem else ""))
        plain_args = {k: v for k, v in protocol.call_args(spec["args"]).items() if not protocol.is_generator(v)}
        pure.append(difference(plain_args, unplain(got["args_after"]), {}, "inputs") is None)
        if exercise.differentiable:
            grad_tests.append(_grad_test(case.name, spec["grads"], got.get("grads"), exercise.tolerance, problem is None))
    tests += case_tests + (grad_tests if exercise.differentiable else [])
    if properties is not None:
        finished = len(pure) == len(exercise.cases)
        tests.append(Test(DETERMINISTIC, "failed" if same_seed or not finished else "passed",
                          "; ".join(same_seed) if same_seed else "" if finished else NOT_RUN))
    if not pure:
        tests.append(Test(names[-1], "failed", NOT_RUN))
    elif all(pure):
        tests.append(Test(names[-1], "passed"))
    else:
        tests.append(Test(names[-1], "failed", "your function changed its inputs in place; work on new tensors (avoid x.add_(), x[...] = ..., masked_fill_)"))
    verdict = Verdict(exercise.id, tests, stdout=run.stdout)
    if not verdict.passed:
        verdict.diagnosis = diagnose(exercise, prepared, outputs, properties)
    return verdict


def _grad_test(name: str, expected: dict[str, torch.Tensor], got: Any, tolerance: dict, forward_ok: bool) -> Test:
    label = f"gradients: {name}"
    if not isinstance(got, dict) or protocol.MISSING in got or protocol.ERROR in got:
        reason = (got or {}).get(protocol.MISSING) if isinstance(got, dict) else None
        if isinstance(got, dict) and protocol.ERROR in got:
            error = got[protocol.ERROR]
            reason = f"backward failed: {error['type']}: {error['message']}"
        return Test(label, "failed", reason or "no gradients came back")
    for key, grad in expected.items():
        mine = got.get(key)
        if mine is None:
            mine = torch.zeros_like(grad)
        problem = difference(grad, mine, tolerance, f"d loss / d {key}")
        if problem:
            return Test(label, "failed", problem + _gradient_advice(key, grad, mine, forward_ok))
    return Test(label, "passed")


def _gradient_advice(key: str, expected: torch.Tensor, got: torch.Tensor, forward_ok: bool) -> str:
    """Why a gradient differs, when its shape says so: one that must be zero is not (a frozen input
    was not detached), or one that must flow does not (the graph was cut)."""
    if not expected.any():
        return f" (a gradient reached {key}, which must get none: it is frozen, so use {key}.detach())"
    if forward_ok and not got.any():
        return (f" (no gradient reached {key} although the forward pass matches: look for .detach(), .item(),"
                " integer casts or in-place ops that cut the graph)")
    return " (the forward pass matches, so the difference is in how the loss depends on this input)" if forward_ok else ""


def diagnose(exercise: Exercise, prepared: list[dict[str, Any]], outputs: list[Any],
             properties: dict[str, Any] | None = None) -> dict[str, str] | None:
    """The known mistake the submission reproduces on every case it finished (the same outputs,
    or for a stochastic exercise the same statistical signature), provided those cases tell the
    mistake apart from the reference: a submission that crashed on the telling cases gets none."""
    finished = [(p, o) for p, o in zip(prepared, outputs) if o is not None]
    if not finished:
        return None
    for mistake in exercise.mistakes:
        fn = load_callable(exercise, file=exercise.mistake_path(mistake), source=exercise.mistake_source(mistake))
        try:
            theirs = [reference_outputs(fn, spec["args"]) for spec, _ in finished]
        except Exception:
            continue
        agree = [_alike(exercise, properties, spec, wrong, output) for (spec, output), wrong in zip(finished, theirs)]
        telling = [not _alike(exercise, properties, spec, wrong, spec["expected"]) for (spec, _), wrong in zip(finished, theirs)]
        if all(agree) and any(telling):
            return {"id": mistake.id, "en": mistake.diagnosis.en, "zh": mistake.diagnosis.zh}
    return None


def _alike(exercise: Exercise, properties: dict[str, Any] | None, spec: dict[str, Any], a: Any, b: Any) -> bool:
    """Equal within tolerance, or for a stochastic exercise of the same signature."""
    try:
        if properties is None:
            return difference(a, b, exercise.tolerance) is None
        return properties["same"](properties["signature"](spec["args"], a), properties["signature"](spec["args"], b))
    except Exception:
        return False
