import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    """Return (output, weights) of softmax(q kᵀ / √d) v."""
    d = q.size(-1)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)  # (..., L_q, L_k)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))  # masked keys get weight exp(-inf) = 0
    weights = torch.softmax(scores, dim=-1)  # each query's row sums to 1
    return weights @ v, weights  # (..., L_q, d_v), (..., L_q, L_k)
