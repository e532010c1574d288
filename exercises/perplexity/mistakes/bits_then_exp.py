import math

import torch


def perplexity(logits, targets, ignore_index=-100):
    keep = targets != ignore_index
    log_probs = torch.log_softmax(logits, dim=-1)
    picked = log_probs.gather(-1, targets.masked_fill(~keep, 0).unsqueeze(-1)).squeeze(-1)
    bits = -picked[keep] / math.log(2)
    return torch.exp(bits.mean())
