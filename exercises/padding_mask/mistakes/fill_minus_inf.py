import torch


def padding_mask(attention_mask, dtype):
    keep = attention_mask.bool()[:, None, None, :]
    return torch.zeros(keep.shape, dtype=getattr(torch, dtype)).masked_fill(~keep, float("-inf"))
