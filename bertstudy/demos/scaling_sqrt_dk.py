"""Why attention divides its scores by √d_k: softmax saturation, entropy and vanishing gradients."""

from __future__ import annotations

import math
from typing import Any

import torch

from bertstudy import console
from bertstudy.demos import Words, draw

NUM_KEYS = 16  # keys per query
EXAMPLE_D_K = 64  # the width of the one query whose weights are drawn


def entropy_bits(weights: torch.Tensor) -> torch.Tensor:
    """Entropy in bits of each row of attention weights (..., L) -> (...)."""
    return -(weights * torch.log2(weights.clamp_min(1e-30))).sum(-1)


def softmax_jacobian_norm(weights: torch.Tensor) -> torch.Tensor:
    """Frobenius norm of ∂softmax/∂scores = diag(p) - p pᵀ for each row p (..., L) -> (...).

    ||diag(p) - p pᵀ||² = Σ_i p_i² (1 - p_i)² + Σ_{i≠j} p_i² p_j², computed from the matrix itself."""
    jacobian = torch.diag_embed(weights) - weights[..., :, None] * weights[..., None, :]  # (..., L, L)
    return jacobian.flatten(-2).norm(dim=-1)


def random_scores(d_k: int, num_queries: int, gen: torch.Generator) -> dict[str, torch.Tensor]:
    """(N, L) scores q·k of random queries, each with its own NUM_KEYS random keys, divided by √d_k and raw."""
    q = torch.randn(num_queries, d_k, generator=gen, dtype=torch.float64)  # (N, d_k)
    k = torch.randn(num_queries, NUM_KEYS, d_k, generator=gen, dtype=torch.float64)  # (N, L, d_k): keys per query
    raw = torch.einsum("nd,nld->nl", q, k)  # (N, L): q·k, variance d_k
    return {"scaled": raw / math.sqrt(d_k), "unscaled": raw}


def measure(d_k: int, num_queries: int, gen: torch.Generator) -> dict[str, float]:
    row: dict[str, float] = {"d_k": d_k}
    for name, scores in random_scores(d_k, num_queries, gen).items():
        weights = torch.softmax(scores, dim=-1)  # (N, L)
        row[f"score_std_{name}"] = scores.std().item()
        row[f"entropy_{name}"] = entropy_bits(weights).mean().item()
        row[f"max_weight_{name}"] = weights.max(dim=-1).values.mean().item()
        row[f"jacobian_{name}"] = softmax_jacobian_norm(weights).mean().item()
    return row


def run(quick: bool = False) -> dict[str, Any]:
    gen = torch.Generator().manual_seed(0)
    widths = [1, 4, 16, 64, 256] if quick else [1, 4, 16, 64, 256, 1024]
    num_queries = 500 if quick else 2000  # queries averaged over, per width
    rows = [measure(d_k, num_queries, gen) for d_k in widths]
    uniform = torch.full((NUM_KEYS,), 1.0 / NUM_KEYS, dtype=torch.float64)
    example = {name: torch.softmax(s[0], dim=-1).tolist() for name, s in random_scores(EXAMPLE_D_K, 1, gen).items()}
    data = {"num_keys": NUM_KEYS, "num_queries": num_queries, "rows": rows, "uniform_entropy": math.log2(NUM_KEYS),
            "uniform_jacobian": softmax_jacobian_norm(uniform).item(), "example_d_k": EXAMPLE_D_K, "example": example}
    return data | {"findings": findings(data)}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    rows = data["rows"]
    x = [math.log2(r["d_k"]) for r in rows]
    names = {"scaled": words("divided_by_d_k"), "unscaled": words("unscaled")}
    entropy, jacobian = ({name: [r[f"{measure}_{key}"] for r in rows] for key, name in names.items()}
                         for measure in ("entropy", "jacobian"))
    return [
        draw.Lines(words("mean_entropy_of_the"), x, entropy, x_label="log₂ d_k", y_label=words("bits")),
        draw.Lines(words("norm_of_the_softmax"), x, jacobian, x_label="log₂ d_k", y_label="‖diag(p) − p pᵀ‖",
                   log_y=True),
        draw.Heatmap(words("one_query_s_weights", num_keys=data['num_keys'], example_d_k=data['example_d_k']),
                     [[100 * w for w in data["example"][key]] for key in ("scaled", "unscaled")],
                     ["÷ √d_k", words("raw")], [str(i) for i in range(data["num_keys"])], corner=words("key")),
    ]


def show(data: dict[str, Any], words: Words) -> None:
    out = console.out()
    table = draw.table(words("random_q_and_k", num_keys=data['num_keys'], num_queries=data['num_queries']),
                       [words("d_k"), words("score_std_scaled_raw"), words("entropy_bits_scaled_raw"),
                        words("max_weight_scaled_raw"), words("jacobian_norm_scaled_raw")], "right")
    digits = {"score_std": (".2f", ".1f"), "entropy": (".2f", ".2f"), "max_weight": (".2f", ".2f"),
              "jacobian": (".3f", ".4f")}  # scaled / unscaled
    for r in data["rows"]:
        cells = [f"{r[m + '_scaled']:{a}} / {r[m + '_unscaled']:{b}}" for m, (a, b) in digits.items()]
        table.add_row(str(r["d_k"]), *cells)
    out.print(table)
    out.print()
    draw.show(*figures(data, words))


def findings(data: dict[str, Any]) -> list[list]:
    rows = data["rows"]
    scaled = [r["entropy_scaled"] for r in rows]
    return [["saturation", {"start": rows[0]["entropy_unscaled"], "uniform": data["uniform_entropy"],
                            "end": rows[-1]["entropy_unscaled"], "low": min(scaled), "high": max(scaled)}]]
