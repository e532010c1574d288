import torch


def layer_norm(x, weight, bias, eps=1e-12):
    """LayerNorm over the last dimension, BERT's way; the statement: `bertstudy exercise start layer_norm`."""
    # TODO: mean and biased variance over the last dimension (keepdim=True)
    # TODO: normalise with eps inside the square root
    # TODO: scale by weight and shift by bias
    raise NotImplementedError("write layer_norm")
