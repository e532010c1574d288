"""Masks in attention: the same scores under no mask, a padding mask, a causal mask and both."""

from __future__ import annotations

from typing import Any

import torch

from bertstudy import console
from bertstudy.demos import Words, draw
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
    return [draw.Heatmap(words("attention_weights_rows_queries", label=words(f"mask_{name}")), result["weights"],
                         tokens, tokens, corner="q \\ k") for name, result in data["variants"].items()]


def show(data: dict[str, Any], words: Words) -> None:
    out = console.out()
    draw.show(*figures(data, words))
    headers = [words(key) for key in ("mask", "weights_exactly_0", "total_weight_on_masked", "row_sums")]
    table = draw.table(words("what_each_mask_did"), headers, "right")
    for name, result in data["variants"].items():
        sums = result["row_sums"]
        table.add_row(words(f"mask_{name}"), str(result["zeros"]), f"{result['masked_weight']:g}",
                      f"{min(sums):.6f} … {max(sums):.6f}")
    out.print(table)
    fill = draw.table(words("if_every_key_of"), [words("fill_value"), words("softmax_gives")])
    fill.add_row("-inf", "NaN, NaN, NaN, NaN" if data["all_masked"]["minus_inf_is_nan"] else "?")
    fill.add_row("torch.finfo(dtype).min", ", ".join(f"{v:.2f}" for v in data["all_masked"]["finfo_min"]))
    out.print(fill)


def findings(data: dict[str, Any]) -> list[list]:
    row = ", ".join("0" if v == 0 else f"{v:.3g}" for v in data["additive_row"])
    return [["additive", {"attention_mask": str(data["attention_mask"]), "additive": f"[{row}]"}], ["what_masks_do", {}]]
