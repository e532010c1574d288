"""BatchNorm vs LayerNorm on one batch, and how residual connections keep gradients alive in depth.

Part 1: a batch of 8 examples with 6 features on very different scales goes through BatchNorm
(each feature normalised over the batch) and LayerNorm (each example normalised over its own
features), both from bertstudy.reference.basics. The table of means and standard deviations shows
which axis each one fixes; a second batch that shares only its first example shows that BatchNorm's
output for an example depends on the rest of the batch and LayerNorm's does not.
Part 2: the gradient norm of every layer's weights in a deep MLP of sigmoid layers (the textbook
case: σ' ≤ 1/4), plain, with residual connections x + f(x), and with pre-LN residual blocks
x + f(LayerNorm(x)).
Leaves out: BatchNorm's running averages for evaluation, learnt scale and shift (they are 1 and 0
here), training the deep network, and normalisation inside attention.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from bertstudy import console
from bertstudy.demos import Words, draw, main
from bertstudy.demos.live import one_thread
from bertstudy.reference.basics import batch_norm, layer_norm

SCALES = [0.5, 1.0, 2.0, 5.0, 10.0, 50.0]  # per-feature standard deviation of the raw batch
OFFSETS = [-3.0, 0.0, 4.0, 10.0, -20.0, 100.0]  # per-feature mean
BATCH, WIDTH = 8, 64
VARIANTS = ("plain", "residual", "pre_ln")


def raw_batch(gen: torch.Generator, n: int) -> torch.Tensor:
    """(n, 6): features with the scales and offsets above."""
    return torch.randn(n, len(SCALES), generator=gen, dtype=torch.float64) * torch.tensor(SCALES, dtype=torch.float64) \
        + torch.tensor(OFFSETS, dtype=torch.float64)


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
    x = torch.randn(64, WIDTH, generator=gen, dtype=torch.float64)  # (N, WIDTH)
    target = torch.randn(64, WIDTH, generator=gen, dtype=torch.float64)
    ones, zeros = torch.ones(WIDTH, dtype=torch.float64), torch.zeros(WIDTH, dtype=torch.float64)
    h = x
    for w in weights:
        if variant == "plain":
            h = torch.sigmoid(h @ w.T)  # (N, WIDTH)
        elif variant == "residual":
            h = h + torch.sigmoid(h @ w.T)  # the identity path carries the gradient past the layer
        else:
            h = h + torch.sigmoid(layer_norm(h, ones, zeros) @ w.T)  # pre-LN: normalise the branch's input
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
    t = {key: words(key) for key in (*VARIANTS, "input", "bn", "ln", "grads", "layer", "norm", "example")}
    rows = [f"{t['example']} {i}" for i in range(len(data["input"]))]
    columns = [f"f{j}" for j in range(len(data["input"][0]))]
    return [
        draw.Heatmap(t["input"], data["input"], rows, columns),
        draw.Heatmap(t["bn"], data["batch_norm"], rows, columns),
        draw.Heatmap(t["ln"], data["layer_norm"], rows, columns),
        draw.Lines(t["grads"], [float(layer) for layer in data["layers"]],
                   {t[v]: data["grad_norms"][v] for v in VARIANTS}, x_label=t["layer"], y_label=t["norm"], log_y=True),
    ]


def _span(values: list[float]) -> str:
    return f"{min(values):+.2f} … {max(values):+.2f}"


def show(data: dict[str, Any], words: Words) -> None:
    out = console.out()
    raw, bn, ln, grads = figures(data, words)
    draw.show(raw, bn, ln)
    table = draw.Table(title=words("smallest_largest"))
    for name in ("", words("raw"), "BatchNorm", "LayerNorm"):
        table.add_column(name, justify="right")
    labels = ({'feature_mean': words("mean_of_each_feature"), 'feature_std': words("std_of_each_feature"), 'example_mean': words("mean_of_each_example"), 'example_std': words("std_of_each_example")})
    stats = data["stats"]
    for key, label in labels.items():
        table.add_row(label, _span(stats["input"][key]), _span(stats["batch_norm"][key]), _span(stats["layer_norm"][key]))
    change = data["other_batch_change"]
    table.add_row(words("example_0_in_another"), "",
                  f"{change['batch_norm']:.3f}", f"{change['layer_norm']:.3f}")
    out.print(table)
    out.print()
    draw.show(grads)


def findings(data: dict[str, Any]) -> list[list]:
    norms = data["grad_norms"]
    ratios = {v: norms[v][0] / norms[v][-1] for v in VARIANTS}
    return [["batch_vs_layer", {}], ["gradients_by_depth", {"depth": data["depth"], "width": data["width"], **ratios}]]


if __name__ == "__main__":
    main("normalization")
