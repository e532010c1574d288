"""BERT's tokenizer, from text to model inputs (Devlin et al. 2019; Wu et al. 2016 for WordPiece).

BERT cuts text in two stages, then frames the result for the model:
1. The basic tokenizer splits text into words: it cleans the text (drops control characters and
   U+FFFD, turns every kind of whitespace into a space), puts spaces around each CJK character
   (so Chinese is tokenized one character at a time), lower-cases and strips accents for an
   uncased model, and cuts punctuation off as tokens of its own.
2. WordPiece splits each word into pieces from a fixed vocabulary, greedily taking the longest
   match first. A piece that does not start its word carries the prefix "##"
   ("unaffable" -> ["un", "##aff", "##able"]); a word it cannot cover becomes [UNK].
3. The inputs: [CLS] A [SEP] for one text, [CLS] A [SEP] B [SEP] for a pair, with segment ids
   (token_type_ids) 0 for [CLS], A and the first [SEP] and 1 for B and the final [SEP]. A pair too
   long for max_length loses tokens from the end of the longer text, one at a time (from B on a
   tie); padding adds [PAD] with attention_mask 0.

The rules follow Google's tokenization.py and Hugging Face's tokenizers (BertNormalizer,
BertPreTokenizer, WordPiece), which agree on them; tests check this module against both.
Two small choices: control characters are all of Unicode's categories C* (Hugging Face's choice;
Google's code dropped only Cc and Cf), and the text is not NFC-normalised first (Hugging Face's
pure-Python tokenizer does that; Google's code and the `tokenizers` library do not; it changes only
text that keeps its case and accents and is in decomposed form or holds CJK compatibility
ideographs).
Leaves out: training a vocabulary (see subword.py), offsets back into the text, word ids,
truncation strategies other than longest-first and truncating from the left, stride and
overflowing tokens, and returning tensors (the lists go straight into torch.tensor).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence, Set
from pathlib import Path

CLS, SEP, PAD, UNK, MASK = "[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]"

# The CJK Unified Ideographs blocks and their extensions, and the compatibility ideographs, as
# Google's BERT defines "Chinese characters". Hangul, Hiragana and Katakana are not among them:
# they are split like English, at whitespace and punctuation only (Korean puts spaces between
# words; a run of Japanese kana stays one word).
CJK_RANGES = (
    (0x4E00, 0x9FFF),    # CJK Unified Ideographs
    (0x3400, 0x4DBF),    # Extension A
    (0x20000, 0x2A6DF),  # Extension B
    (0x2A700, 0x2B73F),  # Extension C
    (0x2B740, 0x2B81F),  # Extension D
    (0x2B820, 0x2CEAF),  # Extension E
    (0xF900, 0xFAFF),    # CJK Compatibility Ideographs
    (0x2F800, 0x2FA1F),  # CJK Compatibility Ideographs Supplement
)

# All ASCII characters that are neither letters, digits nor space count as punctuation, although
# some ("$", "+", "<", "^", "`", "|", "~") are Unicode symbols (S*), not punctuation (P*).
ASCII_PUNCTUATION_RANGES = ((33, 47), (58, 64), (91, 96), (123, 126))


def shipped_vocab_path() -> Path:
    """The vocabulary shipped with bertstudy: BERT's uncased WordPiece vocabulary (30,522 tokens)."""
    return Path(__file__).resolve().parent.parent / "data" / "vocab-uncased.txt"


def load_vocab(path: str | Path) -> dict[str, int]:
    """Read a vocab.txt (one token per line, the line number is its id) into {token: id}."""
    with open(path, encoding="utf-8") as file:
        return {line.rstrip("\n"): index for index, line in enumerate(file)}


# ---------------------------------------------------------------------------------------------
# Stage 1: the basic tokenizer (text -> words)
# ---------------------------------------------------------------------------------------------

def is_cjk_character(char: str) -> bool:
    """Whether `char` lies in one of BERT's CJK ranges (and so becomes a word of its own)."""
    code = ord(char)
    return any(low <= code <= high for low, high in CJK_RANGES)


