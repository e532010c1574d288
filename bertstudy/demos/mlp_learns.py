"""A two-layer MLP learns the two-moons dataset: the loss falls and a curved decision boundary forms."""

from __future__ import annotations

import math
from typing import Any

import torch

from bertstudy.demos import Words, draw
from bertstudy.demos.live import one_thread, steps
from bertstudy.reference.mlp import mlp_backward, mlp_forward

HIDDEN = 16
LEARNING_RATE = 0.5
MOMENTUM = 0.9
GRID = (64, 22)  # characters across, lines down
CHARS = {"region0": "·", "region1": " ", "point0": "o", "point1": "x"}


def two_moons(n: int, noise: float, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """x (n, 2) float64 and labels (n,) int64: an upper half circle (class 0) and a lower one
    shifted right and down (class 1), interleaved, plus Gaussian noise of std `noise`."""
    half = n // 2
    angle = torch.rand(n, generator=gen, dtype=torch.float64) * math.pi  # (n,)
    upper = torch.stack([torch.cos(angle[:half]), torch.sin(angle[:half])], dim=1)  # (half, 2)
    lower = torch.stack([1 - torch.cos(angle[half:]), 0.5 - torch.sin(angle[half:])], dim=1)  # (n - half, 2)
    x = torch.cat([upper, lower]) + noise * torch.randn(n, 2, generator=gen, dtype=torch.float64)  # (n, 2)
    labels = torch.cat([torch.zeros(half, dtype=torch.long), torch.ones(n - half, dtype=torch.long)])
    return x, labels


def decision_picture(params: dict[str, torch.Tensor], x: torch.Tensor, labels: torch.Tensor) -> list[str]:
    """The predicted class at the centre of every character cell, with the points drawn over it."""
    cols, rows = GRID
    left, bottom = (x.amin(dim=0) - 0.3).tolist()  # the points' box, with a margin of 0.3
    right, top = (x.amax(dim=0) + 0.3).tolist()
    xs = left + (torch.arange(cols, dtype=torch.float64) + 0.5) * (right - left) / cols  # (cols,)
    ys = top - (torch.arange(rows, dtype=torch.float64) + 0.5) * (top - bottom) / rows  # (rows,), top line first
    grid = torch.stack(torch.meshgrid(ys, xs, indexing="ij")[::-1], dim=-1).reshape(-1, 2)  # (rows * cols, 2) as (x, y)
    _, logits = mlp_forward(grid, **params)  # (rows * cols, 2)
    predicted = logits.argmax(dim=1).reshape(rows, cols)
    cells = [[CHARS[f"region{c}"] for c in line] for line in predicted.tolist()]
    col = ((x[:, 0] - left) / (right - left) * cols).long().clamp(0, cols - 1)
    row = ((top - x[:, 1]) / (top - bottom) * rows).long().clamp(0, rows - 1)
    for r, c, label in zip(row.tolist(), col.tolist(), labels.tolist()):
        cells[r][c] = CHARS[f"point{label}"]
    return ["".join(line) for line in cells]


def accuracy(params: dict[str, torch.Tensor], x: torch.Tensor, labels: torch.Tensor) -> float:
    _, logits = mlp_forward(x, **params)
    return (logits.argmax(dim=1) == labels).double().mean().item()


def run(quick: bool = False) -> dict[str, Any]:
    gen = torch.Generator().manual_seed(0)
    n_points, n_steps = (120, 250) if quick else (200, 600)
    x, labels = two_moons(n_points, noise=0.1, gen=gen)
    x = (x - x.mean(dim=0)) / x.std(dim=0)  # standardised: each coordinate mean 0, std 1
    params = {"w1": torch.randn(HIDDEN, 2, generator=gen, dtype=torch.float64),
              "b1": torch.zeros(HIDDEN, dtype=torch.float64),
              "w2": torch.randn(2, HIDDEN, generator=gen, dtype=torch.float64) / math.sqrt(HIDDEN),
              "b2": torch.zeros(2, dtype=torch.float64)}
    before = decision_picture(params, x, labels)
    accuracy_before = accuracy(params, x, labels)

    with one_thread():
        velocity = {k: torch.zeros_like(v) for k, v in params.items()}
        losses = []
        for _ in steps(range(n_steps), "training"):
            grads = mlp_backward(x, labels, **params)  # the loss and ∂loss/∂(w1, b1, w2, b2), by hand
            losses.append(grads["loss"].item())
            for k in params:
                velocity[k] = MOMENTUM * velocity[k] + grads[k]
                params[k] = params[k] - LEARNING_RATE * velocity[k]
        losses.append(mlp_backward(x, labels, **params)["loss"].item())

    data = {
        "points": x.tolist(), "labels": labels.tolist(), "hidden": HIDDEN,
        "learning_rate": LEARNING_RATE, "momentum": MOMENTUM,
        "steps": list(range(n_steps + 1)), "loss": losses,
        "accuracy_before": accuracy_before, "accuracy_after": accuracy(params, x, labels),
        "boundary_before": before, "boundary_after": decision_picture(params, x, labels),
    }
    return data | {"findings": findings(data)}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    legend = {CHARS["point0"]: words("class_0_point_upper"), CHARS["point1"]: words("class_1_point_lower"),
              CHARS["region0"]: words("predicted_class_0"), CHARS["region1"]: words("predicted_class_1_blank")}
    loss = draw.Lines(words("training_loss_cross_entropy"),
                      [float(s) for s in data["steps"]], {words("loss"): data["loss"]},
                      x_label=words("step"), y_label=words("cross_entropy"), log_y=True)
    return [loss, *(draw.Chars(words(f"decision_regions_{when}_training"), data[f"boundary_{when}"], legend)
                    for when in ("before", "after"))]


def findings(data: dict[str, Any]) -> list[list]:
    return [["trained", {"hidden": data["hidden"], "steps": len(data["steps"]) - 1, "points": len(data["points"]),
                         "learning_rate": data["learning_rate"], "momentum": data["momentum"], "first": data["loss"][0],
                         "last": data["loss"][-1], "before": data["accuracy_before"], "after": data["accuracy_after"]}]]
