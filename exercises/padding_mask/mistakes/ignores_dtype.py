import torch


def padding_mask(attention_mask, dtype):
    m = attention_mask[:, None, None, :].float()
    return (1.0 - m) * torch.finfo(torch.float32).min
