import torch


def magnitude_prune(w, sparsity):
    rows = w.reshape(-1, w.shape[-1])
    k = round(sparsity * rows.shape[1])
    order = torch.argsort(rows.abs(), dim=1, stable=True)
    mask = torch.ones_like(rows, dtype=torch.bool)
    mask.scatter_(1, order[:, :k], False)
    mask = mask.reshape(w.shape)
    return w * mask, mask
