"""Decoding a sequence from a model one token at a time: greedy search and beam search
(d2l 10.8 "Beam Search"; Wu et al. 2016 and Koehn 2017 on length normalisation).

The model is a step function `step(tokens, state) -> (log_probs, state)`: `tokens` (N,) int64 are
the last token of each of N hypotheses, `state` whatever the model carries between steps (a
tensor or a tuple of tensors whose first axis is N, or None), and `log_probs` (N, V) the
log-probabilities of the next token. A hypothesis starts after `bos` (not part of the output) and
ends with `eos` (part of it) or after `max_len` tokens. Scores are sums of log-probabilities,
added up in float64. A bigram model (a V × V table of next-token logits, the next token depending
only on the last one) makes a step function out of plain data, for exercises and tests.

Beam search keeps `beam_size` hypotheses in total. At each step every live hypothesis is
extended by every token and, with f hypotheses finished so far, the beam_size − f best
candidates by total log-probability survive; those ending in eos are finished and set aside, the
others stay live. Search stops when none is live or after max_len steps (live ones then count as
finished). The answer is the finished hypothesis with the best length-normalised score

    score / len ** alpha        (len: tokens generated, eos included; alpha = 0: no normalisation)

Within one step all candidates have the same length, so normalisation only matters when
hypotheses of different lengths compete at the end. Ties go to the smaller token id, the
better-ranked parent, and the hypothesis that finished first.
Leaves out: batches of sources, sampling (temperature, top-k, nucleus), coverage and repetition
penalties, early stopping once no live hypothesis can win.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

Step = Callable[[torch.Tensor, Any], tuple[torch.Tensor, Any]]


def greedy_decode(step: Step, bos: int, eos: int, max_len: int, state: Any = None) -> tuple[list[int], float]:
    """Take the most probable token at every step (the smaller id on a tie) until eos or max_len
    tokens. Returns (tokens, score): the generated ids, eos included when reached, and the sum of
    their log-probabilities."""
    tokens: list[int] = []
    score = 0.0
    last = torch.tensor([bos])  # (1,)
    for _ in range(max_len):
        log_probs, state = step(last, state)  # (1, V)
        best = int(log_probs[0].argmax())  # argmax returns the first maximum: ties go to the smaller id
        tokens.append(best)
        score += float(log_probs[0, best])
        if best == eos:
            break
        last = torch.tensor([best])
    return tokens, score


def beam_search(step: Step, bos: int, eos: int, max_len: int, beam_size: int, alpha: float = 0.0,
                state: Any = None) -> tuple[list[int], float]:
    """Beam search as the module docstring describes it. Returns (tokens, score) of the finished
    hypothesis with the best score / len ** alpha; `score` is its total log-probability, not
    normalised. With beam_size 1 it returns what greedy_decode returns."""
    live: list[list[int]] = [[]]  # tokens of each live hypothesis, best first
    scores = torch.zeros(1, dtype=torch.float64)  # (N,) total log-probability of each
    finished: list[tuple[list[int], float]] = []
    last = torch.tensor([bos])  # (N,)
    for _ in range(max_len):
        log_probs, state = step(last, state)  # (N, V)
        vocab = log_probs.size(-1)
        candidates = (scores[:, None] + log_probs.double()).flatten()  # (N·V,): parent-major, then token id
        room = beam_size - len(finished)
        best = torch.sort(candidates, descending=True, stable=True).indices[:room]  # equal scores keep that order
        keep_tokens, keep_scores, parents = [], [], []
        for index in best.tolist():
            parent, token = divmod(index, vocab)
            tokens, score = live[parent] + [token], float(candidates[index])
            if token == eos:
                finished.append((tokens, score))
            else:
                keep_tokens.append(tokens)
                keep_scores.append(score)
                parents.append(parent)
        if not keep_tokens:
            live = []
            break
        live, scores = keep_tokens, torch.tensor(keep_scores, dtype=torch.float64)  # (N',)
        last = torch.tensor([t[-1] for t in live])  # (N',)
        state = select(state, torch.tensor(parents))
    finished += list(zip(live, scores.tolist()))  # still live after max_len steps
    return max(finished, key=lambda h: h[1] / len(h[0]) ** alpha)  # max keeps the first of equals


def select(state: Any, index: torch.Tensor) -> Any:
    """The rows `index` of a state (a tensor, a tuple or list of them, or None): each surviving
    hypothesis takes its parent's state."""
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return state.index_select(0, index)
    return type(state)(select(s, index) for s in state)


def bigram_step(logits: torch.Tensor) -> Step:
    """A step function for a bigram model: logits (V, V), row a the next-token logits after
    token a; the log-probabilities are log_softmax of a row. Carries no state."""
    log_probs = torch.log_softmax(logits, dim=-1)  # (V, V): each row normalised

    def step(tokens: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        return log_probs[tokens], None  # (N, V)

    return step


def bigram_greedy_decode(logits: torch.Tensor, bos: int, eos: int, max_len: int) -> tuple[list[int], float]:
    """greedy_decode over the bigram model `logits` (V, V)."""
    return greedy_decode(bigram_step(logits), bos, eos, max_len)


def bigram_beam_search(logits: torch.Tensor, bos: int, eos: int, max_len: int, beam_size: int,
                       alpha: float = 0.0) -> tuple[list[int], float]:
    """beam_search over the bigram model `logits` (V, V)."""
    return beam_search(bigram_step(logits), bos, eos, max_len, beam_size, alpha)
