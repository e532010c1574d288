import math

import torch


def multi_head_attention(x, w_q, b_q, w_k, b_k, w_v, b_v, w_o, b_o, num_heads, attention_mask=None):
    """Return BERT's multi-head self-attention of x, (B, L, D); the statement: `bertstudy exercise start multi_head_attention`."""
    # TODO: project x to Q, K, V (nn.Linear layout: x @ w.T + b)
    # TODO: split each into heads: (B, L, D) -> (B, num_heads, L, d_head)
    # TODO: scores scaled by 1/sqrt(d_head); padding KEYS get weight 0; softmax over the keys
    # TODO: weight the values, merge the heads back to (B, L, D), apply the output projection
    raise NotImplementedError("write multi_head_attention")
