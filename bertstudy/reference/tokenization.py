"""WordPiece tokenization as in BERT (Devlin et al. 2019; Wu et al. 2016 for WordPiece itself).

BERT cuts text in two stages: a basic tokenizer splits it into words (whitespace, punctuation,
one word per CJK character), then WordPiece splits each word into pieces from a fixed vocabulary.
A piece that does not start its word is written with the prefix "##" ("unaffable" ->
["un", "##aff", "##able"]). For now this module holds the second stage only: the greedy
longest-match-first WordPiece of one word.
Leaves out: the BasicTokenizer (cleaning, lower-casing, accent stripping, punctuation and CJK
splitting), the full BertTokenizer ([CLS]/[SEP], ids, padding) and training a vocabulary; they
come later.
"""

from __future__ import annotations

from collections.abc import Collection


def wordpiece_tokenize(
    word: str, vocab: Collection[str], unk_token: str = "[UNK]", max_input_chars_per_word: int = 100
) -> list[str]:
    """Split one word into WordPiece tokens, greedily taking the longest match first.

    word: one non-empty word, already split off by a basic tokenizer (no whitespace).
    vocab: the known pieces; a piece that continues a word is stored with the prefix "##".
    Returns the pieces, in order, as a list of strings. The first piece is looked up as it is,
    every later piece as "##" + piece. A word of more than `max_input_chars_per_word` characters,
    or a word with any position where no piece matches, becomes [unk_token] as a whole: no
    partial pieces are kept. The default limit, 100, is Hugging Face's (Google's code used 200).
    Greedy means no backtracking: once the longest match is taken it is never undone, even if a
    shorter one would have let the rest of the word be split.
    """
    vocab = set(vocab)  # fast lookups; the caller's collection is left as it is
    if len(word) > max_input_chars_per_word:  # characters, not bytes
        return [unk_token]
    pieces: list[str] = []
    start = 0
    while start < len(word):
        end = len(word)
        piece = None
        while end > start:  # longest first; never the empty substring
            candidate = word[start:end] if start == 0 else "##" + word[start:end]
            if candidate in vocab:
                piece = candidate
                break
            end -= 1
        if piece is None:  # nothing in the vocabulary starts here: the whole word is unknown
            return [unk_token]
        pieces.append(piece)
        start = end
    return pieces
