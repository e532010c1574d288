import torch


def causal_mask(length):
    return torch.triu(torch.full((length, length), float("-inf")), diagonal=1)
