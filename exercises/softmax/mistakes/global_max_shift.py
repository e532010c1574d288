import torch


def softmax(x, dim=-1):
    exp = torch.exp(x - x.max())
    return exp / exp.sum(dim=dim, keepdim=True)
