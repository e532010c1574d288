"""How far back a gradient reaches: a tanh RNN against an LSTM and a GRU at initialisation."""

from __future__ import annotations

from typing import Any

import torch

from bertstudy import console
from bertstudy.demos import Words, draw
from bertstudy.demos.live import one_thread, steps
from bertstudy.reference.recurrent import GRU, LSTM, RNN

INPUT, HIDDEN, BATCH = 32, 64, 16
MODELS = {  # key: (layer class, forget-gate bias added); the pack's word `model_<key>` names each
    "rnn": (RNN, 0.0),
    "lstm": (LSTM, 0.0),
    "gru": (GRU, 0.0),
    "lstm_forget_bias": (LSTM, 1.0),
}


def gradient_norms(key: str, length: int, seed: int) -> torch.Tensor:
    """log10 ‖∂L/∂x_t‖ for each example, (T, B), with the loss read from the last step only."""
    layer_class, forget_bias = MODELS[key]
    torch.manual_seed(seed)
    layer = layer_class(INPUT, HIDDEN).double()
    if forget_bias:
        with torch.no_grad():
            layer.bias_ih_l0[HIDDEN:2 * HIDDEN] += forget_bias  # rows H … 2H − 1 are the forget gate's (i, f, g, o)
    gen = torch.Generator().manual_seed(1000 + seed)
    x = torch.randn(length, BATCH, INPUT, generator=gen, dtype=torch.float64, requires_grad=True)  # (T, B, I)
    outputs, _ = layer(x)  # (T, B, H)
    readout = torch.randn(HIDDEN, generator=gen, dtype=torch.float64)  # (H,)
    loss = (outputs[-1] @ readout).sum()  # each example's loss reads its last hidden state
    (grad,) = torch.autograd.grad(loss, x)  # (T, B, I): row t, column b is ∂L_b/∂x_(t,b)
    return grad.norm(dim=-1).clamp_min(1e-300).log10()  # (T, B)


def run(quick: bool = False) -> dict[str, Any]:
    length, seeds = (40, 1) if quick else (100, 3)
    with one_thread():
        logs: dict[str, list[torch.Tensor]] = {key: [] for key in MODELS}
        jobs = [(key, seed) for seed in range(seeds) for key in MODELS]
        for key, seed in steps(jobs, "backpropagating"):
            logs[key].append(gradient_norms(key, length, seed))
    norms, decay = {}, {}
    d = torch.arange(1, length, dtype=torch.float64)
    for key, parts in logs.items():
        mean_log = torch.cat(parts, dim=1).mean(dim=1).flip(0)  # (T,), index d = distance from the last step
        norms[key] = [10 ** v for v in mean_log.tolist()]
        slope = torch.cov(torch.stack([d, mean_log[1:]]))[0, 1] / d.var()  # least-squares slope of log10 norm against d
        decay[key] = 10 ** slope.item()  # the factor by which the norm shrinks per step back
    params = {key: sum(p.numel() for p in MODELS[key][0](INPUT, HIDDEN).parameters()) for key in MODELS}
    data = {"length": length, "seeds": seeds, "batch": BATCH, "input": INPUT, "hidden": HIDDEN,
            "distance": list(range(length)), "norms": norms, "decay_per_step": decay, "parameters": params}
    return data | {"findings": findings(data)}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    series = {words(f"model_{key}"): values for key, values in data["norms"].items()}
    return [draw.Lines(words("gradient_norm_l_x"),
                       [float(d) for d in data["distance"]], series,
                       x_label=words("distance_d_t_t"),
                       y_label=words("l_x_t_geometric"), log_y=True)]


def show(data: dict[str, Any], words: Words) -> None:
    draw.show(*figures(data, words))
    far, mid = data["length"] - 1, data["length"] // 2
    headers = [words("model"), words("parameters"), words("per_step_back"), words("d_10"), words("d", mid=mid),
               words("d_2", far=far)]
    table = draw.table(words("default_initialisation_input_hidden", input=data["input"], hidden=data["hidden"],
                             length=data["length"]), headers, ["left"] + ["right"] * 5)
    for key, values in data["norms"].items():
        table.add_row(console.esc(words(f"model_{key}")), str(data["parameters"][key]),
                      f"{data['decay_per_step'][key]:.3f}", *(f"{values[d]:.1e}" for d in (10, mid, far)))
    console.out().print(table)


def findings(data: dict[str, Any]) -> list[list]:
    far = data["length"] - 1
    return [["decay", data["decay_per_step"]],
            ["far_away", {"far": far, "ratio": data["norms"]["lstm"][far] / data["norms"]["rnn"][far]}]]
