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

from bertstudy import console, i18n
from bertstudy.demos import draw, main

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
    for name, scores in (("scaled", raw / math.sqrt(d_k)), ("unscaled", raw)):
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


def figures(data: dict[str, Any]) -> list[draw.Figure]:
    zh = i18n.current() == "zh"
    rows = data["rows"]
    x = [math.log2(r["d_k"]) for r in rows]
    scaled, unscaled = ("除以 √d_k", "不缩放") if zh else ("divided by √d_k", "unscaled")
    x_label = "log₂ d_k"
    return [
        draw.Lines("softmax 的平均熵（比特）" if zh else "Mean entropy of the softmax (bits)", x,
                   {scaled: [r["entropy_scaled"] for r in rows], unscaled: [r["entropy_unscaled"] for r in rows]},
                   x_label=x_label, y_label="比特" if zh else "bits"),
        draw.Lines("softmax 雅可比矩阵的范数（梯度能流过多少）" if zh else "Norm of the softmax's Jacobian (how much gradient gets through)",
                   x, {scaled: [r["jacobian_scaled"] for r in rows], unscaled: [r["jacobian_unscaled"] for r in rows]},
                   x_label=x_label, y_label="‖diag(p) − p pᵀ‖", log_y=True),
        draw.Heatmap((f"d_k = {data['example_d_k']} 时一个查询在 {data['num_keys']} 个键上的权重（%）" if zh else
                      f"One query's weights over {data['num_keys']} keys at d_k = {data['example_d_k']} (%)"),
                     [[100 * w for w in data["example"]["scaled"]], [100 * w for w in data["example"]["unscaled"]]],
                     ["÷ √d_k", "不缩放" if zh else "raw"],
                     [str(i) for i in range(data["num_keys"])], corner="键" if zh else "key"),
    ]


def show(data: dict[str, Any]) -> None:
    from bertstudy.demos.draw import Table

    out = console.out()
    zh = i18n.current() == "zh"
    table = Table(title=(f"随机的 q 和 k（分量独立，服从 N(0, 1)），每个查询 {data['num_keys']} 个键，对 {data['num_queries']} 个查询取平均"
                         if zh else f"Random q and k (independent N(0, 1) components), {data['num_keys']} keys per query, "
                         f"averaged over {data['num_queries']} queries"))
    headers = (["d_k", "分数标准差 缩放/不缩放", "熵（比特） 缩放/不缩放", "最大权重 缩放/不缩放", "雅可比范数 缩放/不缩放"] if zh else
               ["d_k", "score std scaled/raw", "entropy (bits) scaled/raw", "max weight scaled/raw", "Jacobian norm scaled/raw"])
    for header in headers:
        table.add_column(header, justify="right")
    for r in data["rows"]:
        table.add_row(str(r["d_k"]), f"{r['score_std_scaled']:.2f} / {r['score_std_unscaled']:.1f}",
                      f"{r['entropy_scaled']:.2f} / {r['entropy_unscaled']:.2f}",
                      f"{r['max_weight_scaled']:.2f} / {r['max_weight_unscaled']:.2f}",
                      f"{r['jacobian_scaled']:.3f} / {r['jacobian_unscaled']:.4f}")
    out.print(table)
    out.print()
    draw.show(*figures(data))


def findings(data: dict[str, Any]) -> list[list]:
    rows = data["rows"]
    scaled = [r["entropy_scaled"] for r in rows]
    return [["saturation", {"start": rows[0]["entropy_unscaled"], "uniform": data["uniform_entropy"],
                            "end": rows[-1]["entropy_unscaled"], "low": min(scaled), "high": max(scaled)}]]


if __name__ == "__main__":
    main("scaling-sqrt-dk")
