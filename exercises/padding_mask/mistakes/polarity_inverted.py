import torch


def padding_mask(attention_mask, dtype):
    dtype = getattr(torch, dtype)
    m = attention_mask[:, None, None, :].to(dtype)
    return m * torch.finfo(dtype).min
