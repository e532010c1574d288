import torch


def magnitude_prune(w, sparsity):
    keep = round(sparsity * w.numel())
    order = torch.argsort(w.abs().flatten(), descending=True, stable=True)
    mask = torch.zeros(w.numel(), dtype=torch.bool)
    mask[order[:keep]] = True
    mask = mask.reshape(w.shape)
    return w * mask, mask
