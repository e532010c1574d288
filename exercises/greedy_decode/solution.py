import torch


def greedy_decode(logits, bos, eos, max_len):
    """Greedy decoding from a bigram model: returns (token ids, total log-probability)."""
    log_probs = torch.log_softmax(logits, dim=-1)  # (V, V): row a is P(· | a)
    tokens, score, last = [], 0.0, bos
    for _ in range(max_len):
        best = int(log_probs[last].argmax())  # the first maximum: ties go to the smaller id
        tokens.append(best)
        score += float(log_probs[last, best])
        if best == eos:
            break
        last = best
    return tokens, score
