"""Deep-learning basics written from scratch: softmax, cross-entropy and layer normalisation.

The answer keys of the dl-basics and training-tricks exercises, and the building blocks the rest
of the reference reuses. Each is numerically stable (the softmax and the cross-entropy subtract
the row maximum before exponentiating) and differentiable by autograd.
Leaves out: label smoothing, class weights and reductions other than the mean in the
cross-entropy; LayerNorm without an affine part or over several trailing dimensions; fused
kernels.
"""

from __future__ import annotations

import torch


def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """softmax(x)_i = exp(x_i - max x) / sum_j exp(x_j - max x), along `dim`.

    x (...) float; returns a tensor of the same shape and dtype whose entries are positive and sum
    to 1 along `dim`. Subtracting the maximum changes nothing mathematically but keeps exp() from
    overflowing (exp(1000) is inf even in float64).
    """
    shifted = x - x.amax(dim=dim, keepdim=True)  # same shape as x; the largest entry is 0
    exp = shifted.exp()
    return exp / exp.sum(dim=dim, keepdim=True)


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor, ignore_index: int = -100) -> torch.Tensor:
    """Mean negative log-likelihood of the target classes, skipping targets equal to ignore_index.

    logits (N, C) float, unnormalised scores; targets (N,) int64, class indices in [0, C) or
    ignore_index (BERT's MLM labels use -100 for the positions that are not predicted). Returns a
    0-dim tensor of the logits' dtype: -(1/|kept|) sum over kept n of log softmax(logits[n])[targets[n]].
    At least one target must be kept. log softmax is computed as (x - max) - log sum exp(x - max).
    """
    keep = targets != ignore_index  # (N,) bool
    shifted = logits - logits.amax(dim=-1, keepdim=True)  # (N, C)
    log_probs = shifted - shifted.exp().sum(dim=-1, keepdim=True).log()  # (N, C), log softmax
    safe_targets = targets.masked_fill(~keep, 0)  # (N,), any valid class where the target is ignored
    nll = -log_probs.gather(-1, safe_targets.unsqueeze(-1)).squeeze(-1)  # (N, 1) -> (N,)
    return nll[keep].mean()  # 0-dim: average over the kept positions only


def layer_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """LayerNorm (Ba et al. 2016) over the last dimension, as BERT uses it (eps 1e-12).

    x (..., d_model); weight (gamma) and bias (beta) (d_model,). Returns
    weight * (x - mean) / sqrt(var + eps) + bias, of x's shape and dtype, where mean and var are
    taken over the last dimension and var is the biased variance (divided by d_model, not
    d_model - 1), with eps inside the square root.
    """
    mean = x.mean(dim=-1, keepdim=True)  # (..., 1)
    var = (x - mean).pow(2).mean(dim=-1, keepdim=True)  # (..., 1), biased
    x_hat = (x - mean) / torch.sqrt(var + eps)  # (..., d_model)
    return weight * x_hat + bias  # (..., d_model)