def is_punctuation(char: str) -> bool:
    """BERT's punctuation: the ASCII ranges above, or any Unicode category P* (。，、！ « » ¿ —)."""
    code = ord(char)
    if any(low <= code <= high for low, high in ASCII_PUNCTUATION_RANGES):
        return True
    return unicodedata.category(char).startswith("P")


def is_whitespace(char: str) -> bool:
    """Space, tab, newline, carriage return, or a Unicode space separator (Zs: U+00A0, U+3000, ...)."""
    return char in " \t\n\r" or unicodedata.category(char) == "Zs"


def is_control(char: str) -> bool:
    """A character of category C* (control, format such as U+200B, private use, unassigned),
    except tab, newline and carriage return, which count as whitespace."""
    return char not in "\t\n\r" and unicodedata.category(char).startswith("C")


def clean_text(text: str) -> str:
    """Drop U+0000, U+FFFD (the replacement character) and control characters; whitespace -> " "."""
    kept = []
    for char in text:
        if char in "\x00\ufffd" or is_control(char):
            continue
        kept.append(" " if is_whitespace(char) else char)
    return "".join(kept)


def space_cjk(text: str) -> str:
    """Put a space on each side of every CJK character, so each becomes a word of its own."""
    return "".join(f" {char} " if is_cjk_character(char) else char for char in text)


def strip_accents(text: str) -> str:
    """Decompose (NFD: "é" -> "e" + U+0301) and drop the combining marks (category Mn)."""
    return "".join(char for char in unicodedata.normalize("NFD", text) if unicodedata.category(char) != "Mn")


def split_on_punctuation(word: str) -> list[str]:
    """Cut every punctuation character off as a token of its own: "don't" -> ["don", "'", "t"]."""
    pieces: list[str] = []
    current = ""
    for char in word:
        if is_punctuation(char):
            if current:
                pieces.append(current)
            pieces.append(char)
            current = ""
        else:
            current += char
    if current:
        pieces.append(current)
    return pieces


def basic_tokenize(text: str, do_lower_case: bool = True) -> list[str]:
    """BERT's basic tokenization of `text` into words; lower-casing also strips accents (uncased BERT).

    clean -> space around CJK characters -> split on whitespace -> (lower-case, strip accents)
    -> cut off punctuation. "Héllo, 世界!" -> ["hello", ",", "世", "界", "!"].
    """
    words = []
    for word in space_cjk(clean_text(text)).split():
        if do_lower_case:
            word = strip_accents(word.lower())
        words.extend(split_on_punctuation(word))
    return words


class BasicTokenizer:
    """The configurable basic tokenizer, as BertTokenizer uses it.

    do_lower_case: lower-case every word. strip_accents: None (the default) follows do_lower_case,
    as uncased BERT does; True or False forces it. tokenize_chinese_chars: split CJK characters.
    never_split: strings kept whole wherever they occur, untouched by cleaning, lower-casing and
    punctuation splitting (the special tokens: "hello[SEP]world" -> ["hello", "[SEP]", "world"]).
    """

    def __init__(self, do_lower_case: bool = True, strip_accents: bool | None = None,
                 tokenize_chinese_chars: bool = True, never_split: Iterable[str] = ()):
        self.do_lower_case = do_lower_case
        self.strip_accents = do_lower_case if strip_accents is None else strip_accents
        self.tokenize_chinese_chars = tokenize_chinese_chars
        self.never_split = frozenset(never_split)
        # Longest first, so that of two overlapping special strings the longer one wins.
        alternatives = sorted(self.never_split, key=len, reverse=True)
        self._special = re.compile("(" + "|".join(map(re.escape, alternatives)) + ")") if alternatives else None

    def tokenize(self, text: str) -> list[str]:
        chunks = self._special.split(text) if self._special else [text]
        words: list[str] = []
        for i, chunk in enumerate(chunks):
            if i % 2 == 1:  # re.split with a group: odd positions hold the matched special tokens
                words.append(chunk)
            else:
                words.extend(self._tokenize_plain(chunk))
        return words

    def _tokenize_plain(self, text: str) -> list[str]:
        text = clean_text(text)
        if self.tokenize_chinese_chars:
            text = space_cjk(text)
        words = []
        for word in text.split():
            if self.do_lower_case:
                word = word.lower()
            if self.strip_accents:
                word = strip_accents(word)
            words.extend(split_on_punctuation(word))
        return words


