"""A tiny MLP trained through a scalar autograd written by hand, checked against torch.autograd."""

from __future__ import annotations

import random
from typing import Any

import torch

from bertstudy import console
from bertstudy.demos import Words, draw
from bertstudy.demos.live import steps
from bertstudy.reference.autograd import MLP, Value, mean, topological_order

SIZES = [4, 1]  # 2 inputs -> 4 tanh units -> 1 linear output
LEARNING_RATE = 0.1
FD_STEP = 1e-6  # central differences in float64: error about h² (truncation) + eps/h (rounding)


def dataset(n: int = 8, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """n points in [-2, 2]², target +1 in the first and third quadrants and -1 elsewhere (XOR)."""
    rng = random.Random(seed)
    points = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(n)]
    return points, [1.0 if x * y > 0 else -1.0 for x, y in points]


def scalar_loss(model: MLP, points: list[list[float]], targets: list[float]) -> Value:
    """Mean squared error of the scalar MLP, one Value node per number."""
    return mean((model(x)[0] - t) ** 2 for x, t in zip(points, targets))


def torch_weights(model: MLP) -> list[torch.Tensor]:
    """[W1 (4, 2), b1 (4,), W2 (1, 4), b2 (1,)]: the scalar model's parameters as float64 leaf tensors."""
    tensors = []
    for layer in model.layers:
        w = [[wi.data for wi in neuron.w] for neuron in layer.neurons]
        b = [neuron.b.data for neuron in layer.neurons]
        tensors += [torch.tensor(values, dtype=torch.float64, requires_grad=True) for values in (w, b)]
    return tensors


def torch_loss(weights: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The same network on tensors: x (N, 2), y (N,); tanh after every layer but the last."""
    out = x  # (N, 2)
    for i in range(0, len(weights), 2):
        out = out @ weights[i].T + weights[i + 1]  # (N, width)
        if i + 2 < len(weights):
            out = torch.tanh(out)
    return ((out[:, 0] - y) ** 2).mean()  # 0-dim


def finite_differences(model: MLP, points: list[list[float]], targets: list[float]) -> list[float]:
    """(f(θ + h) - f(θ - h)) / 2h for each parameter θ in turn, with plain float arithmetic."""
    out = []
    for p in model.parameters():
        saved = p.data
        p.data = saved + FD_STEP
        up = scalar_loss(model, points, targets).data
        p.data = saved - FD_STEP
        down = scalar_loss(model, points, targets).data
        p.data = saved
        out.append((up - down) / (2 * FD_STEP))
    return out


def run(quick: bool = False) -> dict[str, Any]:
    points, targets = dataset()
    model = MLP(2, SIZES, seed=1)
    x, y = torch.tensor(points, dtype=torch.float64), torch.tensor(targets, dtype=torch.float64)

    # 1. one gradient, three ways
    loss = scalar_loss(model, points, targets)
    loss.backward()
    weights = torch_weights(model)
    grads = torch.autograd.grad(torch_loss(weights, x, y), weights)  # dW1, db1, dW2, db2
    layers = [torch.cat([w, b[:, None]], dim=1) for w, b in zip(grads[::2], grads[1::2])]  # [W | b]: a row per neuron
    torch_grads = [g for layer in layers for g in layer.flatten().tolist()]  # each neuron's weights, then its bias
    numeric = finite_differences(model, points, targets)
    rows = [{"name": name, "hand": p.grad, "torch": t, "finite_difference": f}
            for (name, p), t, f in zip(model.named_parameters(), torch_grads, numeric)]

    # 2. both engines train the same network, step for step
    n_steps = 120 if quick else 300
    losses_hand, losses_torch = [], []
    for _ in steps(range(n_steps + 1), "training"):
        model.zero_grad()
        loss_hand = scalar_loss(model, points, targets)
        loss_hand.backward()
        loss_torch = torch_loss(weights, x, y)
        grads = torch.autograd.grad(loss_torch, weights)
        losses_hand.append(loss_hand.data)
        losses_torch.append(loss_torch.item())
        for p in model.parameters():
            p.data -= LEARNING_RATE * p.grad
        with torch.no_grad():
            for w, g in zip(weights, grads):
                w -= LEARNING_RATE * g

    data = {
        "sizes": [2, *SIZES], "points": points, "targets": targets, "graph_nodes": len(topological_order(loss)),
        "parameters": rows,
        "max_difference_torch": max(abs(r["hand"] - r["torch"]) for r in rows),
        "max_difference_finite": max(abs(r["hand"] - r["finite_difference"]) for r in rows),
        "learning_rate": LEARNING_RATE, "steps": list(range(n_steps + 1)),
        "loss_hand": losses_hand, "loss_torch": losses_torch,
    }
    return data | {"findings": findings(data)}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    t = {key: words(key) for key in ("curve", "step", "loss", "hand", "torch", "grads", "fd", "param")}
    curve = draw.Lines(t["curve"], [float(s) for s in data["steps"]],
                       {t["hand"]: data["loss_hand"], t["torch"]: data["loss_torch"]}, x_label=t["step"], y_label=t["loss"])
    rows = data["parameters"]
    grads = draw.Heatmap(t["grads"], [[r["hand"], r["torch"], r["finite_difference"]] for r in rows],
                         [r["name"] for r in rows], [t["hand"], t["torch"], t["fd"]], corner=t["param"])
    return [curve, grads]


def show(data: dict[str, Any], words: Words) -> None:
    out = console.out()
    curve, grads = figures(data, words)
    headers = [words(key) for key in ("param", "hand", "torch", "difference", "fd")]
    table = draw.table(words("gradient_check"), headers, "right")
    for r in data["parameters"]:
        table.add_row(r["name"], f"{r['hand']:+.12f}", f"{r['torch']:+.12f}", f"{abs(r['hand'] - r['torch']):.1e}",
                      f"{r['finite_difference']:+.9f}")
    out.print(table)
    out.print()
    draw.show(grads, curve)


def findings(data: dict[str, Any]) -> list[list]:
    gap = max(abs(a - b) for a, b in zip(data["loss_hand"], data["loss_torch"]))
    return [["gradients_agree", {"sizes": " → ".join(str(s) for s in data["sizes"]), "points": len(data["points"]),
                                 "nodes": data["graph_nodes"], "torch": data["max_difference_torch"],
                                 "finite": data["max_difference_finite"]}],
            ["training_agrees", {"learning_rate": data["learning_rate"], "first": data["loss_hand"][0],
                                 "last": data["loss_hand"][-1], "gap": gap}]]
