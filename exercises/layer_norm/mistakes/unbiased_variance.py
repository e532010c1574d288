import torch


def layer_norm(x, weight, bias, eps=1e-12):
    mean = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True)
    x_hat = (x - mean) / torch.sqrt(var + eps)
    return weight * x_hat + bias
