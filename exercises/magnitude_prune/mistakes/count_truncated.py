import torch


def magnitude_prune(w, sparsity):
    k = int(sparsity * w.numel())
    order = torch.argsort(w.abs().flatten(), stable=True)
    mask = torch.ones(w.numel(), dtype=torch.bool)
    mask[order[:k]] = False
    mask = mask.reshape(w.shape)
    return w * mask, mask
