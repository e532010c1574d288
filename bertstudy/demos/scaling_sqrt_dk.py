"""Why attention divides its scores by √d_k: softmax saturation, entropy and vanishing gradients.

For each width d_k, random queries and keys with independent N(0, 1) components give dot products
q·k of variance d_k (a sum of d_k products of variance 1). Unscaled, the scores spread further as
d_k grows, the softmax puts nearly all weight on one key (its entropy falls towards 0 bits) and its
Jacobian diag(p) - p pᵀ, through which every gradient to Q and K must pass, shrinks towards 0.
Divided by √d_k the scores keep variance 1 at every width and none of this happens.
The demo measures, for each d_k, the spread of the scores, the entropy of the weights, the largest
weight, and the size of the softmax's Jacobian (its Frobenius norm), with and without the scale.
Leaves out: trained queries and keys (whose components are neither independent nor of variance 1),
and other cures (a temperature, normalising q and k).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from bertstudy import console
from bertstudy.demos import Words, draw, main

NUM_KEYS = 16  # keys per query


def entropy_bits(weights: torch.Tensor) -> torch.Tensor:
    """Entropy in bits of each row of attention weights (..., L) -> (...)."""
    return -(weights * torch.log2(weights.clamp_min(1e-30))).sum(-1)


def softmax_jacobian_norm(weights: torch.Tensor) -> torch.Tensor:
    """Frobenius norm of ∂softmax/∂scores = diag(p) - p pᵀ for each row p (..., L) -> (...).

    ||diag(p) - p pᵀ||² = Σ_i p_i² (1 - p_i)² + Σ_{i≠j} p_i² p_j², computed from the matrix itself."""
    jacobian = torch.diag_embed(weights) - weights[..., :, None] * weights[..., None, :]  # (..., L, L)
    return jacobian.flatten(-2).norm(dim=-1)


def measure(d_k: int, num_queries: int, gen: torch.Generator) -> dict[str, float]:
    q = torch.randn(num_queries, d_k, generator=gen, dtype=torch.float64)  # (N, d_k)
    k = torch.randn(num_queries, NUM_KEYS, d_k, generator=gen, dtype=torch.float64)  # (N, L, d_k): keys per query
    raw = torch.einsum("nd,nld->nl", q, k)  # (N, L): q·k, variance d_k
    row: dict[str, float] = {"d_k": d_k}
    for name, scores in ("scaled", raw / math.sqrt(d_k)), ("unscaled", raw):
        weights = torch.softmax(scores, dim=-1)  # (N, L)
        row[f"score_std_{name}"] = scores.std().item()
        row[f"entropy_{name}"] = entropy_bits(weights).mean().item()
        row[f"max_weight_{name}"] = weights.max(dim=-1).values.mean().item()
        row[f"jacobian_{name}"] = softmax_jacobian_norm(weights).mean().item()
    return row


def example_rows(d_k: int, gen: torch.Generator) -> dict[str, list[float]]:
    """One query's weights over the NUM_KEYS keys, with and without the scale."""
    q = torch.randn(d_k, generator=gen, dtype=torch.float64)
    k = torch.randn(NUM_KEYS, d_k, generator=gen, dtype=torch.float64)
    raw = k @ q  # (L,)
    return {"scaled": torch.softmax(raw / math.sqrt(d_k), dim=-1).tolist(),
            "unscaled": torch.softmax(raw, dim=-1).tolist()}


def run(quick: bool = False) -> dict[str, Any]:
    gen = torch.Generator().manual_seed(0)
    widths = [1, 4, 16, 64, 256] if quick else [1, 4, 16, 64, 256, 1024]
    num_queries = 500 if quick else 2000  # queries averaged over, per width
    rows = [measure(d_k, num_queries, gen) for d_k in widths]
    example_d_k = 64
    data = {"num_keys": NUM_KEYS, "num_queries": num_queries, "rows": rows,
            "uniform_entropy": math.log2(NUM_KEYS), "uniform_jacobian": softmax_jacobian_norm(
                torch.full((NUM_KEYS,), 1.0 / NUM_KEYS, dtype=torch.float64)).item(),
            "example_d_k": example_d_k, "example": example_rows(example_d_k, gen)}
    return data | {"findings": findings(data)}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    rows = data["rows"]
    x = [math.log2(r["d_k"]) for r in rows]
    scaled, unscaled = (words("divided_by_d_k"), words("unscaled"))
    x_label = "log₂ d_k"
    return [
        draw.Lines(words("mean_entropy_of_the"), x,
                   {scaled: [r["entropy_scaled"] for r in rows], unscaled: [r["entropy_unscaled"] for r in rows]},
                   x_label=x_label, y_label=words("bits")),
        draw.Lines(words("norm_of_the_softmax"),
                   x, {scaled: [r["jacobian_scaled"] for r in rows], unscaled: [r["jacobian_unscaled"] for r in rows]},
                   x_label=x_label, y_label="‖diag(p) − p pᵀ‖", log_y=True),
        draw.Heatmap(words("one_query_s_weights", num_keys=data['num_keys'], example_d_k=data['example_d_k']),
                     [[100 * w for w in data["example"]["scaled"]], [100 * w for w in data["example"]["unscaled"]]],
                     ["÷ √d_k", words("raw")],
                     [str(i) for i in range(data["num_keys"])], corner=words("key")),
    ]


def show(data: dict[str, Any], words: Words) -> None:
    out = console.out()
    table = draw.Table(title=words("random_q_and_k", num_keys=data['num_keys'], num_queries=data['num_queries']))
    headers = ([words("d_k"), words("score_std_scaled_raw"), words("entropy_bits_scaled_raw"), words("max_weight_scaled_raw"), words("jacobian_norm_scaled_raw")])
    for header in headers:
        table.add_column(header, justify="right")
    for r in data["rows"]:
        table.add_row(str(r["d_k"]), f"{r['score_std_scaled']:.2f} / {r['score_std_unscaled']:.1f}",
                      f"{r['entropy_scaled']:.2f} / {r['entropy_unscaled']:.2f}",
                      f"{r['max_weight_scaled']:.2f} / {r['max_weight_unscaled']:.2f}",
                      f"{r['jacobian_scaled']:.3f} / {r['jacobian_unscaled']:.4f}")
    out.print(table)
    out.print()
    draw.show(*figures(data, words))


def findings(data: dict[str, Any]) -> list[list]:
    rows = data["rows"]
    scaled = [r["entropy_scaled"] for r in rows]
    return [["saturation", {"start": rows[0]["entropy_unscaled"], "uniform": data["uniform_entropy"],
                            "end": rows[-1]["entropy_unscaled"], "low": min(scaled), "high": max(scaled)}]]


if __name__ == "__main__":
    main("scaling-sqrt-dk")
