import torch
import torch.nn.functional as F


def skipgram_negative_sampling_loss(center, context, negatives):
    """Mean over the batch of -log σ(u_o·v_c) - Σ_k log σ(-u_k·v_c)."""
    positive = (context * center).sum(dim=-1)  # (B,)
    negative = (negatives * center.unsqueeze(1)).sum(dim=-1)  # (B, K, D) * (B, 1, D) -> (B, K)
    per_pair = -F.logsigmoid(positive) - F.logsigmoid(-negative).sum(dim=-1)  # (B,)
    return per_pair.mean()
