"""Making BERT's pre-training examples: masked-language-model corruption and next-sentence pairs.

Two ways to choose the tokens to mask (Devlin et al. 2019, section 3.1 and appendix A.1):
- `mask_tokens`, as Hugging Face's data collator does it, dynamically at every batch: each
  non-special token is selected on its own with probability mlm_probability, so the number
  selected per sequence varies (and may be 0).
- `mask_tokens_fixed_count`, as Google's create_pretraining_data.py does it, once when the data is
  written: exactly min(max_predictions_per_seq, max(1, round(len(tokens) * masked_lm_prob)))
  predictions per sequence, the candidates visited in a shuffled order.
Either way 80% of the selected tokens become [MASK], 10% a random token and 10% stay as they are,
and the loss only sees the selected positions.

Whole word masking (Google's README of 31 May 2019; Cui et al. 2019 for Chinese) chooses words,
not pieces: all the pieces of a chosen word are selected together, yet each still gets its own
80/10/10 draw. A word is a piece plus the "##" pieces right after it (`whole_word_groups`). Chinese
BERT tokenizes one character at a time, so words come from a segmenter instead (the Chinese-BERT-wwm
project used LTP): the non-initial characters of each segmenter word are marked as continuations,
the role "##" plays in English, for grouping only, so the tokens stay single characters
(`chinese_word_continuations`, the `chinese_ref` of Hugging Face's run_chinese_ref.py).
`whole_word_mask` applies it to batches of ids.

Next-sentence pairs follow Google's create_instances_from_document (`nsp_pairs_from_document`,
`create_nsp_pairs`, `make_nsp_pairs`): whole sentences fill a chunk up to a target length, a random
split point makes segment A, and B is either the rest of the chunk (IsNext, label 0) or, half the
time, text from another document (NotNext, label 1), after which the unused sentences are put back;
`truncate_seq_pair` trims the longer segment from a random end.

`mask_tokens_fixed_count` and `truncate_seq_pair` take `rng`, a random.Random, and draw the same
numbers in the same order as Google's script does with the same seed. The pair makers take one too
and make Google's draws for the pairs, but not the masking draws the script makes between two
pairs or its shuffle of the documents, so they follow its procedure, not its exact stream.
Leaves out: reading and tokenizing the corpus, Google's shuffles (create_nsp_pairs has
dupe_factor, default 1 rather than Google's 10, and keeps the documents in order), writing
TFRecords, and span or n-gram masking (SpanBERT, ERNIE, MacBERT's similar-word replacement).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import NamedTuple, TypeVar

import torch

from bertstudy.reference.tokenization import is_cjk_character

T = TypeVar("T")
Rng = random.Random | torch.Generator | None
NEVER_MASKED = ("[CLS]", "[SEP]", "[PAD]")  # Google's script skips [CLS] and [SEP]; padding is never data
CLS_ID, SEP_ID, PAD_ID = 101, 102, 0  # bert-base-uncased's ids, which make_nsp_pairs writes


# ---- masking as Hugging Face's collator does it: one Bernoulli draw per token ---------------------


def mask_tokens(
    input_ids: torch.Tensor,
    special_tokens_mask: torch.Tensor,
    mask_token_id: int,
    vocab_size: int,
    mlm_probability: float = 0.15,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Corrupt `input_ids` (any shape, int64) for MLM; returns (corrupted_ids, labels).

    special_tokens_mask has the same shape, True (or 1) where a token is never selected.
    All randomness comes from `generator`; the inputs are not modified.
    """
    labels = input_ids.clone()
    probability = torch.full(input_ids.shape, mlm_probability)
    probability.masked_fill_(special_tokens_mask.bool(), 0.0)  # HF's collator takes 0/1 integers too
    selected = torch.bernoulli(probability, generator=generator).bool()
    labels[~selected] = -100  # the loss only sees selected positions

    corrupted = input_ids.clone()
    to_mask = torch.bernoulli(torch.full(input_ids.shape, 0.8), generator=generator).bool() & selected
    corrupted[to_mask] = mask_token_id
    # half of the remaining 20% get a random id; the other half stay as they are
    to_random = torch.bernoulli(torch.full(input_ids.shape, 0.5), generator=generator).bool() & selected & ~to_mask
    random_ids = torch.randint(vocab_size, input_ids.shape, generator=generator, dtype=input_ids.dtype)
    corrupted[to_random] = random_ids[to_random]
    return corrupted, labels


