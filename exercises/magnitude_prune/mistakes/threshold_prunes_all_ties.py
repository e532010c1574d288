import torch


def magnitude_prune(w, sparsity):
    k = round(sparsity * w.numel())
    if k == 0:
        return w.clone(), torch.ones_like(w, dtype=torch.bool)
    threshold = w.abs().flatten().kthvalue(k).values
    mask = w.abs() > threshold
    return w * mask, mask
