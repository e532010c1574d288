"""wordpiece_tokenize: the reference against a hand-worked table (and the `tokenizers` library
when it is installed), correct solutions in other styles pass, realistic wrong ones fail with the
reason, beyond the shipped known mistakes."""

from __future__ import annotations

import pytest

from bertstudy.reference.tokenization import wordpiece_tokenize
from grading import PACK, failures, verdict_of

pytestmark = pytest.mark.slow
EXERCISE = "wordpiece_tokenize"
HEAD = 'def wordpiece_tokenize(word, vocab, unk_token="[UNK]", max_input_chars_per_word=100):\n'

# A toy vocabulary: "pla"/"play" start words only; "##" alone must never match an empty piece.
VOCAB = ["[UNK]", "##", "un", "##aff", "##able", "##ab", "##le", "aff", "able", "play", "pla",
         "##s", "##ing", "##yed", "中", "国", "b", "##b", "hug", "##gs", "##u"]

# (word, keyword arguments, expected), each worked by hand:
TABLE = [
    # "play" is in the vocabulary whole: one piece, no "##".
    ("play", {}, ["play"]),
    # at 0: "unaffable".."una" miss, "un" hits; at 2: "##affable".."##affa" miss, "##aff" hits;
    # at 5: "##able" hits at once (longest first), so "##ab" + "##le" is never tried.
    ("unaffable", {}, ["un", "##aff", "##able"]),
    # at 0: "un"; at 2: "##playable" .. "##p" all miss ("play" has no "##" form): the whole word.
    ("unplayable", {}, ["[UNK]"]),
    # at 0: "play" (longer than "pla"); at 4: "##ed", "##e" miss: [UNK], although
    # "pla" + "##yed" would have covered the word. Greedy does not backtrack.
    ("played", {}, ["[UNK]"]),
    # at 0: "play"; at 4: "##ful", "##fu", "##f" miss: the custom unknown token, alone.
    ("playful", {"unk_token": "<unk>"}, ["<unk>"]),
    # 7 characters, limit 7: not more than the limit, so "play" + "##ing".
    ("playing", {"max_input_chars_per_word": 7}, ["play", "##ing"]),
    # 7 characters, limit 6: more than the limit, [UNK] without any lookup.
    ("playing", {"max_input_chars_per_word": 6}, ["[UNK]"]),
    # 100 characters, default limit 100: "b", then 99 times "##b" (no "##bb" in the vocabulary).
    ("b" * 100, {}, ["b"] + ["##b"] * 99),
    # 101 characters, default limit 100: [UNK] (Google's limit of 200 would split it).
    ("b" * 101, {}, ["[UNK]"]),
    # one character (three UTF-8 bytes), limit 1: in the vocabulary whole.
    ("中", {"max_input_chars_per_word": 1}, ["中"]),
    # "中" then "##国" (only the bare "国" is in the vocabulary): [UNK]. This is why the basic
    # tokenizer puts spaces around every CJK character before WordPiece runs.
    ("中国", {}, ["[UNK]"]),
    # "##ing" may not start a word; "ing", "in", "i" miss.
    ("ing", {}, ["[UNK]"]),
    # the facts' example: at 0: "hugs", "hug" hits; at 3: "##s" hits.
    ("hugs", {}, ["hug", "##s"]),
    # at 0: "bugs", "bug", "bu" miss, "b" hits; at 1: "##ugs", "##ug" miss, "##u" hits; at 2: "##gs".
    ("bugs", {}, ["b", "##u", "##gs"]),
]


@pytest.mark.parametrize("word, kwargs, expected", TABLE, ids=[f"{w[:12]}-{k}" for w, k, _ in TABLE])
def test_reference_matches_the_hand_worked_table(word, kwargs, expected):
    vocab = list(VOCAB)
    assert wordpiece_tokenize(word, vocab, **kwargs) == expected
    assert vocab == VOCAB  # the caller's list is left as it was


def test_reference_accepts_any_collection():
    for vocab in (set(VOCAB), tuple(VOCAB), dict.fromkeys(VOCAB, 0)):
        assert wordpiece_tokenize("unaffable", vocab) == ["un", "##aff", "##able"]


def test_reference_agrees_with_the_tokenizers_library():
    models = pytest.importorskip("tokenizers.models")
    words = [w for w, _, _ in TABLE] + ["a" * 150, "unaffableable", "playingss", "国", "##s"]
    for unk in ("[UNK]", "<unk>"):
        for limit in (1, 5, 7, 100):
            vocab = list(dict.fromkeys(VOCAB + [unk]))  # tokenizers wants the unknown token in the vocabulary
            model = models.WordPiece({t: i for i, t in enumerate(vocab)}, unk_token=unk, max_input_chars_per_word=limit)
            for word in words:
                theirs = [token.value for token in model.tokenize(word)]
                assert wordpiece_tokenize(word, vocab, unk, limit) == theirs, (word, unk, limit)


