import torch


def causal_mask(length):
    """Bool (length, length), True where query i may attend to key j (j <= i); the statement: `bertstudy exercise start causal_mask`."""
    # TODO: rows are queries, columns are keys: which cells may a query see?
    # TODO: return a torch.bool tensor, True on and below the diagonal
    raise NotImplementedError("write causal_mask")
