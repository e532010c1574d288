"""Fine-tuning BERT (Devlin et al. 2019, section 4): what sits between the encoder and the answer.

Three pieces, written as plain functions so each can be read (and graded) on its own:
- the sequence-classification head: BERT's pooler, C = tanh(W_p h_[CLS] + b_p), then one linear
  layer to the class logits (BertForSequenceClassification in eval mode, so without dropout);
- aligning word-level NER labels to WordPiece tokens: a word's label goes to its first sub-token,
  every other position gets -100, the ignore_index of the cross-entropy (optionally, every
  sub-token gets its word's label, with B- turned into I- after the first piece);
- decoding an extractive-QA answer: the best span (i, j) by S·T_i + E·T_j among the valid ones
  (i <= j, at most max_answer_length tokens, both ends in the passage), and SQuAD 2.0's
  no-answer rule, which compares that span with the [CLS] span (0, 0).
The models themselves (BertForSequenceClassification, BertForTokenClassification,
BertForQuestionAnswering) are in bert.py.
Leaves out: dropout and the losses (see basics.cross_entropy); sliding windows over long
passages (doc_stride) and Google's n-best shortlist (it tries only the top 20 starts and ends);
mapping tokens back to characters (offset mappings); CRF layers for tagging.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch

IGNORE_INDEX = -100  # the cross-entropy's ignore_index: positions with this label add no loss


# ---- sequence classification ------------------------------------------------------------------


def pooler_and_classifier(
    hidden_states: torch.Tensor,
    pooler_weight: torch.Tensor, pooler_bias: torch.Tensor,
    classifier_weight: torch.Tensor, classifier_bias: torch.Tensor,
) -> torch.Tensor:
    """Class logits from the encoder's last hidden states, as BertForSequenceClassification in eval mode.

    hidden_states (B, L, D), the final layer's output, [CLS] at position 0; pooler_weight (D, D)
    and classifier_weight (K, D) in nn.Linear's layout (y = x Wᵀ + b), pooler_bias (D,),
    classifier_bias (K,). Returns the logits (B, K). Only the [CLS] vector is read: the pooler
    was trained (by next-sentence prediction) to summarise the pair there.
    """
    h_cls = hidden_states[:, 0]  # (B, D): the final hidden state of [CLS]
    pooled = torch.tanh(h_cls @ pooler_weight.T + pooler_bias)  # (B, D): C, BERT's pooled output
    return pooled @ classifier_weight.T + classifier_bias  # (B, K)


# ---- token classification (NER) ---------------------------------------------------------------


def align_ner_labels(
    word_ids: Sequence[int | None],
    word_labels: Sequence[int],
    label_all_subtokens: bool = False,
    b_to_i: Mapping[int, int] | None = None,
) -> list[int]:
    """One label per token from one label per word, for BertForTokenClassification.

    word_ids: for every token of one encoded sequence, the index of the word it came from, or None
    for [CLS], [SEP] and padding (the convention of Hugging Face's `encoding.word_ids()`); the
    pieces of one word are consecutive. word_labels: the label id of every word.
    Returns a list as long as word_ids. A token starts a word when its word id is not None and
    differs from the previous token's; it gets that word's label. Every other token gets
    IGNORE_INDEX (-100): the special tokens and padding always, the later pieces of a word by
    default, so the loss and the predictions read each word once, at its first piece (the
    paper's CoNLL-2003 setup).
    label_all_subtokens=True gives the later pieces their word's label too, mapped through
    `b_to_i` when given (a B-X label id to its I-X id, so that only the first piece begins an
    entity; ids not in the map are kept).
    """
    labels = []
    previous = None
    for word in word_ids:
        if word is None:
            labels.append(IGNORE_INDEX)  # [CLS], [SEP], padding
        elif word != previous:
            labels.append(word_labels[word])  # the first piece of a word carries its label
        elif label_all_subtokens:
            label = word_labels[word]
            labels.append(b_to_i.get(label, label) if b_to_i is not None else label)
        else:
            labels.append(IGNORE_INDEX)  # a later piece of the same word: no loss, no prediction
        previous = word
    return labels


# ---- extractive question answering ------------------------------------------------------------


def span_scores(start_logits: torch.Tensor, end_logits: torch.Tensor, context_mask: torch.Tensor,
                max_answer_length: int) -> torch.Tensor:
    """scores[i, j] = start_logits[i] + end_logits[j] for every valid span, -inf for the others.

    start_logits, end_logits (L,) float; context_mask (L,) bool, True on the passage's tokens
    (False on [CLS], the question, [SEP] and padding). A span (i, j) is valid when i <= j,
    j - i + 1 <= max_answer_length and both i and j are passage tokens. Returns (L, L).
    """
    length = start_logits.shape[0]
    i = torch.arange(length, device=start_logits.device).unsqueeze(1)  # (L, 1): start positions down the rows
    j = torch.arange(length, device=start_logits.device).unsqueeze(0)  # (1, L): end positions across the columns
    inside = context_mask.bool()
    valid = (i <= j) & (j - i + 1 <= max_answer_length) & inside.unsqueeze(1) & inside.unsqueeze(0)  # (L, L)
    scores = start_logits.unsqueeze(1) + end_logits.unsqueeze(0)  # (L, L): S·T_i + E·T_j
    return scores.masked_fill(~valid, float("-inf"))


@dataclass(frozen=True)
class Answer:
    """A decoded answer: the span (start, end), inclusive token positions, and the scores behind it.

    `best` is the best valid span and its score; `start, end` is the prediction, the same span,
    or (0, 0) (the [CLS] span) when the no-answer rule chose "no answer".
    """

    start: int
    end: int
    best_start: int
    best_end: int
    best_score: float  # start_logits[best_start] + end_logits[best_end]
    null_score: float  # start_logits[0] + end_logits[0], the [CLS] span

    @property
    def is_null(self) -> bool:
        return (self.start, self.end) == (0, 0)


def decode_answer(start_logits: torch.Tensor, end_logits: torch.Tensor, context_mask: torch.Tensor,
                  max_answer_length: int, null_score_diff_threshold: float | None = None) -> Answer:
    """The best valid span, and SQuAD 2.0's choice between it and "no answer".

    Arguments as in span_scores; the passage must hold at least one token and max_answer_length
    be at least 1, so that a valid span exists (a ValueError otherwise).
    The best span has the highest start_logits[i] + end_logits[j]; ties go to the smallest start,
    then the smallest end (the first maximum in row-major order).
    null_score_diff_threshold None (SQuAD 1.1): always answer with the best span. A float
    (SQuAD 2.0): answer "no answer", the [CLS] span (0, 0), when
    null_score - best_score > threshold, with null_score = start_logits[0] + end_logits[0];
    otherwise the best span. This is the rule of Google's run_squad.py (threshold default 0.0,
    tuned on dev data); the paper writes it as "answer when best_score > null_score + τ", which
    is the same rule with τ = -threshold, apart from exact ties.
    """
    if not bool(context_mask.bool().any()):
        raise ValueError("context_mask marks no passage token, so there is no span to choose")
    if max_answer_length < 1:
        raise ValueError(f"max_answer_length must be at least 1, not {max_answer_length}")
    scores = span_scores(start_logits, end_logits, context_mask, max_answer_length)  # (L, L)
    length = scores.shape[1]
    best = int(scores.argmax())  # argmax returns the first maximum of the flattened (L, L) matrix
    best_start, best_end = divmod(best, length)
    best_score = float(scores[best_start, best_end])
    null_score = float(start_logits[0] + end_logits[0])
    start, end = best_start, best_end
    if null_score_diff_threshold is not None and null_score - best_score > null_score_diff_threshold:
        start, end = 0, 0
    return Answer(start, end, best_start, best_end, best_score, null_score)


def qa_best_span(start_logits: torch.Tensor, end_logits: torch.Tensor, context_mask: torch.Tensor,
                 max_answer_length: int, null_score_diff_threshold: float | None = None) -> tuple[int, int]:
    """The predicted answer span (start, end) as two Python ints, inclusive; (0, 0) for "no answer".

    See decode_answer for the rules: valid spans, the tie rule and the no-answer threshold.
    """
    answer = decode_answer(start_logits, end_logits, context_mask, max_answer_length, null_score_diff_threshold)
    return answer.start, answer.end
