import torch


def cross_entropy(logits, targets, ignore_index=-100):
    keep = targets != ignore_index
    shifted = logits - logits.amax(dim=-1, keepdim=True)
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))
    safe_targets = torch.where(keep, targets, torch.zeros_like(targets))
    picked = log_probs[torch.arange(len(targets)), safe_targets] * keep
    return -picked.mean()
