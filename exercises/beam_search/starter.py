import torch


def beam_search(logits, bos, eos, max_len, beam_size, alpha):
    """Return (tokens, score) of beam search over the bigram model `logits` (V, V); the statement: `bertstudy exercise start beam_search`."""
    # TODO: log-probabilities: a log_softmax over each row (row a: the token after a)
    # TODO: one live hypothesis to start: no tokens, score 0.0, its last token is bos
    # TODO: each step: extend every live hypothesis by every token; keep the
    #       beam_size - (finished so far) best candidates by total log-probability
    # TODO: kept candidates that end in eos are finished; the rest stay live; stop when none is live
    # TODO: live ones after max_len steps count as finished; return the best by score / len ** alpha
    raise NotImplementedError("write beam_search")