# ---------------------------------------------------------------------------------------------
# Stage 2: WordPiece (word -> pieces)
# ---------------------------------------------------------------------------------------------

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
    if not isinstance(vocab, (Set, Mapping)):
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


class WordpieceTokenizer:
    """WordPiece over whitespace-separated words (the output of the basic tokenizer)."""

    def __init__(self, vocab: Collection[str], unk_token: str = UNK, max_input_chars_per_word: int = 100):
        self.vocab = vocab if isinstance(vocab, (Set, Mapping)) else frozenset(vocab)
        self.unk_token = unk_token
        self.max_input_chars_per_word = max_input_chars_per_word

    def tokenize(self, text: str) -> list[str]:
        pieces: list[str] = []
        for word in text.split():
            pieces.extend(wordpiece_tokenize(word, self.vocab, self.unk_token, self.max_input_chars_per_word))
        return pieces


# ---------------------------------------------------------------------------------------------
# Stage 3: model inputs ([CLS] A [SEP] B [SEP], segments, truncation, padding)
# ---------------------------------------------------------------------------------------------

def truncate_pair(tokens_a: Sequence, tokens_b: Sequence, max_tokens: int) -> tuple[list, list]:
    """Longest-first truncation of a pair to at most `max_tokens` tokens in all (without specials).

    One token at a time, from the end of the longer sequence; on a tie, from B. This is Google's
    `_truncate_seq_pair` and Hugging Face's Python tokenizer. (Hugging Face's Rust tokenizer
    sizes the two parts at once and, when both must be cut to an odd total, lets the longer, or
    on a tie B, keep the extra token: for 5 + 6 tokens cut to 7 it keeps 3 + 4 where this keeps
    4 + 3.) New lists are returned; the inputs are left as they are.
    """
    a, b = list(tokens_a), list(tokens_b)
    while len(a) + len(b) > max_tokens:
        if len(a) > len(b):
            a.pop()
        else:
            b.pop()
    return a, b


def add_special_tokens(ids_a: Sequence[int], ids_b: Sequence[int] | None, cls_id: int, sep_id: int
                       ) -> dict[str, list[int]]:
    """[CLS] A [SEP] (B [SEP]) with its segment ids and special-tokens mask; all real tokens."""
    input_ids = [cls_id, *ids_a, sep_id]
    token_type_ids = [0] * len(input_ids)  # [CLS], A and the first [SEP] are segment A
    special_tokens_mask = [1] + [0] * len(ids_a) + [1]
    if ids_b is not None:
        input_ids += [*ids_b, sep_id]
        token_type_ids += [1] * (len(ids_b) + 1)  # B and the final [SEP] are segment B
        special_tokens_mask += [0] * len(ids_b) + [1]
    return {"input_ids": input_ids, "token_type_ids": token_type_ids,
            "attention_mask": [1] * len(input_ids), "special_tokens_mask": special_tokens_mask}


# What each field is padded with: [PAD]'s id, segment 0, no attention, and "special".
PAD_VALUES = {"token_type_ids": 0, "attention_mask": 0, "special_tokens_mask": 1}


def pad(encoding: Mapping[str, list[int]], length: int, pad_id: int) -> dict[str, list[int]]:
    """Pad every field on the right to `length`; an encoding already that long is returned as is."""
    missing = length - len(encoding["input_ids"])
    return {key: list(values) + [pad_id if key == "input_ids" else PAD_VALUES[key]] * max(missing, 0)
            for key, values in encoding.items()}