# ---- random numbers from either source -------------------------------------------------------------


def _random(rng: Rng) -> float:
    """A uniform number in [0, 1), as random.Random.random()."""
    if isinstance(rng, random.Random):
        return rng.random()
    return float(torch.rand((), generator=rng, dtype=torch.float64))


def _randint(rng: Rng, low: int, high: int) -> int:
    """A uniform integer in [low, high], both ends included, as random.Random.randint()."""
    if isinstance(rng, random.Random):
        return rng.randint(low, high)
    return int(torch.randint(low, high + 1, (), generator=rng))


def _shuffled(items: Sequence[T], rng: Rng) -> list[T]:
    """A uniformly shuffled copy; random.Random.shuffle's own order for a random.Random."""
    if isinstance(rng, random.Random):
        out = list(items)
        rng.shuffle(out)
        return out
    return [items[k] for k in torch.randperm(len(items), generator=rng).tolist()]


# ---- whole words ---------------------------------------------------------------------------------


def whole_word_groups(tokens: Sequence[str], continues: Sequence[bool] | None = None) -> list[list[int]]:
    """The positions of each word, in order: [[0], [1, 2, 3], [5], ...]. [CLS], [SEP] and [PAD]
    belong to no word.

    A token continues the word before it when it starts with "##" (a WordPiece continuation) or
    `continues[i]` is True (a Chinese character inside a segmenter's word), unless nothing word-like
    comes right before it: the first token, or one right after [CLS]/[SEP], starts a word even
    when it carries "##". (Google's script keeps one candidate list across [SEP], so there a "##"
    piece opening segment B joins the last word of A; that only happens when truncation cut a word.)

        whole_word_groups(["[CLS]", "phil", "##am", "##mon", "'", "s", "[SEP]"])
        -> [[1, 2, 3], [4], [5]]
    """
    groups: list[list[int]] = []
    after_word = False  # whether the previous token belongs to a word
    for i, token in enumerate(tokens):
        if token in NEVER_MASKED:
            after_word = False
            continue
        continuation = token.startswith("##") or (continues is not None and bool(continues[i]))
        if continuation and after_word:
            groups[-1].append(i)
        else:
            groups.append([i])
        after_word = True
    return groups


def chinese_word_continuations(tokens: Sequence[str], words: Sequence[str]) -> list[bool]:
    """For single-character Chinese tokens, which ones continue a word of `words` (a segmenter's
    output, e.g. LTP's): True for every character of a multi-character word but its first.

    This is run_chinese_ref.py's marking (Hugging Face's example for Chinese whole word masking):
    at each run of CJK-character tokens, greedily take the longest word of `words` (as a set, of
    two or more characters) that the following characters spell, mark its characters after the
    first, and move past it; a character that starts no such word stands alone. Other tokens
    (English pieces, punctuation, specials) are never marked; their "##" speaks for itself.

        chinese_word_continuations(list("使用语言模型"), ["使用", "语言", "模型"])
        -> [False, True, False, True, False, True]
    """
    vocabulary = {w for w in words if len(w) > 1}
    longest = max(map(len, vocabulary), default=0)
    is_char = [len(t) == 1 and is_cjk_character(t) for t in tokens]
    marks = [False] * len(tokens)
    i = 0
    while i < len(tokens):
        if not is_char[i]:
            i += 1
            continue
        step = 1
        for n in range(min(longest, len(tokens) - i), 1, -1):  # the longest word first
            if all(is_char[i:i + n]) and "".join(tokens[i:i + n]) in vocabulary:
                marks[i + 1:i + n] = [True] * (n - 1)
                step = n
                break
        i += step
    return marks


# ---- Google's fixed-count selection ------------------------------------------------------------------


