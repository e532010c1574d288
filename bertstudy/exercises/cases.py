"""Making a case's inputs from its YAML description, seeded so every run sees the same tensors.

A value is a literal or one of the makers in docs/content-format.md (randn, rand, randint, mask,
values, generator). A generator travels as `protocol.generator(seed)` and becomes a fresh
torch.Generator on each side for each call. Leaves out: property-based shrinking.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bertstudy.content.schema import Case
from bertstudy.exercises import protocol

if TYPE_CHECKING:
    import torch

MAKERS = ("randn", "rand", "randint", "mask", "values", "generator")
DTYPES = ("float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool")  # torch's names


def tensor_spec(value: Any) -> str | None:
    """The maker named in `value`, or None when it is a literal."""
    if isinstance(value, dict):
        makers = [m for m in MAKERS if m in value]
        return makers[0] if len(makers) == 1 else None
    return None


def build_args(case: Case) -> dict[str, Any]:
    import torch  # here, so that checking a case's schema needs no torch

    generator = torch.Generator().manual_seed(case.seed)
    return {name: _make(value, generator) for name, value in case.args.items()}


def _make(value: Any, gen: torch.Generator) -> Any:
    import torch

    maker = tensor_spec(value)
    if maker is None:
        if isinstance(value, list):
            return [_make(v, gen) for v in value]
        return value
    if maker == "generator":
        return protocol.generator(int(value["generator"]))
    dtype = getattr(torch, value.get("dtype", "int64" if maker == "randint" else "bool" if maker == "mask" else "float32"))
    if maker == "values":
        return torch.tensor(value["values"], dtype=dtype)
    shape = list(value[maker])
    if maker == "randn":
        return (torch.randn(shape, generator=gen, dtype=torch.float64) * value.get("scale", 1.0)).to(dtype)
    if maker == "rand":
        return torch.rand(shape, generator=gen, dtype=torch.float64).to(dtype)
    if maker == "randint":
        return torch.randint(value.get("low", 0), value["high"], shape, generator=gen, dtype=dtype)
    mask = torch.rand(shape, generator=gen) < value.get("p", 0.7)
    keep = torch.randint(0, shape[-1], shape[:-1], generator=gen)  # one key per row always survives
    mask.scatter_(-1, keep.unsqueeze(-1), True)
    return mask


def problems(case_args: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """Schema problems in a case's tensor makers, for `content check`."""
    out = []
    for name, value in case_args.items():
        maker = tensor_spec(value)
        if isinstance(value, dict) and maker is None and any(m in value for m in MAKERS):
            out.append(((name,), f"use exactly one of {', '.join(MAKERS)}"))
        if maker is None:
            continue
        dtype = value.get("dtype")
        if dtype is not None and dtype not in DTYPES:
            out.append(((name, "dtype"), f"unknown dtype '{dtype}'; use one of {', '.join(DTYPES)}"))
        if maker == "generator":
            if not isinstance(value["generator"], int):
                out.append(((name, "generator"), "must be a whole number (the seed)"))
            continue
        if maker != "values" and not (isinstance(value[maker], list) and all(isinstance(n, int) and n >= 0 for n in value[maker])):
            out.append(((name, maker), "must be a shape: a list of whole numbers"))
        if maker == "randint" and "high" not in value:
            out.append(((name,), "randint needs high (and optionally low)"))
    return out
