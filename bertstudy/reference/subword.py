"""Learning a subword vocabulary: byte-pair encoding and WordPiece, side by side.

Both start from single characters and grow the vocabulary one merge at a time: count every pair
of adjacent symbols inside the words of a corpus (each word weighted by how often it occurs),
glue the best pair into one new symbol everywhere, and repeat. They differ in what "best" means:
- BPE (Sennrich et al. 2016) merges the most frequent pair.
- WordPiece (Schuster & Nakajima 2012; used by BERT) merges the pair with the highest score
  count(ab) / (count(a) · count(b)): how much more often a and b occur together than their own
  frequencies would suggest. A frequent pair of frequent symbols ("e", "r") scores low; a pair of
  rare symbols that always occur together scores high. Google never published its WordPiece
  trainer; this score is the one Hugging Face describes and implements.
WordPiece also marks every symbol that does not start a word with "##" from the start
("hug" -> h ##u ##g), as BERT's vocabulary does, so "##u" and "u" are different symbols; BPE here
marks nothing. Ties go to the pair seen first (words in corpus order, pairs left to right).
After training, BPE segments a new word by replaying its merges in order; WordPiece keeps only
the vocabulary and segments greedily, longest match first (tokenization.wordpiece_tokenize).
Leaves out: byte-level BPE, end-of-word markers, special tokens, a minimum frequency, the
unigram language model of SentencePiece, and incremental pair counts (each step recounts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bertstudy.reference.tokenization import basic_tokenize

CONTINUATION = "##"


@dataclass(frozen=True)
class Merge:
    """One training step: `left` + `right` became `new`."""

    left: str
    right: str
    new: str
    count: int  # how often the pair occurred (weighted by word frequency)
    score: float  # BPE: the count; WordPiece: count / (count(left) * count(right))
    symbols: int  # symbols in the whole corpus after the merge (weighted), to watch it shrink


def word_counts(text: str) -> dict[str, int]:
    """How often each word occurs, words as BERT's uncased basic tokenizer cuts them."""
    counts: dict[str, int] = {}
    for word in basic_tokenize(text):
        counts[word] = counts.get(word, 0) + 1
    return counts


def split_word(word: str, continuation: str = "") -> tuple[str, ...]:
    """The word as single characters; all but the first carry `continuation` ("##" for WordPiece)."""
    return tuple(char if i == 0 else continuation + char for i, char in enumerate(word))


def pair_counts(splits: Mapping[str, tuple[str, ...]], counts: Mapping[str, int]) -> dict[tuple[str, str], int]:
    """Weighted counts of adjacent symbol pairs, in order of first appearance."""
    pairs: dict[tuple[str, str], int] = {}
    for word, symbols in splits.items():
        for pair in zip(symbols, symbols[1:]):
            pairs[pair] = pairs.get(pair, 0) + counts[word]
    return pairs


def symbol_counts(splits: Mapping[str, tuple[str, ...]], counts: Mapping[str, int]) -> dict[str, int]:
    """Weighted counts of single symbols."""
    singles: dict[str, int] = {}
    for word, symbols in splits.items():
        for symbol in symbols:
            singles[symbol] = singles.get(symbol, 0) + counts[word]
    return singles


def merge_symbols(symbols: tuple[str, ...], left: str, right: str, new: str) -> tuple[str, ...]:
    """Replace every adjacent (left, right) in `symbols` by `new`, scanning left to right."""
    out: list[str] = []
    i = 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == left and symbols[i + 1] == right:
            out.append(new)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return tuple(out)


def _train(counts: Mapping[str, int], num_merges: int, continuation: str,
           score: Callable[[int, int, int], float]) -> list[Merge]:
    """Greedy merging with a pluggable score(count_ab, count_a, count_b); stops early when no
    pair is left (every word a single symbol)."""
    splits = {word: split_word(word, continuation) for word in counts}
    merges: list[Merge] = []
    for _ in range(num_merges):
        pairs = pair_counts(splits, counts)
        if not pairs:
            break
        singles = symbol_counts(splits, counts)
        scores = {pair: score(n, singles[pair[0]], singles[pair[1]]) for pair, n in pairs.items()}
        left, right = max(scores, key=scores.get)  # max keeps the first of equal scores
        new = left + right.removeprefix(continuation) if continuation else left + right
        splits = {word: merge_symbols(symbols, left, right, new) for word, symbols in splits.items()}
        total = sum(len(symbols) * counts[word] for word, symbols in splits.items())
        merges.append(Merge(left, right, new, pairs[(left, right)], scores[(left, right)], total))
    return merges


def train_bpe(counts: Mapping[str, int], num_merges: int) -> list[Merge]:
    """BPE: `num_merges` times, merge the most frequent adjacent pair."""
    return _train(counts, num_merges, "", lambda n_ab, n_a, n_b: float(n_ab))


def train_wordpiece(counts: Mapping[str, int], num_merges: int) -> list[Merge]:
    """WordPiece: `num_merges` times, merge the pair with the highest count(ab) / (count(a) count(b))."""
    return _train(counts, num_merges, CONTINUATION, lambda n_ab, n_a, n_b: n_ab / (n_a * n_b))


def segment_bpe(word: str, merges: list[Merge]) -> list[str]:
    """A word as BPE cuts it: its characters, then every learnt merge replayed in order."""
    symbols = split_word(word)
    for merge in merges:
        symbols = merge_symbols(symbols, merge.left, merge.right, merge.new)
    return list(symbols)


def wordpiece_vocab(counts: Mapping[str, int], merges: list[Merge]) -> list[str]:
    """WordPiece's vocabulary: every starting character, every "##" character, every merged symbol."""
    alphabet = dict.fromkeys(s for word in counts for s in split_word(word, CONTINUATION))
    return list(alphabet) + [merge.new for merge in merges]
