import torch


def greedy_decode(logits, bos, eos, max_len):
    tokens, score, last = [], 0.0, bos
    for _ in range(max_len):
        best = int(logits[last].argmax())
        tokens.append(best)
        score += float(logits[last, best])
        if best == eos:
            break
        last = best
    return tokens, score
