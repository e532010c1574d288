"""Deep-learning basics written from scratch: GELU, softmax, cross-entropy, layer and batch normalisation.

The answer keys of the dl-basics, training-tricks and bert-architecture exercises, and the
building blocks the rest of the reference reuses. Each is numerically stable (the softmax and the
cross-entropy subtract the row maximum before exponentiating) and differentiable by autograd.
Leaves out: label smoothing, class weights and reductions other than the mean in the
cross-entropy; LayerNorm without an affine part or over several trailing dimensions; BatchNorm's
running statistics (batch_norm is the training-mode computation only); fused kernels.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def gelu(x: torch.Tensor) -> torch.Tensor:
    """GELU (Hendrycks & Gimpel 2016), exact: x · Φ(x) = 0.5 · x · (1 + erf(x / √2)).

    x (...) float; returns a tensor of the same shape and dtype. Φ is the standard normal CDF, so
    GELU weights each input by how likely a standard normal variable is to be smaller than it.
    BERT's "gelu" in Hugging Face transformers, and torch.nn.functional.gelu's default.
    """
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    """GELU's tanh approximation: 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))).

    The form in Google's original BERT code and in GPT-2 (HF's "gelu_new",
    F.gelu(approximate="tanh")). It differs from the exact form by at most about 4.7e-4, near |x| = 2.7.
    """
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


class GELU(nn.Module):
    """The exact (erf) GELU as a module, for use inside nn.Sequential; see gelu()."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return gelu(x)  # same shape as x


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


def batch_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """BatchNorm (Ioffe & Szegedy 2015) in training mode, over the batch dimension.

    x (N, d) float; weight (gamma) and bias (beta) (d,). Each FEATURE (column) is normalised with
    the mean and biased variance of that feature over the N examples of the batch, the transpose
    of layer_norm, which normalises each example (row) over its features. Returns
    weight * (x - mean) / sqrt(var + eps) + bias, of x's shape and dtype; eps defaults to
    PyTorch's 1e-5. The running averages used at evaluation time are left out.
    """
    mean = x.mean(dim=0, keepdim=True)  # (1, d): one mean per feature
    var = (x - mean).pow(2).mean(dim=0, keepdim=True)  # (1, d), biased
    x_hat = (x - mean) / torch.sqrt(var + eps)  # (N, d)
    return weight * x_hat + bias  # (N, d)
