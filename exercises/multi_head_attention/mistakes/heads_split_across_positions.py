import math

import torch


def multi_head_attention(x, w_q, b_q, w_k, b_k, w_v, b_v, w_o, b_o, num_heads, attention_mask=None):
    B, L, D = x.shape
    d_head = D // num_heads
    q = (x @ w_q.T + b_q).view(B, num_heads, L, d_head)
    k = (x @ w_k.T + b_k).view(B, num_heads, L, d_head)
    v = (x @ w_v.T + b_v).view(B, num_heads, L, d_head)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)
    if attention_mask is not None:
        mask = attention_mask.bool()[:, None, None, :]
        scores = scores.masked_fill(~mask, -1e9)
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).reshape(B, L, D)
    return out @ w_o.T + b_o
