"""Masks in attention: the same scores under no mask, a padding mask, a causal mask and both.

One short sentence padded to 8 positions, and one set of scores (random queries and keys, seeded).
Each mask is a bool tensor, True where a query may attend (bertstudy.reference.masks); masked
scores are filled with torch.finfo(dtype).min before the softmax. The heatmaps show which weights
become exactly 0 and that every row still sums to 1: the softmax shares each query's whole weight
among the keys it may see. A last table shows why the fill value is the most negative finite
number and not -inf: a row with every key masked gives NaN with -inf.
Leaves out: trained attention (the scores here are random), and where each mask is used (padding
in every BERT layer; causal in a decoder, e.g. GPT or the Transformer's decoder).
"""

from __future__ import annotations

from typing import Any

import torch

from bertstudy import console, i18n
from bertstudy.demos import draw, main
from bertstudy.reference import masks
from bertstudy.reference.attention import scaled_dot_product_attention

TOKENS = ["[CLS]", "my", "dog", "is", "cute", "[SEP]", "[PAD]", "[PAD]"]
ATTENTION_MASK = [1, 1, 1, 1, 1, 1, 0, 0]  # 1 = a real token, 0 = padding
D_K = 16
NAMES = {"none": ("no mask", "不加掩码"), "padding": ("padding mask", "填充掩码"),
         "causal": ("causal mask", "因果掩码"), "causal+padding": ("causal and padding", "因果 + 填充")}


def run(quick: bool = False) -> dict[str, Any]:
    length = len(TOKENS)
    gen = torch.Generator().manual_seed(3)
    q = torch.randn(length, D_K, generator=gen, dtype=torch.float64)  # (L, d_k)
    k = torch.randn(length, D_K, generator=gen, dtype=torch.float64)  # (L, d_k)
    v = torch.eye(length, dtype=torch.float64)  # the output is then the weights themselves
    attention_mask = torch.tensor([ATTENTION_MASK])  # (1, L)
    padding = masks.padding_mask(attention_mask)[0, 0]  # (1, 1, 1, L) -> (1, L): one row of keys for every query
    causal = masks.causal_mask(length)  # (L, L)
    variants = {"none": None, "padding": padding, "causal": causal,
                "causal+padding": masks.combine_masks(causal, padding)}
    results = {}
    for name, mask in variants.items():
        _, weights = scaled_dot_product_attention(q, k, v, mask)  # (L, L)
        allowed = torch.ones(length, length, dtype=torch.bool) if mask is None else mask.expand(length, length)
        results[name] = {
            "weights": weights.tolist(),
            "allowed": allowed.tolist(),
            "zeros": int((weights == 0).sum()),
            "masked_weight": weights[~allowed].sum().item(),
            "row_sums": weights.sum(-1).tolist(),
        }
    scores = (q @ k.T / D_K ** 0.5)[0:1, :4]  # one row of four scores
    nothing = torch.zeros(1, 4, dtype=torch.bool)  # every key masked
    with_inf = torch.softmax(scores.masked_fill(~nothing, float("-inf")), dim=-1)
    with_min = torch.softmax(scores + masks.to_additive(nothing, scores.dtype), dim=-1)
    data = {"tokens": TOKENS, "attention_mask": ATTENTION_MASK, "variants": results,
            "additive_row": masks.additive_padding_mask(attention_mask, "float32")[0, 0, 0].tolist(),
            "all_masked": {"minus_inf_is_nan": bool(torch.isnan(with_inf).all()), "finfo_min": with_min[0].tolist()}}
    return data | {"findings": findings(data)}


def figures(data: dict[str, Any]) -> list[draw.Figure]:
    zh = i18n.current() == "zh"
    tokens = data["tokens"]
    out = []
    for name, result in data["variants"].items():
        label = NAMES[name][1] if zh else NAMES[name][0]
        title = f"注意力权重，{label}（行：查询，列：键）" if zh else f"Attention weights, {label} (rows: queries, columns: keys)"
        out.append(draw.Heatmap(title, result["weights"], tokens, tokens, corner="q \\ k"))
    return out


def show(data: dict[str, Any]) -> None:
    from bertstudy.demos.draw import Table

    out = console.out()
    zh = i18n.current() == "zh"
    draw.show(*figures(data))
    table = Table(title="每种掩码做了什么" if zh else "What each mask did")
    for header in (["掩码", "恰为 0 的权重", "被遮住的键上的总权重", "每行之和"] if zh else
                   ["mask", "weights exactly 0", "total weight on masked keys", "row sums"]):
        table.add_column(header, justify="right")
    for name, result in data["variants"].items():
        sums = result["row_sums"]
        table.add_row(NAMES[name][1] if zh else NAMES[name][0], str(result["zeros"]), f"{result['masked_weight']:g}",
                      f"{min(sums):.6f} … {max(sums):.6f}")
    out.print(table)
    fill = Table(title="如果一行的键全被遮住" if zh else "If every key of a row is masked")
    fill.add_column("填充值" if zh else "fill value")
    fill.add_column("softmax 的结果" if zh else "softmax gives")
    fill.add_row("-inf", "NaN, NaN, NaN, NaN" if data["all_masked"]["minus_inf_is_nan"] else "?")
    fill.add_row("torch.finfo(dtype).min", ", ".join(f"{v:.2f}" for v in data["all_masked"]["finfo_min"]))
    out.print(fill)


def findings(data: dict[str, Any]) -> list[list]:
    row = ", ".join("0" if v == 0 else f"{v:.3g}" for v in data["additive_row"])
    return [["additive", {"attention_mask": str(data["attention_mask"]), "additive": f"[{row}]"}], ["what_masks_do", {}]]


if __name__ == "__main__":
    main("masks")
