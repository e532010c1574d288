"""basic_tokenize: the reference agrees with Hugging Face's basic tokenizers on every case, correct
solutions in other styles pass, realistic wrong ones fail with the reason, beyond the shipped
known mistakes."""

from __future__ import annotations

import unicodedata

import pytest

from bertstudy.exercises.cases import build_args
from bertstudy.reference.tokenization import basic_tokenize
from grading import PACK, failures, verdict_of

pytestmark = pytest.mark.slow
EXERCISE = "basic_tokenize"
CJK = """
    CJK = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
           (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)]
"""


def test_reference_agrees_with_hugging_face_on_every_case():
    pytest.importorskip("transformers")
    from tokenizers import normalizers, pre_tokenizers
    from transformers.models.bert.tokenization_bert_legacy import BasicTokenizer

    for case in PACK.exercises[EXERCISE].cases:
        args = build_args(case)
        lower = args["do_lower_case"]
        ours = basic_tokenize(**args)
        # transformers' Python tokenizer NFC-composes the text first, which maps the compatibility
        # ideographs (U+F900...) to unified ones when the text is not lower-cased; compare modulo NFC.
        nfc = [unicodedata.normalize("NFC", word) for word in ours]
        theirs = BasicTokenizer(do_lower_case=lower).tokenize(args["text"])
        assert nfc == [unicodedata.normalize("NFC", word) for word in theirs], case.name
        normalizer = normalizers.BertNormalizer(lowercase=lower, strip_accents=None)
        words = pre_tokenizers.BertPreTokenizer().pre_tokenize_str(normalizer.normalize_str(args["text"]))
        assert ours == [w for w, _ in words], case.name


CORRECT = {
    "Google's layout: helper per step, start_new_word flag": """
        import unicodedata

        def _is_control(ch):
            if ch in "\\t\\n\\r":
                return False
            return unicodedata.category(ch).startswith("C")

        def _is_whitespace(ch):
            return ch in " \\t\\n\\r" or unicodedata.category(ch) == "Zs"

        def _is_punctuation(ch):
            cp = ord(ch)
            if (33 <= cp <= 47) or (58 <= cp <= 64) or (91 <= cp <= 96) or (123 <= cp <= 126):
                return True
            return unicodedata.category(ch).startswith("P")

        def _is_chinese_char(cp):
            return ((0x4E00 <= cp <= 0x9FFF) or (0x3400 <= cp <= 0x4DBF) or (0x20000 <= cp <= 0x2A6DF)
                    or (0x2A700 <= cp <= 0x2B73F) or (0x2B740 <= cp <= 0x2B81F) or (0x2B820 <= cp <= 0x2CEAF)
                    or (0xF900 <= cp <= 0xFAFF) or (0x2F800 <= cp <= 0x2FA1F))

        def _run_split_on_punc(text):
            output = []
            start_new_word = True
            for ch in text:
                if _is_punctuation(ch):
                    output.append([ch])
                    start_new_word = True
                else:
                    if start_new_word:
                        output.append([])
                    start_new_word = False
                    output[-1].append(ch)
            return ["".join(x) for x in output]

        def basic_tokenize(text, do_lower_case=True):
            cleaned = []
            for ch in text:
                cp = ord(ch)
                if cp == 0 or cp == 0xFFFD or _is_control(ch):
                    continue
                cleaned.append(" " if _is_whitespace(ch) else ch)
            spaced = []
            for ch in cleaned:
                spaced.append(" " + ch + " " if _is_chinese_char(ord(ch)) else ch)
            split_tokens = []
            for token in "".join(spaced).strip().split():
                if do_lower_case:
                    token = token.lower()
                    token = "".join(c for c in unicodedata.normalize("NFD", token) if unicodedata.category(c) != "Mn")
                split_tokens.extend(_run_split_on_punc(token))
            return " ".join(split_tokens).split()
    """,
    "character classes and itertools.groupby": CJK + """
    import itertools
    import unicodedata

    def kind(ch):
        cat = unicodedata.category(ch)
        if ch in " \\t\\n\\r" or cat == "Zs":
            return "space"
        if ch in "\\x00\\ufffd" or cat.startswith("C"):
            return "drop"
        if any(lo <= ord(ch) <= hi for lo, hi in CJK):
            return "alone"
        return "word"

    def punct(ch):
        return (ch.isascii() and not ch.isalnum() and not ch.isspace() and 32 < ord(ch) < 127) or unicodedata.category(ch).startswith("P")

    def basic_tokenize(text, do_lower_case=True):
        kept = [(ch, kind(ch)) for ch in text if kind(ch) != "drop"]
        words = []
        for label, run in itertools.groupby(kept, key=lambda pair: "word" if pair[1] == "word" else object()):
            chars = "".join(ch for ch, _ in run)
            if label == "word":
                words.append(chars)
            elif kind(chars) == "alone":
                words.append(chars)
        out = []
        for w in words:
            if do_lower_case:
                w = "".join(c for c in unicodedata.normalize("NFD", w.lower()) if unicodedata.category(c) != "Mn")
            for _, group in itertools.groupby(w, key=lambda c: object() if punct(c) else "letters"):
                out.append("".join(group))
        return out
    """,
    "normalise the whole text first, then one regular expression": CJK + """
    import re
    import unicodedata

    def basic_tokenize(text, do_lower_case=True):
        text = "".join("" if (c in "\\x00\\ufffd" or (unicodedata.category(c)[0] == "C" and c not in "\\t\\n\\r"))
                       else " " if (c in "\\t\\n\\r" or unicodedata.category(c) == "Zs") else c for c in text)
        if do_lower_case:
            text = unicodedata.normalize("NFD", text.lower())
            text = "".join(c for c in text if unicodedata.category(c) != "Mn")
        marked = []
        for c in text:
            p = 0x21 <= ord(c) <= 0x2F or 0x3A <= ord(c) <= 0x40 or 0x5B <= ord(c) <= 0x60 or 0x7B <= ord(c) <= 0x7E
            if p or unicodedata.category(c).startswith("P") or any(lo <= ord(c) <= hi for lo, hi in CJK):
                marked.append(" " + c + " ")
            else:
                marked.append(c)
        return re.findall(r"\\S+", "".join(marked))
    """,
}

