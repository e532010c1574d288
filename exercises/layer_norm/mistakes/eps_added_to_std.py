import torch


def layer_norm(x, weight, bias, eps=1e-12):
    mean = x.mean(dim=-1, keepdim=True)
    std = torch.sqrt(((x - mean) ** 2).mean(dim=-1, keepdim=True))
    x_hat = (x - mean) / (std + eps)
    return weight * x_hat + bias
