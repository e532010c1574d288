"""Scaled dot-product attention (Vaswani et al. 2017, section 3.2.1).

softmax(Q Kᵀ / √d_k) V, with an optional boolean mask that says where a query may look.
Leaves out: dropout on the weights, multi-head projections (multi_head.py), fused kernels.
"""

from __future__ import annotations

import math

import torch


def scaled_dot_product_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Attend from every query to every key.

    q (..., L_q, d_k), k (..., L_k, d_k), v (..., L_k, d_v); mask bool, broadcastable to
    (..., L_q, L_k), True where the query may attend to the key. Returns the output
    (..., L_q, d_v) and the weights (..., L_q, L_k), which sum to 1 over the keys and are 0 where
    masked. Every query must keep at least one key.
    """
    d_k = q.size(-1)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)  # (..., L_q, L_k)
    if mask is not None:
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    weights = torch.softmax(scores, dim=-1)  # each row sums to 1 over the keys
    return weights @ v, weights  # (..., L_q, d_v), (..., L_q, L_k)


def sinusoidal_positions(max_len: int, d_model: int) -> torch.Tensor:
    """PE[pos, 2i] = sin(pos / 10000^(2i/d_model)), PE[pos, 2i+1] = cos(...); (max_len, d_model)."""
    position = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)  # (max_len, 1)
    inv_freq = torch.pow(10000.0, -torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)  # (d_model/2,)
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(position * inv_freq)
    pe[:, 1::2] = torch.cos(position * inv_freq)
    return pe
