import torch


def softmax(x, dim=-1):
    """exp(x) / sum(exp(x)) along `dim`, computed on x - max(x) so that exp() cannot overflow."""
    shifted = x - x.amax(dim=dim, keepdim=True)  # the largest score along dim becomes 0
    exp = torch.exp(shifted)
    return exp / exp.sum(dim=dim, keepdim=True)
