"""A GRU encoder-decoder with attention (Sutskever et al. 2014; Cho et al. 2014; Bahdanau et al.
2015 "Neural Machine Translation by Jointly Learning to Align and Translate"; Luong et al. 2015).

The encoder, a GRU, reads the source and keeps every hidden state: those are the keys (and the
values) the decoder attends over. The decoder starts from the encoder's state after the last real
source token. At each step it scores every source position against its previous state s_{t−1},
either additively as Bahdanau does, v · tanh(W_q s + W_k h_j), or by a plain dot product s · h_j
as Luong's `dot` score does; it turns the scores into weights with a softmax over the real
(unpadded) positions, takes the weighted sum of the encoder states as the context c_t, feeds
[embedding of y_{t−1}; c_t] to a GRU cell to get s_t, and predicts the next token from
[s_t; c_t]. Training uses teacher forcing: the decoder reads the true previous token.
Leaves out: a bidirectional or multi-layer encoder, Luong's order of steps (attending with s_t
after the update) and input feeding, Bahdanau's maxout output layer, dropout.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from bertstudy.reference.recurrent import GRU, GRUCell


def additive_scores(query: torch.Tensor, keys: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor,
                    v: torch.Tensor) -> torch.Tensor:
    """Bahdanau's score of each key against the query: v · tanh(W_q q + W_k k_j).

    query (B, d_q), keys (B, S, d_k); w_q (d_a, d_q), w_k (d_a, d_k), v (d_a,). Returns (B, S).
    """
    hidden = torch.tanh((query @ w_q.T)[:, None, :] + keys @ w_k.T)  # (B, S, d_a): one small MLP per key
    return hidden @ v  # (B, S)


def dot_scores(query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """Luong's `dot` score: q · k_j, with query (B, d) and keys (B, S, d). Returns (B, S)."""
    return (keys @ query[:, :, None]).squeeze(-1)  # (B, S)


def attend(scores: torch.Tensor, values: torch.Tensor, mask: torch.Tensor | None = None,
           ) -> tuple[torch.Tensor, torch.Tensor]:
    """Softmax the scores (B, S) over the positions where mask (B, S) is True and mix the values
    (B, S, d). Returns (context (B, d), weights (B, S)); the weights sum to 1 and are 0 where masked."""
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)  # (B, S)
    return (weights[:, None, :] @ values).squeeze(1), weights  # (B, d), (B, S)


def teacher_forcing_inputs(target: torch.Tensor, bos: int) -> torch.Tensor:
    """The decoder's inputs for a target (B, T): bos, then the target without its last token.
    The labels are the target itself, so at step t the decoder reads y_{t−1} and predicts y_t."""
    start = target.new_full((target.size(0), 1), bos)  # (B, 1)
    return torch.cat([start, target[:, :-1]], dim=1)  # (B, T)


class Seq2Seq(nn.Module):
    """A GRU encoder-decoder with attention; `score` is "additive" (Bahdanau) or "dot" (Luong)."""

    def __init__(self, src_vocab: int, tgt_vocab: int, d_embed: int, d_hidden: int,
                 score: str = "additive", d_attention: int | None = None) -> None:
        super().__init__()
        if score not in ("additive", "dot"):
            raise ValueError(f"score must be 'additive' or 'dot', not {score!r}")
        self.score = score
        self.src_embed = nn.Embedding(src_vocab, d_embed)
        self.tgt_embed = nn.Embedding(tgt_vocab, d_embed)
        self.encoder = GRU(d_embed, d_hidden, batch_first=True)
        self.decoder = GRUCell(d_embed + d_hidden, d_hidden)  # reads [y_{t−1}; c_t]
        if score == "additive":
            d_attention = d_attention or d_hidden
            self.w_q = nn.Parameter(torch.randn(d_attention, d_hidden) / d_hidden ** 0.5)
            self.w_k = nn.Parameter(torch.randn(d_attention, d_hidden) / d_hidden ** 0.5)
            self.v = nn.Parameter(torch.randn(d_attention) / d_attention ** 0.5)
        self.out = nn.Linear(2 * d_hidden, tgt_vocab)  # reads [s_t; c_t]

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor | None = None,
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """src (B, S) token ids, src_mask (B, S) True for real tokens (padding at the end) or None.
        Returns the encoder states (B, S, H) and the decoder's first state (B, H): the encoder's
        state after the last real token, so padding changes nothing."""
        keys, _ = self.encoder(self.src_embed(src))  # (B, S, H)
        if src_mask is None:
            return keys, keys[:, -1]
        last = src_mask.sum(dim=1) - 1  # (B,) index of the last real token
        return keys, keys[torch.arange(src.size(0)), last]  # (B, S, H), (B, H)

    def scores(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """(B, S): how well each encoder state matches the decoder state `query` (B, H)."""
        if self.score == "additive":
            return additive_scores(query, keys, self.w_q, self.w_k, self.v)
        return dot_scores(query, keys)

    def step(self, y_prev: torch.Tensor, state: torch.Tensor, keys: torch.Tensor,
             src_mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One decoder step: y_prev (B,) the previous tokens, state (B, H) the previous decoder
        state s_{t−1}, keys (B, S, H). Returns (logits (B, V), s_t (B, H), weights (B, S))."""
        context, weights = attend(self.scores(state, keys), keys, src_mask)  # (B, H), (B, S)
        state = self.decoder(torch.cat([self.tgt_embed(y_prev), context], dim=-1), state)  # (B, H)
        return self.out(torch.cat([state, context], dim=-1)), state, weights  # (B, V), (B, H), (B, S)

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor, src_mask: torch.Tensor | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher forcing: src (B, S), tgt_in (B, T) the decoder's inputs (see
        teacher_forcing_inputs). Returns logits (B, T, V) and the attention weights (B, T, S),
        row t the weights over the source while predicting token t."""
        keys, state = self.encode(src, src_mask)
        all_logits, all_weights = [], []
        for y_prev in tgt_in.unbind(1):  # (B,) per step
            logits, state, weights = self.step(y_prev, state, keys, src_mask)
            all_logits.append(logits)
            all_weights.append(weights)
        return torch.stack(all_logits, dim=1), torch.stack(all_weights, dim=1)  # (B, T, V), (B, T, S)

    def step_function(self, src: torch.Tensor,
                      ) -> Callable[[torch.Tensor, torch.Tensor | None], tuple[torch.Tensor, torch.Tensor]]:
        """A decoding.py step function for ONE source sequence src (S,) (no padding): its state is
        the decoder state (N, H) of each hypothesis; it returns next-token log-probabilities."""
        keys, first = self.encode(src[None])  # (1, S, H), (1, H)

        def step(tokens: torch.Tensor, state: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
            state = first.expand(len(tokens), -1) if state is None else state  # (N, H)
            logits, state, _ = self.step(tokens, state, keys.expand(len(tokens), -1, -1))
            return torch.log_softmax(logits, dim=-1), state  # (N, V), (N, H)

        return step
