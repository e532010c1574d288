import torch


def perplexity(logits, targets, ignore_index=-100):
    keep = targets != ignore_index
    log_probs = torch.log(torch.softmax(logits, dim=-1))
    picked = log_probs.gather(-1, targets.masked_fill(~keep, 0).unsqueeze(-1)).squeeze(-1)
    return torch.exp(-picked[keep].mean())
