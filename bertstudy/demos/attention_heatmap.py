"""Self-attention weights over a short sentence, drawn as a heatmap in the terminal.

Each word type gets a fixed random vector (the same word, the same vector) plus a sinusoidal
position code, and Q = K = V = X: no learned projections. The weights therefore show what raw
similarity does: a token attends most to itself and to other copies of its word. A second table
shows why the 1/√d_k scale matters: without it the softmax saturates (its entropy collapses).
Leaves out: trained weights (a trained model learns W_Q and W_K to attend by meaning).
"""

from __future__ import annotations

import math
import zlib
from typing import Any

import torch

from bertstudy import console, i18n
from bertstudy.reference.attention import scaled_dot_product_attention
from bertstudy.reference.positions import sinusoidal_positional_encoding

SENTENCE = "the cat sat on the mat because the mat was warm"


def embed(tokens: list[str], d_model: int) -> torch.Tensor:
    """(L, d_model): a seeded vector per word type plus half-strength sinusoidal positions."""
    vectors = []
    for token in tokens:
        gen = torch.Generator().manual_seed(zlib.crc32(token.encode()))
        vectors.append(torch.randn(d_model, generator=gen))
    return torch.stack(vectors) + 0.5 * sinusoidal_positional_encoding(len(tokens), d_model)  # (L, d_model)


def entropy(weights: torch.Tensor) -> torch.Tensor:
    """Entropy in bits of each row of attention weights."""
    return -(weights * torch.log2(weights.clamp_min(1e-12))).sum(-1)


def run(quick: bool = False) -> dict[str, Any]:
    tokens = SENTENCE.split()
    d_model = 32 if quick else 64
    x = embed(tokens, d_model)  # (L, d_model)
    _, weights = scaled_dot_product_attention(x, x, x)  # (L, L)
    sizes = [4, 16, 64, 256] if quick else [4, 16, 64, 256, 1024]
    saturation = []
    gen = torch.Generator().manual_seed(0)
    for d_k in sizes:
        q, k = torch.randn(len(tokens), d_k, generator=gen), torch.randn(len(tokens), d_k, generator=gen)
        scaled = torch.softmax(q @ k.T / math.sqrt(d_k), dim=-1)
        raw = torch.softmax(q @ k.T, dim=-1)
        saturation.append({"d_k": d_k, "entropy_scaled": entropy(scaled).mean().item(),
                           "entropy_unscaled": entropy(raw).mean().item(),
                           "max_weight_unscaled": raw.max(-1).values.mean().item()})
    return {"tokens": tokens, "d_model": d_model, "weights": weights.tolist(),
            "uniform_entropy": math.log2(len(tokens)), "saturation": saturation}


def show(data: dict[str, Any]) -> None:
    from rich.table import Table

    from bertstudy.demos.draw import heatmap

    out = console.out()
    zh = i18n.current() == "zh"
    tokens = data["tokens"]
    title = "自注意力权重（行：查询，列：键；每行之和为 1）" if zh else "Self-attention weights (rows: queries, columns: keys; each row sums to 1)"
    out.print(heatmap(data["weights"], tokens, tokens, title, corner="q \\ k"))
    out.print()
    out.print("[muted]" + ("相同的词得到相同的向量，且 Q = K = V = X（没有学习到的投影），所以每个词最关注自己和同一个词的其他出现位置。"
                           if zh else "Equal words get equal vectors and Q = K = V = X (no learned projections), so each token attends most "
                           "to itself and to the other copies of its word.") + "[/muted]")
    out.print()
    table = Table(title="为什么要除以 √d_k：softmax 的熵（比特）" if zh else "Why divide by √d_k: entropy of the softmax (bits)")
    for name in ("d_k", "with 1/√d_k" if not zh else "除以 √d_k", "without" if not zh else "不除", "max weight without" if not zh else "不除时最大权重"):
        table.add_column(name, justify="right")
    for row in data["saturation"]:
        table.add_row(str(row["d_k"]), f"{row['entropy_scaled']:.2f}", f"{row['entropy_unscaled']:.2f}", f"{row['max_weight_unscaled']:.2f}")
    out.print(table)
    out.print("[muted]" + (f"均匀分布的熵为 {data['uniform_entropy']:.2f} 比特。不缩放时，d_k 越大，权重越集中到一个键上（熵趋于 0），softmax 的梯度随之消失。"
                           if zh else f"A uniform row has {data['uniform_entropy']:.2f} bits. Without the scale, the larger d_k, the more "
                           "the weight piles onto one key (entropy near 0), and the softmax's gradients vanish.") + "[/muted]")


if __name__ == "__main__":
    show(run())
