import torch


def beam_search(logits, bos, eos, max_len, beam_size, alpha):
    """Beam search over a bigram model: returns (token ids, total log-probability) of the best
    finished hypothesis by score / len ** alpha."""
    log_probs = torch.log_softmax(logits, dim=-1).tolist()  # row a: log P(· | a)
    vocab = len(log_probs)
    live = [([], 0.0)]  # (tokens, total log-probability), best first
    finished = []
    for _ in range(max_len):
        candidates = []
        for tokens, score in live:
            last = tokens[-1] if tokens else bos
            for token in range(vocab):
                candidates.append((tokens + [token], score + log_probs[last][token]))
        candidates.sort(key=lambda c: c[1], reverse=True)  # stable: equals keep parent, then id order
        live = []
        for tokens, score in candidates[:beam_size - len(finished)]:
            (finished if tokens[-1] == eos else live).append((tokens, score))
        if not live:
            break
    finished += live  # still unfinished after max_len tokens
    return max(finished, key=lambda h: h[1] / len(h[0]) ** alpha)  # the first of equals wins
