import torch


def perplexity(logits, targets, ignore_index=-100):
    """exp(-(1/N) Σ log P(target)) over the N targets of the batch that are not ignore_index."""
    keep = targets != ignore_index  # (B, L)
    log_probs = torch.log_softmax(logits, dim=-1)  # (B, L, V)
    safe = targets.masked_fill(~keep, 0)  # any valid id where the target is padding
    picked = log_probs.gather(-1, safe.unsqueeze(-1)).squeeze(-1)  # (B, L)
    return torch.exp(-picked[keep].mean())
