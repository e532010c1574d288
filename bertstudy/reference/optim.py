"""Adam and AdamW written out (Kingma & Ba 2015; Loshchilov & Hutter 2019), and BERT's learning-rate
schedule, for the demos' training loops.

    m ← β₁ m + (1 - β₁) g,   v ← β₂ v + (1 - β₂) g²
    θ ← θ - lr · m̂ / (√v̂ + ε),   m̂ = m / (1 - β₁ᵗ),  v̂ = v / (1 - β₂ᵗ)   (undoing the zero start)
    AdamW first decays the weights, apart from the gradient: θ ← θ - lr · λ · θ

They compute what torch.optim.Adam and torch.optim.AdamW compute with their defaults (tests check
it); the demos use these because the first step of any torch.optim optimiser imports torch._dynamo,
which takes longer than a quick demo may run.
Google's BERT optimiser (AdamWeightDecayOptimizer) differs in two details: it skips the bias
correction (m̂ = m, v̂ = v) and excludes LayerNorm weights and biases from the decay; pass only the
parameters to decay in one AdamW and the rest in another to follow the second.
Leaves out: amsgrad, maximize, parameter groups, state saving.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


class AdamW:
    """AdamW with decoupled weight decay; weight_decay=0 makes it Adam."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.01):
        self.params = [p for p in params if p.requires_grad]
        self.lr, (self.beta1, self.beta2), self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.m = [torch.zeros_like(p) for p in self.params]  # running mean of the gradients
        self.v = [torch.zeros_like(p) for p in self.params]  # running mean of their squares
        self.t = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        correction1, correction2 = 1 - self.beta1 ** self.t, 1 - self.beta2 ** self.t
        for p, m, v in zip(self.params, self.m, self.v):
            if p.grad is None:
                continue
            if self.weight_decay:
                p.mul_(1 - self.lr * self.weight_decay)  # decoupled: not through m and v
            m.mul_(self.beta1).add_(p.grad, alpha=1 - self.beta1)
            v.mul_(self.beta2).addcmul_(p.grad, p.grad, value=1 - self.beta2)
            p.addcdiv_(m / correction1, (v / correction2).sqrt_().add_(self.eps), value=-self.lr)


class Adam(AdamW):
    """Adam: AdamW without weight decay (torch.optim.Adam's defaults)."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8):
        super().__init__(params, lr, betas, eps, weight_decay=0.0)


def bert_learning_rate(step: int, peak: float, warmup_steps: int, total_steps: int) -> float:
    """Google BERT's schedule: peak · step / warmup_steps during the warm-up, then the linear decay
    peak · (1 - step / total_steps), which Google's code counts from step 0 (so the rate after the
    warm-up starts a little below the peak; Hugging Face's linear schedule decays from the warm-up's end)."""
    if step < warmup_steps:
        return peak * step / warmup_steps
    return peak * max(0.0, 1 - step / total_steps)
