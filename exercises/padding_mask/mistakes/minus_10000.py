import torch


def padding_mask(attention_mask, dtype):
    m = attention_mask[:, None, None, :].to(getattr(torch, dtype))
    return (1.0 - m) * -10000.0
