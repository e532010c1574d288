"""BatchNorm vs LayerNorm on one batch, and how residual connections keep gradients alive in depth."""

from __future__ import annotations

import math
from typing import Any

import torch

from bertstudy import console
from bertstudy.demos import Words, draw
from bertstudy.demos.live import one_thread
from bertstudy.reference.basics import batch_norm, layer_norm

SCALES = torch.tensor([0.5, 1.0, 2.0, 5.0, 10.0, 50.0], dtype=torch.float64)  # per-feature std of the raw batch
OFFSETS = torch.tensor([-3.0, 0.0, 4.0, 10.0, -20.0, 100.0], dtype=torch.float64)  # per-feature mean
BATCH, WIDTH = 8, 64
VARIANTS = ("plain", "residual", "pre_ln")


def raw_batch(gen: torch.Generator, n: int) -> torch.Tensor:
    """(n, 6): features with the scales and offsets above."""
    return torch.randn(n, len(SCALES), generator=gen, dtype=torch.float64) * SCALES + OFFSETS


def normalise(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """BatchNorm and LayerNorm of x (N, d) with weight 1 and bias 0."""
    ones, zeros = torch.ones(x.shape[1], dtype=x.dtype), torch.zeros(x.shape[1], dtype=x.dtype)
    return batch_norm(x, ones, zeros), layer_norm(x, ones, zeros)


def statistics(y: torch.Tensor) -> dict[str, list[float]]:
    """Mean and (biased) standard deviation per feature (over the batch) and per example (over features)."""
    return {"feature_mean": y.mean(dim=0).tolist(), "feature_std": y.std(dim=0, unbiased=False).tolist(),
            "example_mean": y.mean(dim=1).tolist(), "example_std": y.std(dim=1, unbiased=False).tolist()}


def gradient_norms(depth: int, variant: str, gen: torch.Generator) -> list[float]:
    """‖∂loss/∂W_l‖ for l = 1..depth of a sigmoid MLP, for one batch and a regression loss."""
    weights = [(torch.randn(WIDTH, WIDTH, generator=gen, dtype=torch.float64) / math.sqrt(WIDTH)).requires_grad_(True)
               for _ in range(depth)]  # each (WIDTH, WIDTH), std 1/√width
    h = torch.randn(64, WIDTH, generator=gen, dtype=torch.float64)  # (N, WIDTH): the input
    target = torch.randn(64, WIDTH, generator=gen, dtype=torch.float64)
    ones, zeros = torch.ones(WIDTH, dtype=torch.float64), torch.zeros(WIDTH, dtype=torch.float64)
    for w in weights:
        branch_input = layer_norm(h, ones, zeros) if variant == "pre_ln" else h  # pre-LN: normalise the branch's input
        branch = torch.sigmoid(branch_input @ w.T)  # (N, WIDTH)
        h = branch if variant == "plain" else h + branch  # the identity path carries the gradient past the layer
    loss = ((h - target) ** 2).mean()
    return [g.norm().item() for g in torch.autograd.grad(loss, weights)]


def run(quick: bool = False) -> dict[str, Any]:
    gen = torch.Generator().manual_seed(0)
    x = raw_batch(gen, BATCH)  # (8, 6)
    bn, ln = normalise(x)
    other = torch.cat([x[:1], raw_batch(gen, BATCH - 1)])  # the same first example, new companions
    bn_other, ln_other = normalise(other)
    depth = 12 if quick else 24
    with one_thread():
        norms = {variant: gradient_norms(depth, variant, torch.Generator().manual_seed(1)) for variant in VARIANTS}
    data = {
        "input": x.tolist(), "batch_norm": bn.tolist(), "layer_norm": ln.tolist(),
        "stats": {"input": statistics(x), "batch_norm": statistics(bn), "layer_norm": statistics(ln)},
        "other_batch_change": {"batch_norm": (bn_other[0] - bn[0]).abs().max().item(),
                               "layer_norm": (ln_other[0] - ln[0]).abs().max().item()},
        "depth": depth, "width": WIDTH, "layers": list(range(1, depth + 1)), "grad_norms": norms,
    }
    return data | {"findings": findings(data)}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    rows = [f"{words('example')} {i}" for i in range(len(data["input"]))]
    columns = [f"f{j}" for j in range(len(data["input"][0]))]
    heatmaps = [draw.Heatmap(words(title), data[key], rows, columns)
                for title, key in (("input", "input"), ("bn", "batch_norm"), ("ln", "layer_norm"))]
    return heatmaps + [draw.Lines(words("grads"), [float(layer) for layer in data["layers"]],
                                  {words(v): data["grad_norms"][v] for v in VARIANTS},
                                  x_label=words("layer"), y_label=words("norm"), log_y=True)]


def show(data: dict[str, Any], words: Words) -> None:
    out = console.out()
    *heatmaps, grads = figures(data, words)
    draw.show(*heatmaps)
    table = draw.table(words("smallest_largest"), ["", words("raw"), "BatchNorm", "LayerNorm"], "right")
    for key in ("feature_mean", "feature_std", "example_mean", "example_std"):
        axis, stat = key.split("_")
        values = [data["stats"][part][key] for part in ("input", "batch_norm", "layer_norm")]
        table.add_row(words(f"{stat}_of_each_{axis}"), *(f"{min(v):+.2f} … {max(v):+.2f}" for v in values))
    change = data["other_batch_change"]
    table.add_row(words("example_0_in_another"), "", f"{change['batch_norm']:.3f}", f"{change['layer_norm']:.3f}")
    out.print(table)
    out.print()
    draw.show(grads)


def findings(data: dict[str, Any]) -> list[list]:
    norms = data["grad_norms"]
    ratios = {v: norms[v][0] / norms[v][-1] for v in VARIANTS}
    return [["batch_vs_layer", {}], ["gradients_by_depth", {"depth": data["depth"], "width": data["width"], **ratios}]]
