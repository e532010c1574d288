import torch


def greedy_decode(logits, bos, eos, max_len):
    log_probs = torch.log_softmax(logits, dim=-1)
    tokens, score, last = [], 0.0, bos
    while len(tokens) <= max_len:
        best = int(log_probs[last].argmax())
        tokens.append(best)
        score += float(log_probs[last, best])
        if best == eos:
            break
        last = best
    return tokens, score
