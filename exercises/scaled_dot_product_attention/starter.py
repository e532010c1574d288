import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    """Return (output, weights) of softmax(q kᵀ / √d) v; the statement: `bertstudy exercise start scaled_dot_product_attention`."""
    # TODO: scores (..., L_q, L_k), scaled by 1/sqrt(d)
    # TODO: where mask is False, make the score very negative (out of place)
    # TODO: softmax over the keys, then weight the values
    raise NotImplementedError("write scaled_dot_product_attention")