def truncate_to_fit(ids_a: Sequence[int], ids_b: Sequence[int] | None, max_length: int
                    ) -> tuple[list[int], list[int] | None]:
    """Cut so that, with its special tokens, the input has at most max_length tokens.

    A pair keeps at most max_length - 3 of its own tokens ([CLS], [SEP], [SEP]), longest-first
    (see truncate_pair); a single text (ids_b None) keeps at most max_length - 2, cut from its end.
    """
    specials = 2 if ids_b is None else 3
    if max_length < specials:
        raise ValueError(f"max_length {max_length} leaves no room for the {specials} special tokens")
    if ids_b is None:
        return list(ids_a)[:max_length - specials], None
    return truncate_pair(ids_a, ids_b, max_length - specials)


def build_pair_inputs(ids_a: Sequence[int], ids_b: Sequence[int] | None, max_length: int,
                      cls_id: int, sep_id: int, pad_id: int = 0) -> dict[str, list[int]]:
    """BERT's inputs for a pair (or one text when ids_b is None), cut and padded to max_length.

    ids_a, ids_b: token ids without special tokens. The special tokens count towards max_length
    (see truncate_to_fit). Returns {"input_ids", "token_type_ids", "attention_mask"}, each a list
    of exactly max_length ints.
    """
    ids_a, ids_b = truncate_to_fit(ids_a, ids_b, max_length)
    encoding = pad(add_special_tokens(ids_a, ids_b, cls_id, sep_id), max_length, pad_id)
    return {key: encoding[key] for key in ("input_ids", "token_type_ids", "attention_mask")}


