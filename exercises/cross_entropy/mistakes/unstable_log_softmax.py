import torch


def cross_entropy(logits, targets, ignore_index=-100):
    keep = targets != ignore_index
    logits, targets = logits[keep], targets[keep]
    exp = torch.exp(logits)
    log_probs = torch.log(exp / exp.sum(dim=-1, keepdim=True))
    picked = log_probs[torch.arange(len(targets)), targets]
    return -picked.mean()
