import torch


def padding_mask(attention_mask, dtype):
    dtype = getattr(torch, dtype)
    m = attention_mask.unsqueeze(1).to(dtype)
    return (1.0 - m) * torch.finfo(dtype).min
