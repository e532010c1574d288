"""The sinusoidal positional encoding of the original Transformer, and what its geometry gives."""

from __future__ import annotations

import math
from typing import Any

import torch

from bertstudy import console
from bertstudy.demos import Words, draw
from bertstudy.reference.positions import sinusoidal_positional_encoding


def frequencies(d_model: int) -> torch.Tensor:
    """ω_i = 10000^(-2i/d_model) for i = 0 .. d_model/2 - 1, float64."""
    return torch.pow(10000.0, -torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)


def shift_matrix(k: int, d_model: int) -> torch.Tensor:
    """M_k (d_model, d_model), block-diagonal: for each pair (sin, cos) of frequency ω,
    [sin ω(p+k), cos ω(p+k)] = [[cos ωk, sin ωk], [-sin ωk, cos ωk]] · [sin ωp, cos ωp]."""
    m = torch.zeros(d_model, d_model, dtype=torch.float64)
    for i, omega in enumerate(frequencies(d_model).tolist()):
        c, s = math.cos(k * omega), math.sin(k * omega)
        m[2 * i:2 * i + 2, 2 * i:2 * i + 2] = torch.tensor([[c, s], [-s, c]], dtype=torch.float64)
    return m


def run(quick: bool = False) -> dict[str, Any]:
    d_model, max_len, shown, max_offset = (32, 128, 24, 48) if quick else (64, 256, 32, 96)  # shown: heatmap rows
    pe = sinusoidal_positional_encoding(max_len, d_model).double()  # (max_len, d_model)
    offsets = list(range(max_offset + 1))
    similarity = {str(p): [(pe[p] @ pe[p + k]).item() / (d_model / 2) for k in offsets] for p in (0, 17, 60)}
    # PE[p + k] against M_k PE[p], applied to every position p at once: (max_len - k, d_model)
    shifts = [{"k": k, "max_error": (pe[: max_len - k] @ shift_matrix(k, d_model).T - pe[k:]).abs().max().item()}
              for k in (1, 5, 20)]
    wavelengths = [2 * math.pi / w for w in frequencies(d_model).tolist()]
    data = {"d_model": d_model, "max_len": max_len, "encoding": pe[:shown].tolist(), "offsets": offsets,
            "similarity": similarity, "shifts": shifts,
            "wavelengths": [wavelengths[0], wavelengths[len(wavelengths) // 2], wavelengths[-1]],
            "norm_squared": (pe[5] @ pe[5]).item()}
    return data | {"findings": findings(data)}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    encoding = data["encoding"]
    return [
        draw.Heatmap(words("sinusoidal_positional_encoding_rows", value=len(encoding) - 1, value2=data['d_model'] - 1),
                     encoding, [str(p) for p in range(len(encoding))], [str(i) for i in range(data["d_model"])],
                     corner=words("pos")),
        draw.Lines(words("pe_p_pe_p"),
                   [float(k) for k in data["offsets"]],
                   {f"p = {p}": values for p, values in data["similarity"].items()},
                   x_label=words("offset_k"), y_label=words("similarity")),
    ]


def show(data: dict[str, Any], words: Words) -> None:
    draw.show(*figures(data, words))
    table = draw.table(words("moving_k_positions_is"), ["k", words("largest_error_over_every")], "right")
    for row in data["shifts"]:
        table.add_row(str(row["k"]), f"{row['max_error']:.1e}")
    console.out().print(table)


def findings(data: dict[str, Any]) -> list[list]:
    shortest, middle, longest = data["wavelengths"]
    curves = list(data["similarity"].values())
    spread = max(max(abs(a - b) for a, b in zip(curves[0], other)) for other in curves[1:])
    return [["clock_hands", {"shortest": shortest, "middle": middle, "longest": longest, "norm_squared": data["norm_squared"]}],
            ["relative_position", {"spread": spread}]]
