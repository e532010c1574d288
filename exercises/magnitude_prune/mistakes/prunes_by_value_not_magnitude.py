import torch


def magnitude_prune(w, sparsity):
    k = round(sparsity * w.numel())
    order = torch.argsort(w.flatten(), stable=True)
    mask = torch.ones(w.numel(), dtype=torch.bool)
    mask[order[:k]] = False
    mask = mask.reshape(w.shape)
    return w * mask, mask