CORRECT = {
    "recursion on the rest of the word": """
        def split(rest, first):
            if not rest:
                return []
            for end in range(len(rest), 0, -1):
                piece = rest[:end] if first else "##" + rest[:end]
                if piece in vocab:
                    tail = split(rest[end:], False)
                    return None if tail is None else [piece] + tail
            return None
        if len(word) > max_input_chars_per_word:
            return [unk_token]
        pieces = split(word, True)
        return [unk_token] if pieces is None else pieces
    """,
    "Google's is_bad flag with a while loop": """
        chars = list(word)
        if len(chars) > max_input_chars_per_word:
            return [unk_token]
        is_bad = False
        start = 0
        sub_tokens = []
        while start < len(chars):
            end = len(chars)
            cur_substr = None
            while start < end:
                substr = "".join(chars[start:end])
                if start > 0:
                    substr = "##" + substr
                if substr in vocab:
                    cur_substr = substr
                    break
                end -= 1
            if cur_substr is None:
                is_bad = True
                break
            sub_tokens.append(cur_substr)
            start = end
        return [unk_token] if is_bad else sub_tokens
    """,
    "two sets and a bounded window": """
        starts = {v for v in vocab if not v.startswith("##")}
        middles = {v[2:] for v in vocab if v.startswith("##")}
        longest = max([len(v) for v in starts | middles] + [1])
        if len(word) > max_input_chars_per_word:
            return [unk_token]
        out, i = [], 0
        while i < len(word):
            known = starts if i == 0 else middles
            hits = [j for j in range(min(len(word), i + longest), i, -1) if word[i:j] in known]
            if not hits:
                return [unk_token]
            out.append(("##" if i else "") + word[i:hits[0]])
            i = hits[0]
        return out
    """,
    "next() over candidate pieces": """
        if len(word) > max_input_chars_per_word:
            return [unk_token]
        known = frozenset(vocab)
        pieces, start = [], 0
        while start < len(word):
            prefix = "##" if start else ""
            end = next((e for e in reversed(range(start + 1, len(word) + 1)) if prefix + word[start:e] in known), None)
            if end is None:
                return [unk_token]
            pieces.append(prefix + word[start:end])
            start = end
        return pieces
    """,
}

GREEDY_LOOP = """
    for end in range(len(word), start, -1):
        piece = word[start:end] if start == 0 else "##" + word[start:end]
        if piece in vocab:
            pieces.append(piece)
            start = end
            break
    else:
        return [UNKNOWN]
"""


def greedy(limit_check: str, unknown: str = "unk_token", loop: str = GREEDY_LOOP) -> str:
    """A submission body: `limit_check`, then the correct greedy loop (with `loop` swapped in)."""
    inner = "\n".join("        " + line for line in loop.replace("UNKNOWN", unknown).strip("\n").splitlines())
    return f"""
    {limit_check}
    pieces, start = [], 0
    while start < len(word):
{inner}
    return pieces
"""


LIMIT = "if len(word) > max_input_chars_per_word: return [unk_token]"

WRONG = {
    "hard-codes [UNK]": (greedy('if len(word) > max_input_chars_per_word: return ["[UNK]"]', '"[UNK]"'),
                         "output should be ['<unk>'], got ['[UNK]']"),
    "no length limit at all": (greedy("pass"), "case: one character over max_input_chars_per_word"),
    "Google's default limit of 200": (
        HEAD.replace("=100", "=200") + greedy(LIMIT), "case: 101 characters with the default limit"),
    "counts UTF-8 bytes for the limit": (
        greedy('if len(word.encode("utf-8")) > max_input_chars_per_word: return [unk_token]'),
        "case: a single CJK character"),
    "backtracks to find any split": ("""
        def split(rest, first):
            if not rest:
                return []
            for end in range(len(rest), 0, -1):
                piece = rest[:end] if first else "##" + rest[:end]
                if piece in vocab:
                    tail = split(rest[end:], False)
                    if tail is not None:
                        return [piece] + tail
            return None
        if len(word) > max_input_chars_per_word:
            return [unk_token]
        pieces = split(word, True)
        return [unk_token] if pieces is None else pieces
    """, "case: greedy never backtracks"),
    "adds the unknown token to the caller's vocab": (greedy(LIMIT + "\n    vocab.append(unk_token)"),
                                                      "changed its inputs in place"),
    "tries the empty piece, so \"##\" matches forever": (
        greedy(LIMIT, loop=GREEDY_LOOP.replace("range(len(word), start, -1)", "range(len(word), start - 1, -1)")),
        "timed out"),
    "returns one string": ("""
        if len(word) > max_input_chars_per_word:
            return unk_token
        pieces, start = [], 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in vocab:
                    pieces.append(piece)
                    start = end
                    break
            else:
                return unk_token
        return " ".join(pieces)
    """, "output should be a list of 1, got str 'play'"),
    "calls the tokenizers library": ("""
        from tokenizers.models import WordPiece
        model = WordPiece({t: i for i, t in enumerate(vocab)}, unk_token=unk_token,
                          max_input_chars_per_word=max_input_chars_per_word)
        return [t.value for t in model.tokenize(word)]
    """, "tokenizers is not allowed"),
}


def test_shipped_solution_passes(tmp_path, warm_pool):
    source = (PACK.exercises[EXERCISE].folder / "solution.py").read_text(encoding="utf-8")
    assert verdict_of(EXERCISE, source, warm_pool, tmp_path).passed


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of(EXERCISE, HEAD + CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, verdict.as_dict()


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    body, expected = WRONG[name]
    source = body if body.startswith("def ") else HEAD + body  # a few bring their own signature
    verdict = verdict_of(EXERCISE, source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
