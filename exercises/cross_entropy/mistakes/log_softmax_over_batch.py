import torch


def cross_entropy(logits, targets, ignore_index=-100):
    keep = targets != ignore_index
    logits, targets = logits[keep], targets[keep]
    shifted = logits - logits.amax(dim=0, keepdim=True)
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=0, keepdim=True))
    picked = log_probs[torch.arange(len(targets)), targets]
    return -picked.mean()