class BertTokenizer:
    """BERT's tokenizer: text -> tokens -> ids -> model inputs, and back.

    vocab_file: a vocab.txt; by default the shipped uncased vocabulary. The other arguments are
    Hugging Face's, with its defaults. Encodings are dicts of plain lists of ints: input_ids,
    token_type_ids (segment ids), attention_mask (1 for real tokens, 0 for padding) and
    special_tokens_mask (1 for [CLS], [SEP] and [PAD]).

        tokenizer = BertTokenizer()
        tokenizer.tokenize("Unaffable!")               # ['una', '##ffa', '##ble', '!']
        tokenizer.encode("Is it?", "Yes.", max_length=8, padding="max_length")
    """

    def __init__(self, vocab_file: str | Path | None = None, *, do_lower_case: bool = True,
                 strip_accents: bool | None = None, tokenize_chinese_chars: bool = True,
                 unk_token: str = UNK, sep_token: str = SEP, pad_token: str = PAD, cls_token: str = CLS,
                 mask_token: str = MASK, max_input_chars_per_word: int = 100):
        self.vocab = load_vocab(vocab_file if vocab_file is not None else shipped_vocab_path())
        self.ids_to_tokens = {index: token for token, index in self.vocab.items()}
        self.unk_token, self.sep_token, self.pad_token = unk_token, sep_token, pad_token
        self.cls_token, self.mask_token = cls_token, mask_token
        self.special_tokens = (pad_token, unk_token, cls_token, sep_token, mask_token)
        missing = [t for t in self.special_tokens if t not in self.vocab]
        if missing:
            raise ValueError(f"the vocabulary lacks the special tokens {missing}")
        self.basic = BasicTokenizer(do_lower_case, strip_accents, tokenize_chinese_chars, never_split=self.special_tokens)
        self.wordpiece = WordpieceTokenizer(self.vocab, unk_token, max_input_chars_per_word)

    def __len__(self) -> int:
        return len(self.vocab)

    @property
    def cls_token_id(self) -> int:
        return self.vocab[self.cls_token]

    @property
    def sep_token_id(self) -> int:
        return self.vocab[self.sep_token]

    @property
    def pad_token_id(self) -> int:
        return self.vocab[self.pad_token]

    @property
    def unk_token_id(self) -> int:
        return self.vocab[self.unk_token]

    @property
    def mask_token_id(self) -> int:
        return self.vocab[self.mask_token]

    def tokenize(self, text: str) -> list[str]:
        """Basic tokenization, then WordPiece on every word that is not a special token."""
        tokens: list[str] = []
        for word in self.basic.tokenize(text):
            tokens.extend([word] if word in self.basic.never_split else self.wordpiece.tokenize(word))
        return tokens

    def convert_tokens_to_ids(self, tokens: Iterable[str]) -> list[int]:
        """Each token's id; a token not in the vocabulary gets [UNK]'s."""
        unk = self.unk_token_id
        return [self.vocab.get(token, unk) for token in tokens]

    def convert_ids_to_tokens(self, ids: Iterable[int]) -> list[str]:
        """Each id's token; an id outside the vocabulary reads as [UNK]."""
        return [self.ids_to_tokens.get(int(index), self.unk_token) for index in ids]

    def encode(self, text: str, text_pair: str | None = None, *, max_length: int | None = None,
               truncation: bool = False, padding: bool | str = False) -> dict[str, list[int]]:
        """[CLS] A [SEP] (B [SEP]) for one text or a pair.

        truncation: cut longest-first so that, specials included, at most max_length tokens remain.
        padding: False, or "max_length" to pad to max_length ("longest" and True do nothing for one
        encoding; see encode_batch).
        """
        ids_a = self.convert_tokens_to_ids(self.tokenize(text))
        ids_b = None if text_pair is None else self.convert_tokens_to_ids(self.tokenize(text_pair))
        return self.prepare_for_model(ids_a, ids_b, max_length=max_length, truncation=truncation, padding=padding)

    def prepare_for_model(self, ids_a: Sequence[int], ids_b: Sequence[int] | None = None, *,
                          max_length: int | None = None, truncation: bool = False,
                          padding: bool | str = False) -> dict[str, list[int]]:
        """Add the special tokens to ids that have none, truncating and padding as `encode` does."""
        if (truncation or padding == "max_length") and max_length is None:
            raise ValueError("truncation and padding='max_length' need max_length")
        if truncation:
            ids_a, ids_b = truncate_to_fit(ids_a, ids_b, max_length)
        encoding = add_special_tokens(ids_a, ids_b, self.cls_token_id, self.sep_token_id)
        return pad(encoding, max_length, self.pad_token_id) if padding == "max_length" else encoding

    def encode_batch(self, texts: Sequence[str], text_pairs: Sequence[str] | None = None, *,
                     max_length: int | None = None, truncation: bool = False,
                     padding: bool | str = "longest") -> dict[str, list[list[int]]]:
        """Encode several texts (or pairs) and pad them to a common length.

        padding: "longest" (or True) pads to the longest encoding in the batch, "max_length" to
        max_length, False not at all.
        """
        if text_pairs is not None and len(text_pairs) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(text_pairs)} pairs")
        pairs = text_pairs if text_pairs is not None else [None] * len(texts)
        encodings = [self.encode(a, b, max_length=max_length, truncation=truncation) for a, b in zip(texts, pairs)]
        if padding in ("longest", True):
            length = max((len(e["input_ids"]) for e in encodings), default=0)
            encodings = [pad(e, length, self.pad_token_id) for e in encodings]
        elif padding == "max_length":
            if max_length is None:
                raise ValueError("padding='max_length' needs max_length")
            encodings = [pad(e, max_length, self.pad_token_id) for e in encodings]
        keys = ("input_ids", "token_type_ids", "attention_mask", "special_tokens_mask")
        return {key: [e[key] for e in encodings] for key in keys}

    def decode(self, ids: Iterable[int], skip_special_tokens: bool = False) -> str:
        """The tokens joined by spaces, each "##" piece glued to the one before it.

        Lower-casing, stripped accents and the spaces around punctuation are not undone:
        decode(encode("Héllo, you!")) is "[CLS] hello , you ! [SEP]".
        """
        tokens = self.convert_ids_to_tokens(ids)
        if skip_special_tokens:
            tokens = [t for t in tokens if t not in self.special_tokens]
        return " ".join(tokens).replace(" ##", "").strip()
