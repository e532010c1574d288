import torch


def layer_norm(x, weight, bias, eps=1e-12):
    """weight * (x - mean) / sqrt(var + eps) + bias, with mean and biased var over the last dimension."""
    mean = x.mean(dim=-1, keepdim=True)  # (..., 1)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)  # biased: divided by d
    x_hat = (x - mean) / torch.sqrt(var + eps)
    return weight * x_hat + bias
