"""Comparing a submission's outputs with the reference's, with messages that teach.

Structure first (a tuple where a tuple is due), then shape and dtype, then values with
`torch.testing.assert_close`'s dtype-aware tolerances (overridable per exercise).
"""

from __future__ import annotations

from typing import Any

import torch

from bertstudy.exercises.protocol import UNSUPPORTED

DEFAULT_TOLERANCE = {  # torch.testing.assert_close's defaults
    torch.float16: (1e-3, 1e-5), torch.bfloat16: (1.6e-2, 1e-5),
    torch.float32: (1.3e-6, 1e-5), torch.float64: (1e-7, 1e-7),
}


def describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"tensor {tuple(value.shape)} {str(value.dtype).removeprefix('torch.')}"
    if isinstance(value, (tuple, list)):
        return f"{type(value).__name__} of {len(value)}"
    if isinstance(value, dict) and UNSUPPORTED in value:
        return f"a {value[UNSUPPORTED]} object"
    return f"{type(value).__name__} {value!r}"[:80]


def difference(expected: Any, got: Any, tolerance: dict[str, dict[str, float]], where: str = "output",
               values: bool = True) -> str | None:
    """None when `got` matches `expected`, else one or two sentences saying how it differs.
    With values=False only the structure, shapes and dtypes must match (stochastic exercises)."""
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"{where} should be a {describe(expected)}, got {describe(got)}"
        if got.shape != expected.shape:
            return f"{where} has shape {tuple(got.shape)}, expected {tuple(expected.shape)}"
        if got.dtype != expected.dtype:
            return f"{where} has dtype {str(got.dtype).removeprefix('torch.')}, expected {str(expected.dtype).removeprefix('torch.')}"
        return _values(expected, got, tolerance, where) if values else None
    if isinstance(expected, (tuple, list)):
        if _short_plain(expected) and isinstance(got, (tuple, list)) and _short_plain(got):
            return None if list(got) == list(expected) else f"{where} should be {list(expected)!r}, got {list(got)!r}"
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"{where} should be a {describe(expected)}, got {describe(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            problem = difference(e, g, tolerance, f"{where}[{i}]", values)
            if problem:
                return problem
        return None
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            return f"{where} should be a dict with keys {sorted(expected)}, got {describe(got)}"
        for key in expected:
            problem = difference(expected[key], got[key], tolerance, f"{where}[{key!r}]", values)
            if problem:
                return problem
        return None
    if not values:
        return None if type(got) is type(expected) else f"{where} should be a {describe(expected)}, got {describe(got)}"
    if isinstance(expected, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        if abs(expected - got) <= 1e-6 + 1e-6 * abs(expected):
            return None
    elif type(got) is type(expected) and got == expected:
        return None
    return f"{where} should be {expected!r}, got {describe(got)}"[:300]


def _short_plain(value: Any) -> bool:
    """A short list of strings and numbers, best shown whole."""
    return all(isinstance(v, (str, int, float, bool)) for v in value) and len(repr(value)) <= 240


def _values(expected: torch.Tensor, got: torch.Tensor, tolerance: dict[str, dict[str, float]], where: str) -> str | None:
    if not expected.is_floating_point():
        bad = got != expected
        if not bad.any():
            return None
        index = tuple(int(i) for i in bad.nonzero()[0])
        return f"{where} differs at {int(bad.sum())} of {bad.numel()} elements; first at index {index}: expected {expected[index].item()}, got {got[index].item()}"
    rtol, atol = DEFAULT_TOLERANCE.get(expected.dtype, (1e-5, 1e-8))
    override = tolerance.get(str(expected.dtype).removeprefix("torch."), {})
    rtol, atol = override.get("rtol", rtol), override.get("atol", atol)
    if torch.isnan(got).any() and not torch.isnan(expected).any():
        index = tuple(int(i) for i in torch.isnan(got).nonzero()[0])
        return f"{where} contains NaN (first at index {index}); look for 0/0, inf - inf or log(0)"
    ok = torch.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if ok.all():
        return None
    diff = (got - expected).abs().nan_to_num(float("inf"))
    flat = int(diff.argmax())
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), expected.shape)) if expected.dim() else ()
    return (
        f"{where} differs at {int((~ok).sum())} of {ok.numel()} elements; largest difference "
        f"{diff.max().item():.3g} at index {index}: expected {expected[index].item():.6g}, got {got[index].item():.6g} "
        f"(tolerance atol={atol:g}, rtol={rtol:g})"
    )