def num_to_predict(length: int, masked_lm_prob: float = 0.15, max_predictions_per_seq: int = 20) -> int:
    """How many tokens Google's script predicts in a sequence of `length` tokens.

    `length` counts [CLS] and [SEP] too, although they are never candidates; Python's round()
    (to the nearest integer, halves to even); at least 1, at most max_predictions_per_seq. With
    length 128: round(19.2) = 19; with 512 the cap of 20 would cut the rate to about 4%, so
    Google's README says to set max_predictions_per_seq to about length * masked_lm_prob.
    """
    return min(max_predictions_per_seq, max(1, int(round(length * masked_lm_prob))))


def choose_words(groups_in_order: Sequence[Sequence[int]], budget: int) -> list[int]:
    """Walk the words in the given (shuffled) order and keep each one that still fits in `budget`
    predictions: a word that would overflow is skipped whole, never cut. Returns the chosen
    positions in the order they were chosen."""
    chosen: list[int] = []
    for word in groups_in_order:
        if len(chosen) >= budget:
            break
        if len(chosen) + len(word) > budget:
            continue  # skip the whole word; a shorter one later may still fit
        chosen.extend(word)
    return chosen


class MaskedLmPredictions(NamedTuple):
    tokens: list[str]  # the corrupted sequence
    positions: list[int]  # where predictions are made, ascending
    labels: list[str]  # the original token at each of those positions


def mask_tokens_fixed_count(
    tokens: Sequence[str],
    vocab_words: Sequence[str],
    rng: Rng,
    masked_lm_prob: float = 0.15,
    max_predictions_per_seq: int = 20,
    do_whole_word_mask: bool = False,
    continues: Sequence[bool] | None = None,
) -> MaskedLmPredictions:
    """Google's create_masked_lm_predictions: choose exactly `num_to_predict` positions and corrupt them.

    tokens: one sequence with its specials, e.g. ["[CLS]", "the", "man", "[SEP]", ...].
    vocab_words: the vocabulary as a list; a random replacement is drawn uniformly from all of it,
    specials, [unused] entries and the original token included (Google's list(vocab.keys())).
    Candidates are every token but [CLS]/[SEP]/[PAD], each on its own, or with do_whole_word_mask
    the words of `whole_word_groups(tokens, continues)` (pass `chinese_word_continuations` for
    Chinese). The candidates are shuffled and taken while they fit (`choose_words`); then for each
    chosen position: with probability 0.8 "[MASK]", else with probability 0.5 the original token
    (10% overall), else a random vocabulary word (10%). Decided per token, also inside a whole word.
    With a random.Random this makes Google's draws in Google's order, so the same seed gives the
    script's output (but for the "##"-after-[SEP] case that whole_word_groups describes).
    """
    if do_whole_word_mask:
        candidates = whole_word_groups(tokens, continues)
    else:
        candidates = [[i] for i, token in enumerate(tokens) if token not in NEVER_MASKED]
    budget = num_to_predict(len(tokens), masked_lm_prob, max_predictions_per_seq)
    chosen = choose_words(_shuffled(candidates, rng), budget)
    output = list(tokens)
    for i in chosen:
        if _random(rng) < 0.8:
            output[i] = "[MASK]"
        elif _random(rng) < 0.5:
            output[i] = tokens[i]  # kept: the model cannot trust an unmasked token blindly
        else:
            output[i] = vocab_words[_randint(rng, 0, len(vocab_words) - 1)]
    positions = sorted(chosen)
    return MaskedLmPredictions(output, positions, [tokens[i] for i in positions])


