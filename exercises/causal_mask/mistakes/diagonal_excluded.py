import torch


def causal_mask(length):
    i = torch.arange(length)
    return i[None, :] < i[:, None]
