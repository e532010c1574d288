import math

import torch


def multi_head_attention(x, w_q, b_q, w_k, b_k, w_v, b_v, w_o, b_o, num_heads, attention_mask=None):
    """BERT's multi-head self-attention without dropout: (B, L, D) -> (B, L, D)."""
    B, L, D = x.shape
    d_head = D // num_heads

    def split(t):
        return t.view(B, L, num_heads, d_head).transpose(1, 2)  # (B, L, D) -> (B, h, L, d_head)

    q = split(x @ w_q.T + b_q)
    k = split(x @ w_k.T + b_k)
    v = split(x @ w_v.T + b_v)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)  # (B, h, L, L)
    if attention_mask is not None:
        key_ok = attention_mask.bool()[:, None, None, :]  # (B, 1, 1, L): padding keys
        scores = scores.masked_fill(~key_ok, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    heads = weights @ v  # (B, h, L, d_head)
    concat = heads.transpose(1, 2).reshape(B, L, D)  # (B, L, D)
    return concat @ w_o.T + b_o
