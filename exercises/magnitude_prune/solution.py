import torch


def magnitude_prune(w, sparsity):
    """Unstructured magnitude pruning: zero the round(sparsity · n) entries with the smallest |w|."""
    k = round(sparsity * w.numel())  # how many to prune
    order = torch.argsort(w.abs().flatten(), stable=True)  # smallest |w| first; ties keep their order
    mask = torch.ones(w.numel(), dtype=torch.bool)
    mask[order[:k]] = False
    mask = mask.reshape(w.shape)
    pruned = torch.where(mask, w, torch.zeros_like(w))
    return pruned, mask
