import torch


def cross_entropy(logits, targets, ignore_index=-100):
    """Mean of -log softmax(logits)[target] over the positions whose target is not ignore_index."""
    keep = targets != ignore_index
    logits, targets = logits[keep], targets[keep]  # (K, C) and (K,): only the positions that count
    shifted = logits - logits.amax(dim=-1, keepdim=True)  # the largest logit of each row is 0
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))
    picked = log_probs[torch.arange(len(targets)), targets]  # one entry per row: its target's
    return -picked.mean()
