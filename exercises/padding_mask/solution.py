import torch


def padding_mask(attention_mask, dtype):
    """Additive mask (B, 1, 1, L): 0 for real tokens, torch.finfo(dtype).min for padding."""
    dtype = getattr(torch, dtype)  # "float16" -> torch.float16
    keep = attention_mask.bool()[:, None, None, :]  # (B, 1, 1, L): one row of keys for every head and query
    mask = torch.zeros(keep.shape, dtype=dtype)
    return mask.masked_fill(~keep, torch.finfo(dtype).min)
