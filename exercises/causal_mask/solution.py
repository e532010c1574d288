import torch


def causal_mask(length):
    """Bool (length, length), True where query i may attend to key j: j <= i."""
    query = torch.arange(length)[:, None]  # (L, 1): the row index i
    key = torch.arange(length)[None, :]  # (1, L): the column index j
    return key <= query  # (L, L): itself and the past, never the future
