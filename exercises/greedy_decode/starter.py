import torch


def greedy_decode(logits, bos, eos, max_len):
    """Return (tokens, score) of greedy decoding from the bigram model `logits` (V, V); the statement: `bertstudy exercise start greedy_decode`."""
    # TODO: log-probabilities: a log_softmax over each row (row a: the token after a)
    # TODO: start from bos with no tokens and a score of 0.0
    # TODO: at most max_len times: take the most likely next token (ties: the smaller id),
    #       record it and its log-probability; stop right after eos
    raise NotImplementedError("write greedy_decode")
