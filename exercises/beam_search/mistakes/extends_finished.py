import torch


def beam_search(logits, bos, eos, max_len, beam_size, alpha):
    log_probs = torch.log_softmax(logits, dim=-1).tolist()
    beam = [([], 0.0)]
    for _ in range(max_len):
        candidates = []
        for tokens, score in beam:
            last = tokens[-1] if tokens else bos
            for token in range(len(log_probs)):
                candidates.append((tokens + [token], score + log_probs[last][token]))
        candidates.sort(key=lambda c: c[1], reverse=True)
        beam = candidates[:beam_size]
    return max(beam, key=lambda h: h[1] / len(h[0]) ** alpha)