def whole_word_mask(
    input_ids: torch.Tensor,
    vocab: Sequence[str],
    chinese_ref: torch.Tensor | None = None,
    masked_lm_prob: float = 0.15,
    max_predictions_per_seq: int = 20,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Whole word masking on a batch of ids, Google's fixed-count way; returns (corrupted_ids, labels).

    input_ids: int64 (B, L); vocab[i] is the token with id i ("[MASK]" among them).
    chinese_ref: bool (B, L) or None, True at the characters that continue a segmenter's word
    (the flags of chinese_word_continuations), as if they carried "##".
    Per row: the words of whole_word_groups, num_to_predict(n) predictions for the row's n tokens
    other than [PAD] (Google's sequences are never padded when it masks), the words visited in a
    random order and taken whole while they fit; each chosen token becomes [MASK] (80%), a random
    id from [0, len(vocab)) (10%) or stays (10%). labels: the original id where chosen, -100
    elsewhere. All randomness comes from `generator`; the inputs are not modified.
    """
    mask_id = list(vocab).index("[MASK]")
    corrupted = input_ids.clone()  # (B, L)
    labels = torch.full_like(input_ids, -100)  # (B, L)
    for row in range(input_ids.size(0)):
        tokens = [vocab[i] for i in input_ids[row].tolist()]
        continues = chinese_ref[row].tolist() if chinese_ref is not None else None
        budget = num_to_predict(sum(t != "[PAD]" for t in tokens), masked_lm_prob, max_predictions_per_seq)
        chosen = choose_words(_shuffled(whole_word_groups(tokens, continues), generator), budget)
        if not chosen:
            continue
        at = torch.tensor(chosen)  # (K,)
        roll = torch.rand(len(chosen), generator=generator)  # (K,): one draw decides each token's fate
        random_ids = torch.randint(len(vocab), (len(chosen),), generator=generator)  # (K,)
        labels[row, at] = input_ids[row, at]
        fate = torch.where(roll < 0.8, mask_id, torch.where(roll < 0.9, random_ids, input_ids[row, at]))  # (K,)
        corrupted[row, at] = fate
    return corrupted, labels


# ---- next-sentence pairs ----------------------------------------------------------------------------


class NspPair(NamedTuple):
    tokens_a: list
    tokens_b: list
    is_random_next: bool  # the NSP label: True (1) NotNext, False (0) IsNext


def truncate_seq_pair(tokens_a: list, tokens_b: list, max_num_tokens: int, rng: Rng) -> None:
    """Google's truncate_seq_pair, in place: while A and B together exceed max_num_tokens, drop one
    token from the longer (B on a tie), from its front or its back with probability 1/2 each,
    "to add more randomness and avoid biases"."""
    while len(tokens_a) + len(tokens_b) > max_num_tokens:
        longer = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
        if _random(rng) < 0.5:
            del longer[0]
        else:
            longer.pop()


def _random_segment(documents: Sequence[Sequence[Sequence]], document_index: int, target_b_length: int,
                    rng: Rng) -> list:
    """Segment B of a NotNext pair: whole sentences of another document, from a random one on,
    until target_b_length tokens or the document's end."""
    for _ in range(10):  # Google tries 10 times to avoid the current document
        random_index = _randint(rng, 0, len(documents) - 1)
        if random_index != document_index:
            break
    other = documents[random_index]
    tokens_b: list = []
    for sentence in other[_randint(rng, 0, len(other) - 1):]:
        tokens_b.extend(sentence)
        if len(tokens_b) >= target_b_length:
            break
    return tokens_b


def nsp_pairs_from_document(documents: Sequence[Sequence[Sequence]], document_index: int, max_num_tokens: int,
                            short_seq_prob: float, rng: Rng) -> list[NspPair]:
    """Google's create_instances_from_document, the NSP part (no masking): every pair one document makes.

    documents: each a list of sentences, each a non-empty list of tokens (strings or ids).
    max_num_tokens: room for A and B (max_seq_length - 3, for [CLS] A [SEP] B [SEP]).
    1. target_seq_length = max_num_tokens, or with probability short_seq_prob a uniform integer in
       [2, max_num_tokens]: drawn once per document, "to minimize the mismatch between pre-training
       and fine-tuning" (inputs at fine-tuning are often short). It is a target, not a limit.
    2. Whole sentences join a chunk until it holds target_seq_length tokens or the document ends.
    3. a_end, uniform in [1, len(chunk) - 1] (1 for a one-sentence chunk): A = chunk[:a_end].
    4. NotNext when the chunk has one sentence, else with probability 0.5: B comes from another
       document (_random_segment) and the chunk's unused sentences are put back, so the next chunk
       starts right after A. IsNext: B = chunk[a_end:].
    5. truncate_seq_pair to max_num_tokens.
    With one-sentence chunks always NotNext, a little over half the pairs are NotNext.
    """
    document = documents[document_index]
    target_seq_length = max_num_tokens
    if _random(rng) < short_seq_prob:
        target_seq_length = _randint(rng, 2, max_num_tokens)
    pairs: list[NspPair] = []
    chunk: list = []
    chunk_length = 0
    i = 0
    while i < len(document):
        chunk.append(document[i])
        chunk_length += len(document[i])
        if i == len(document) - 1 or chunk_length >= target_seq_length:
            a_end = _randint(rng, 1, len(chunk) - 1) if len(chunk) >= 2 else 1
            tokens_a = [token for sentence in chunk[:a_end] for token in sentence]
            if len(chunk) == 1 or _random(rng) < 0.5:
                is_random_next = True
                tokens_b = _random_segment(documents, document_index, target_seq_length - len(tokens_a), rng)
                i -= len(chunk) - a_end  # put the unused sentences back
            else:
                is_random_next = False
                tokens_b = [token for sentence in chunk[a_end:] for token in sentence]
            truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng)
            pairs.append(NspPair(tokens_a, tokens_b, is_random_next))
            chunk, chunk_length = [], 0
        i += 1
    return pairs


def create_nsp_pairs(documents: Sequence[Sequence[Sequence]], rng: Rng, max_seq_length: int = 128,
                     short_seq_prob: float = 0.1, dupe_factor: int = 1) -> list[NspPair]:
    """The pairs of Google's create_training_instances, without masking or shuffling: dupe_factor
    passes over the documents in order, each document making its pairs (nsp_pairs_from_document).

    documents: at least two, each at least one non-empty sentence (Google drops empty ones).
    max_seq_length: the length of [CLS] A [SEP] B [SEP], at least 5.
    """
    if len(documents) < 2 or not all(documents) or not all(s for d in documents for s in d):
        raise ValueError("give at least two documents, each of non-empty sentences")
    if max_seq_length < 5:
        raise ValueError(f"max_seq_length {max_seq_length} leaves no room for A and B")
    pairs: list[NspPair] = []
    for _ in range(dupe_factor):
        for index in range(len(documents)):
            pairs.extend(nsp_pairs_from_document(documents, index, max_seq_length - 3, short_seq_prob, rng))
    return pairs


def make_nsp_pairs(
    documents: Sequence[Sequence[Sequence[int]]],
    num_pairs: int,
    max_seq_length: int,
    short_seq_prob: float = 0.1,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The first num_pairs pairs of Google's procedure, walking the documents in order and again from
    the first until there are enough, laid out as BERT's inputs.

    documents: lists of sentences of token ids (never 0, 101 or 102).
    Returns input_ids (num_pairs, max_seq_length), [CLS]=101 A [SEP]=102 B [SEP]=102 then 0s;
    token_type_ids (num_pairs, max_seq_length), 0 for [CLS], A and the first [SEP], 1 for B and the
    last [SEP], 0 for padding; next_sentence_label (num_pairs,), 0 IsNext, 1 NotNext. All int64.
    """
    if len(documents) < 2 or not all(documents) or not all(s for d in documents for s in d):
        raise ValueError("give at least two documents, each of non-empty sentences")
    if max_seq_length < 5:
        raise ValueError(f"max_seq_length {max_seq_length} leaves no room for A and B")
    pairs: list[NspPair] = []
    index = 0
    while len(pairs) < num_pairs:
        pairs.extend(nsp_pairs_from_document(documents, index, max_seq_length - 3, short_seq_prob, generator))
        index = (index + 1) % len(documents)
    pairs = pairs[:num_pairs]
    input_ids = torch.full((num_pairs, max_seq_length), PAD_ID)  # (N, L)
    token_type_ids = torch.zeros(num_pairs, max_seq_length, dtype=torch.long)  # (N, L)
    for row, (tokens_a, tokens_b, _) in enumerate(pairs):
        tokens = [CLS_ID, *tokens_a, SEP_ID, *tokens_b, SEP_ID]
        input_ids[row, :len(tokens)] = torch.tensor(tokens)
        token_type_ids[row, len(tokens_a) + 2:len(tokens)] = 1  # B and its [SEP]
    next_sentence_label = torch.tensor([int(p.is_random_next) for p in pairs], dtype=torch.long)  # (N,)
    return input_ids, token_type_ids, next_sentence_label
