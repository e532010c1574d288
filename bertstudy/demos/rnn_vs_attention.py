"""Why Transformers replaced RNNs: sequential steps and path length, measured."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import torch

from bertstudy import console
from bertstudy.demos import Words, draw
from bertstudy.demos.live import one_thread, steps
from bertstudy.reference.attention import multi_head_attention
from bertstudy.reference.recurrent import rnn_forward

D_MODEL, HEADS = 64, 4
Layer = Callable[[torch.Tensor, dict[str, torch.Tensor]], torch.Tensor]


def weights(dtype: torch.dtype, seed: int = 0) -> dict[str, dict[str, torch.Tensor]]:
    """An RNN layer and an attention layer of width D_MODEL, every weight and bias uniform in
    ±1/√d (PyTorch's default initialisation of nn.RNN, and of nn.Linear with d inputs)."""
    gen = torch.Generator().manual_seed(seed)
    bound = 1 / math.sqrt(D_MODEL)

    def uniform(*shape: int) -> torch.Tensor:
        return ((torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1) * bound).to(dtype)

    rnn = {"w_ih": uniform(D_MODEL, D_MODEL), "w_hh": uniform(D_MODEL, D_MODEL), "b_ih": uniform(D_MODEL), "b_hh": uniform(D_MODEL)}
    attention = {f"{kind}_{name}": uniform(D_MODEL, D_MODEL) if kind == "w" else uniform(D_MODEL)
                 for name in "qkvo" for kind in "wb"}  # drawn in the order w_q, b_q, w_k, b_k, ...
    return {"rnn": rnn, "attention": attention}


def through_rnn(x: torch.Tensor, w: dict[str, torch.Tensor]) -> torch.Tensor:
    """x (n, d) -> every hidden state (n, d): n steps, each waiting for the previous one."""
    outputs, _ = rnn_forward(x[:, None, :], None, **w)  # (n, 1, d)
    return outputs[:, 0]


def through_attention(x: torch.Tensor, w: dict[str, torch.Tensor]) -> torch.Tensor:
    """x (n, d) -> (n, d): every position attends to every other in one call."""
    return multi_head_attention(x[None], **w, num_heads=HEADS)[0]


def wall_ms(fn: Layer, x: torch.Tensor, w: dict[str, torch.Tensor], repeats: int) -> float:
    """The fastest of `repeats` wall times of fn(x, w), in milliseconds, after one warm-up call
    (the minimum is the least disturbed by other work on the machine)."""
    with torch.no_grad():
        fn(x, w)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn(x, w)
            times.append((time.perf_counter() - start) * 1000)
    return min(times)


def first_to_last_gradient(fn: Layer, x: torch.Tensor, w: dict[str, torch.Tensor], u: torch.Tensor) -> float:
    """‖∂(u · y_n)/∂x_1‖: how strongly the last position's output depends on the first input."""
    x = x.clone().requires_grad_(True)
    last = fn(x, w)[-1]  # (d,) the output at the last position
    (grad,) = torch.autograd.grad(last @ u, x)  # (n, d)
    return grad[0].norm().item()


def run(quick: bool = False) -> dict[str, Any]:
    lengths = [16, 64, 256] if quick else [16, 32, 64, 128, 256, 512, 1024]
    repeats = 3 if quick else 5
    gen = torch.Generator().manual_seed(1)
    timing_weights, gradient_weights = weights(torch.float32), weights(torch.float64)
    u = torch.randn(D_MODEL, generator=gen, dtype=torch.float64)
    u = u / u.norm()  # (d,) a fixed direction to read y_n along
    gradient_lengths = [n for n in lengths if n <= 256]  # beyond, the RNN's gradient underflows float64
    data: dict[str, list[float]] = {"rnn_ms": [], "attention_ms": [], "rnn_gradient": [], "attention_gradient": []}
    with one_thread():  # one thread for both: the gap is not about how many cores each uses
        for n in steps(lengths, "timing"):
            x = torch.randn(n, D_MODEL, generator=gen, dtype=torch.float64)  # (n, d)
            for name, layer in (("rnn", through_rnn), ("attention", through_attention)):
                data[f"{name}_ms"].append(wall_ms(layer, x.float(), timing_weights[name], repeats))
                if n in gradient_lengths:
                    data[f"{name}_gradient"].append(first_to_last_gradient(layer, x, gradient_weights[name], u))
    result = {"d_model": D_MODEL, "heads": HEADS, "lengths": lengths, "repeats": repeats, "gradient_lengths": gradient_lengths,
            "rnn_sequential_steps": lengths, "attention_sequential_steps": [1] * len(lengths),
            "rnn_path_length": [n - 1 for n in gradient_lengths], "attention_path_length": [1] * len(gradient_lengths), **data}
    return result | {"findings": findings(result)}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    rnn, attention = words("rnn_a_loop_of"), words("self_attention_one_call")
    lengths, gradient_lengths = data["lengths"], data["gradient_lengths"]
    doubling = [math.log2(n) for n in lengths]  # the lengths double, so they are evenly spaced on a log₂ axis
    return [
        draw.Lines(words("forward_wall_time_ms", value=lengths[0], value2=lengths[-1]), doubling,
                   {rnn: data["rnn_ms"], attention: data["attention_ms"]},
                   x_label="log₂ n", y_label=words("ms"), log_y=True),
        draw.Lines(words("gradient_of_the_last"), [float(n) for n in gradient_lengths],
                   {rnn: [math.log10(g) for g in data["rnn_gradient"]],
                    attention: [math.log10(g) for g in data["attention_gradient"]]},
                   x_label=words("sequence_length_n"), y_label="log₁₀ ‖∂(u·y_n)/∂x_1‖"),
    ]


def show(data: dict[str, Any], words: Words) -> None:
    theory = draw.table(words("cost_per_layer_vaswani"),
                        [words(key) for key in ("layer", "work", "sequential_steps", "maximum_path_length")])
    theory.add_row("RNN", "O(n·d²)", "O(n)", "O(n)")
    theory.add_row(words("self_attention"), "O(n²·d)", "O(1)", "O(1)")
    title = words("measured_d_heads_one", d_model=data["d_model"], heads=data["heads"], repeats=data["repeats"])
    timing = draw.table(title, [words(key) for key in ("n", "rnn", "self_attention", "rnn_attention")], "right")
    for n, rnn, attention in zip(data["lengths"], data["rnn_ms"], data["attention_ms"]):
        timing.add_row(str(n), f"{rnn:.2f}", f"{attention:.2f}", f"{rnn / attention:.1f}×")
    gradient = draw.table(words("u_y_n_x"),
                          [words(key) for key in ("n", "rnn_path", "rnn", "attention_path", "self_attention")], "right")
    for i, n in enumerate(data["gradient_lengths"]):
        gradient.add_row(str(n), str(data["rnn_path_length"][i]), f"{data['rnn_gradient'][i]:.1e}",
                         str(data["attention_path_length"][i]), f"{data['attention_gradient'][i]:.1e}")
    for table in (theory, timing, gradient):
        console.out().print(table)
    draw.show(*figures(data, words))


def findings(data: dict[str, Any]) -> list[list]:
    ratios = [rnn / attention for rnn, attention in zip(data["rnn_ms"], data["attention_ms"])]
    best = max(range(len(ratios)), key=ratios.__getitem__)
    out = [["sequential", {"n": data["lengths"][best], "ratio": ratios[best]}]]
    crossing = next((n for n, r in zip(data["lengths"], ratios) if r < 1), None)
    if crossing is not None:
        out.append(["n_squared_wins", {"n": crossing, "d": data["d_model"]}])
    return out + [["path_length", {}]]
