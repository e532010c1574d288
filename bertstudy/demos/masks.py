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

from bertstudy import console
from bertstudy.demos import Words, draw, main
from bertstudy.reference import masks
from bertstudy.reference.attention import scaled_dot_product_attention

TOKENS = ["[CLS]", "my", "dog", "is", "cute", "[SEP]", "[PAD]", "[PAD]"]
ATTENTION_MASK = [1, 1, 1, 1, 1, 1, 0, 0]  # 1 = a real token, 0 = padding
D_K = 16


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


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    tokens = data["tokens"]
    out = []
    for name, result in data["variants"].items():
        title = words("attention_weights_rows_queries", label=words(f"mask_{name}"))
        out.append(draw.Heatmap(title, result["weights"], tokens, tokens, corner="q \\ k"))
    return out


def show(data: dict[str, Any], words: Words) -> None:
    out = console.out()
    draw.show(*figures(data, words))
    table = draw.Table(title=words("what_each_mask_did"))
    for header in ([words("mask"), words("weights_exactly_0"), words("total_weight_on_masked"), words("row_sums")]):
        table.add_column(header, justify="right")
    for name, result in data["variants"].items():
        sums = result["row_sums"]
        table.add_row(words(f"mask_{name}"), str(result["zeros"]), f"{result['masked_weight']:g}",
                      f"{min(sums):.6f} … {max(sums):.6f}")
    out.print(table)
    fill = draw.Table(title=words("if_every_key_of"))
    fill.add_column(words("fill_value"))
    fill.add_column(words("softmax_gives"))
    fill.add_row("-inf", "NaN, NaN, NaN, NaN" if data["all_masked"]["minus_inf_is_nan"] else "?")
    fill.add_row("torch.finfo(dtype).min", ", ".join(f"{v:.2f}" for v in data["all_masked"]["finfo_min"]))
    out.print(fill)


def findings(data: dict[str, Any]) -> list[list]:
    row = ", ".join("0" if v == 0 else f"{v:.3g}" for v in data["additive_row"])
    return [["additive", {"attention_mask": str(data["attention_mask"]), "additive": f"[{row}]"}], ["what_masks_do", {}]]


if __name__ == "__main__":
    main("masks")
