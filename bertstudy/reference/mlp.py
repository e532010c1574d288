"""A two-layer MLP classifier with its backward pass derived by hand (no autograd).

    z1 = x W1ᵀ + b1          (B, H)      W1 (H, D), b1 (H,): nn.Linear's layout
    h  = tanh(z1)            (B, H)
    logits = h W2ᵀ + b2      (B, C)      W2 (C, H), b2 (C,)
    loss = -(1/B) Σ_n log softmax(logits_n)[t_n]

Backward, from the loss to the weights, one line of matrix calculus per step:

    ∂loss/∂logits = (softmax(logits) - onehot(t)) / B     (B, C)
    ∂loss/∂W2 = (∂loss/∂logits)ᵀ h                          (C, H)
    ∂loss/∂b2 = Σ_n ∂loss/∂logits_n                          (C,)
    ∂loss/∂h  = (∂loss/∂logits) W2                           (B, H)
    ∂loss/∂z1 = ∂loss/∂h ⊙ (1 - h²)                          (B, H), tanh' = 1 - tanh²
    ∂loss/∂W1 = (∂loss/∂z1)ᵀ x                               (H, D)
    ∂loss/∂b1 = Σ_n ∂loss/∂z1_n                              (H,)

The answer key of the mlp_backward exercise and the engine of the mlp-learns demo.
Leaves out: other activations, more layers, regularisation and ignored targets.
"""

from __future__ import annotations

import torch


def mlp_forward(x: torch.Tensor, w1: torch.Tensor, b1: torch.Tensor,
                w2: torch.Tensor, b2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The hidden activations h (B, H) and the logits (B, C) for inputs x (B, D)."""
    z1 = x @ w1.T + b1  # (B, H)
    h = torch.tanh(z1)  # (B, H)
    logits = h @ w2.T + b2  # (B, C)
    return h, logits


def mlp_backward(x: torch.Tensor, targets: torch.Tensor, w1: torch.Tensor, b1: torch.Tensor,
                 w2: torch.Tensor, b2: torch.Tensor) -> dict[str, torch.Tensor]:
    """Mean cross-entropy of the MLP above and its gradient with respect to every weight and bias.

    x (B, D) float; targets (B,) int64 classes in [0, C); w1 (H, D), b1 (H,), w2 (C, H), b2 (C,)
    of x's dtype. Returns {"loss": 0-dim, "w1": ∂loss/∂w1, "b1": ..., "w2": ..., "b2": ...}, each
    gradient of its parameter's shape and dtype. The softmax subtracts the row maximum first, so
    large logits give no inf or NaN.
    """
    batch = x.shape[0]
    rows = torch.arange(batch)

    # forward, keeping what the backward pass needs (h)
    h, logits = mlp_forward(x, w1, b1, w2, b2)  # (B, H), (B, C)
    shifted = logits - logits.amax(dim=1, keepdim=True)  # (B, C); the largest entry of a row is 0
    log_probs = shifted - shifted.exp().sum(dim=1, keepdim=True).log()  # (B, C), log softmax
    loss = -log_probs[rows, targets].mean()  # 0-dim

    # backward, from the loss back to the weights
    one_hot = torch.zeros_like(logits)  # (B, C)
    one_hot[rows, targets] = 1.0  # a 1 at each row's target class
    d_logits = (log_probs.exp() - one_hot) / batch  # (B, C): softmax - onehot, over B for the mean
    d_w2 = d_logits.T @ h  # (C, B) @ (B, H) -> (C, H)
    d_b2 = d_logits.sum(dim=0)  # (C,): b2 is added to every row
    d_h = d_logits @ w2  # (B, C) @ (C, H) -> (B, H)
    d_z1 = d_h * (1.0 - h * h)  # (B, H): through tanh
    d_w1 = d_z1.T @ x  # (H, B) @ (B, D) -> (H, D)
    d_b1 = d_z1.sum(dim=0)  # (H,)
    return {"loss": loss, "w1": d_w1, "b1": d_b1, "w2": d_w2, "b2": d_b2}
