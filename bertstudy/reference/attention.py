"""Scaled dot-product attention and multi-head self-attention (Vaswani et al. 2017, 3.2.1-3.2.2).

softmax(Q Kᵀ / √d_k) V, with an optional boolean mask that says where a query may look; and
BERT's multi-head self-attention built on it, with weights in nn.Linear's layout.
An optional dropout applies to the weights before they mix the values (BERT's attention dropout).
scaled_dot_product_attention takes any L_q and L_k, so it serves cross-attention too (see
transformer.py); multi_head_attention is self-attention only. Leaves out: key/value caches and
fused kernels.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch


def scaled_dot_product_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None,
    dropout: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Attend from every query to every key.

    q (..., L_q, d_k), k (..., L_k, d_k), v (..., L_k, d_v); mask bool, broadcastable to
    (..., L_q, L_k), True where the query may attend to the key. Returns the output
    (..., L_q, d_v) and the weights (..., L_q, L_k), which sum to 1 over the keys and are 0 where
    masked. Every query must keep at least one key. `dropout`, when given (an nn.Dropout), is
    applied to the weights that mix the values; the weights returned are the ones before it.
    """
    d_k = q.size(-1)
    scores = (q / math.sqrt(d_k)) @ k.transpose(-2, -1)  # (..., L_q, L_k); scaling q is cheaper than the scores
    if mask is not None:
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    weights = torch.softmax(scores, dim=-1)  # each row sums to 1 over the keys
    mixed = dropout(weights) if dropout is not None else weights  # BERT drops attention weights in training
    return mixed @ v, weights  # (..., L_q, d_v), (..., L_q, L_k)


def multi_head_attention(
    x: torch.Tensor,
    w_q: torch.Tensor, b_q: torch.Tensor,
    w_k: torch.Tensor, b_k: torch.Tensor,
    w_v: torch.Tensor, b_v: torch.Tensor,
    w_o: torch.Tensor, b_o: torch.Tensor,
    num_heads: int,
    attention_mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """BERT's multi-head self-attention, without dropout.

    x (B, L, D); every w_* (D, D) in nn.Linear's layout (y = x Wᵀ + b) and every b_* (D,);
    num_heads h divides D and each head has d_head = D / h dimensions. attention_mask is None
    or (B, L), bool or 0/1 integers, 1 (True) for real tokens and 0 (False) for padding, which no
    query may attend to; every row keeps at least one real token. Returns (B, L, D): the heads'
    outputs concatenated and passed through the output projection W_O.
    """
    batch, length, d_model = x.shape
    d_head = d_model // num_heads

    def split_heads(t: torch.Tensor) -> torch.Tensor:
        return t.view(batch, length, num_heads, d_head).transpose(1, 2)  # (B, L, D) -> (B, h, L, d_head)

    q = split_heads(x @ w_q.T + b_q)  # (B, h, L, d_head)
    k = split_heads(x @ w_k.T + b_k)  # (B, h, L, d_head)
    v = split_heads(x @ w_v.T + b_v)  # (B, h, L, d_head)
    mask = None
    if attention_mask is not None:
        mask = attention_mask.bool()[:, None, None, :]  # (B, 1, 1, L): the same keys for every head and query
    heads, _ = scaled_dot_product_attention(q, k, v, mask)  # (B, h, L, d_head), scaled by 1/√d_head
    concat = heads.transpose(1, 2).reshape(batch, length, d_model)  # (B, L, h, d_head) -> (B, L, D)
    return concat @ w_o.T + b_o  # (B, L, D)
