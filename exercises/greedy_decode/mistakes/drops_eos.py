import torch


def greedy_decode(logits, bos, eos, max_len):
    log_probs = torch.log_softmax(logits, dim=-1)
    tokens, score, last = [], 0.0, bos
    for _ in range(max_len):
        best = int(log_probs[last].argmax())
        if best == eos:
            break
        tokens.append(best)
        score += float(log_probs[last, best])
        last = best
    return tokens, score
