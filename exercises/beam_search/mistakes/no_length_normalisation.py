import torch


def beam_search(logits, bos, eos, max_len, beam_size, alpha):
    log_probs = torch.log_softmax(logits, dim=-1).tolist()
    live, finished = [([], 0.0)], []
    for _ in range(max_len):
        candidates = []
        for tokens, score in live:
            last = tokens[-1] if tokens else bos
            for token in range(len(log_probs)):
                candidates.append((tokens + [token], score + log_probs[last][token]))
        candidates.sort(key=lambda c: c[1], reverse=True)
        live = []
        for tokens, score in candidates[:beam_size - len(finished)]:
            (finished if tokens[-1] == eos else live).append((tokens, score))
        if not live:
            break
    finished += live
    return max(finished, key=lambda h: h[1])