# The solution, with one line swapped out: (old, new).
SOLUTION = (PACK.exercises[EXERCISE].folder / "solution.py").read_text(encoding="utf-8")


def swap(old: str, new: str) -> str:
    assert SOLUTION.count(old) == 1, old
    return SOLUTION.replace(old, new)


WRONG = {
    "strips accents with NFKD (also folds full-width punctuation to ASCII)": (
        swap('unicodedata.normalize("NFD", word.lower())', 'unicodedata.normalize("NFKD", word.lower())'),
        "case: Chinese, one word per character"),
    "lower-cases even when do_lower_case is false": (
        swap("        if do_lower_case:\n            word = unicodedata",
             "        word = word.lower()\n        if do_lower_case:\n            word = unicodedata"),
        "case: case and accents are kept when do_lower_case is false"),
    "treats tab and newline as control characters (drops them)": (
        swap('if ch in "\\t\\n\\r" or unicodedata.category(ch) == "Zs"', 'if unicodedata.category(ch) == "Zs"'),
        "case: control characters dropped"),
    "drops only category Cc (keeps U+200B and the soft hyphen)": (
        swap('unicodedata.category(ch).startswith("C")', 'unicodedata.category(ch) == "Cc"'),
        "case: control characters dropped"),
    "Hangul and kana split as if they were CJK": (
        swap("(0x4E00, 0x9FFF), (0x3400", "(0x1100, 0x9FFF), (0xAC00, 0xD7AF), (0x3400"),
        "case: CJK beyond the basic block"),
    "punctuation dropped instead of kept": (
        swap("            tokens.append(ch)\n", ""), "case: English with ASCII punctuation"),
    "returns the words joined by spaces": (
        swap("split_punctuation(word))\n    return tokens", 'split_punctuation(word))\n    return " ".join(tokens)'),
        "output should be a list"),
    "borrows Hugging Face's tokenizer": ("""
        from transformers.models.bert.tokenization_bert_legacy import BasicTokenizer

        def basic_tokenize(text, do_lower_case=True):
            return BasicTokenizer(do_lower_case=do_lower_case).tokenize(text)
    """, "transformers is not allowed"),
}


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of(EXERCISE, CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of(EXERCISE, source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
