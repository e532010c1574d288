"""build_pair_inputs: the reference agrees with Hugging Face's Python tokenizer on every case and on
a grid of lengths, correct solutions in other styles pass, realistic wrong ones fail with the
reason, beyond the shipped known mistakes."""

from __future__ import annotations

import itertools

import pytest

from bertstudy.exercises.cases import build_args
from bertstudy.reference.tokenization import build_pair_inputs
from grading import PACK, failures, verdict_of

pytestmark = pytest.mark.slow
EXERCISE = "build_pair_inputs"
HEAD = "def build_pair_inputs(ids_a, ids_b, max_length, cls_id, sep_id, pad_id=0):\n"


@pytest.fixture(scope="module")
def hf_python_tokenizer():
    pytest.importorskip("transformers")
    from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

    from bertstudy.reference.tokenization import shipped_vocab_path

    return BertTokenizerLegacy(vocab_file=str(shipped_vocab_path()))


def hf_inputs(tokenizer, args):
    """Hugging Face's answer, with its special ids swapped for the case's."""
    cls_id, sep_id, pad_id = args["cls_id"], args["sep_id"], args.get("pad_id", 0)
    theirs = tokenizer.prepare_for_model(args["ids_a"], args["ids_b"], max_length=args["max_length"],
                                         truncation="longest_first", padding="max_length",
                                         return_token_type_ids=True)
    swap = {tokenizer.cls_token_id: cls_id, tokenizer.sep_token_id: sep_id, tokenizer.pad_token_id: pad_id}
    return {"input_ids": [swap.get(i, i) for i in theirs["input_ids"]],
            "token_type_ids": theirs["token_type_ids"], "attention_mask": theirs["attention_mask"]}


def test_reference_agrees_with_hugging_face_on_every_case(hf_python_tokenizer):
    for case in PACK.exercises[EXERCISE].cases:
        args = build_args(case)
        assert build_pair_inputs(**args) == hf_inputs(hf_python_tokenizer, args), case.name


def test_reference_agrees_with_hugging_face_on_a_grid(hf_python_tokenizer):
    for len_a, len_b, max_length in itertools.product(range(9), [None, *range(9)], range(3, 15)):
        args = {"ids_a": list(range(1000, 1000 + len_a)),
                "ids_b": None if len_b is None else list(range(2000, 2000 + len_b)),
                "max_length": max_length, "cls_id": 101, "sep_id": 102}
        assert build_pair_inputs(**args) == hf_inputs(hf_python_tokenizer, args), (len_a, len_b, max_length)


CORRECT = {
    "kept lengths by arithmetic, then slices": """
        budget = max_length - (2 if ids_b is None else 3)
        if ids_b is None:
            keep_a, keep_b = min(len(ids_a), budget), 0
        else:
            la, lb = len(ids_a), len(ids_b)
            excess = max(0, la + lb - budget)
            gap = min(abs(la - lb), excess)   # first cut the longer down to the shorter
            rest = excess - gap               # then alternate, B first
            cut_a = (gap if la > lb else 0) + rest // 2
            cut_b = (gap if lb >= la else 0) + rest - rest // 2
            keep_a, keep_b = la - cut_a, lb - cut_b
        tokens = [cls_id, *ids_a[:keep_a], sep_id]
        segments = [0] * len(tokens)
        if ids_b is not None:
            tokens += [*ids_b[:keep_b], sep_id]
            segments += [1] * (keep_b + 1)
        pad = max_length - len(tokens)
        return dict(input_ids=tokens + [pad_id] * pad, token_type_ids=segments + [0] * pad,
                    attention_mask=[1] * len(tokens) + [0] * pad)
    """,
    "a counter loop, then (token, segment) pairs": """
        la, lb = len(ids_a), (0 if ids_b is None else len(ids_b))
        room = max_length - (2 if ids_b is None else 3)
        while la + lb > room:
            if ids_b is not None and lb >= la:
                lb -= 1
            else:
                la -= 1
        pairs = [(cls_id, 0)] + [(t, 0) for t in ids_a[:la]] + [(sep_id, 0)]
        if ids_b is not None:
            pairs += [(t, 1) for t in ids_b[:lb]] + [(sep_id, 1)]
        real = len(pairs)
        pairs += [(pad_id, 0)] * (max_length - real)
        ids, segs = zip(*pairs)
        return {"input_ids": list(ids), "token_type_ids": list(segs),
                "attention_mask": [1 if i < real else 0 for i in range(max_length)]}
    """,
    "recursive truncation on tuples": """
        def fit(a, b, room):
            if len(a) + len(b) <= room:
                return a, b
            return fit(a[:-1], b, room) if len(a) > len(b) else fit(a, b[:-1], room)

        if ids_b is None:
            a = tuple(ids_a)[:max_length - 2]
            body, segments = (cls_id, *a, sep_id), (0,) * (len(a) + 2)
        else:
            a, b = fit(tuple(ids_a), tuple(ids_b), max_length - 3)
            body = (cls_id, *a, sep_id, *b, sep_id)
            segments = (0,) * (len(a) + 2) + (1,) * (len(b) + 1)
        n = len(body)
        return {
            "input_ids": [*body] + [pad_id for _ in range(max_length - n)],
            "attention_mask": [int(i < n) for i in range(max_length)],
            "token_type_ids": [*segments] + [0] * (max_length - n),
        }
    """,
}

SOLUTION = (PACK.exercises[EXERCISE].folder / "solution.py").read_text(encoding="utf-8")


def swap(old: str, new: str) -> str:
    assert SOLUTION.count(old) == 1, old
    return SOLUTION.replace(old, new)


WRONG = {
    "pops from the caller's lists": (
        swap("    a = list(ids_a)  # copies: the caller's lists stay as they are", "    a = ids_a")
        .replace("        b = list(ids_b)", "        b = ids_b"),
        "changed its inputs in place"),
    "builds the whole sequence, then cuts it at max_length (the final [SEP] is lost)": (HEAD + """
        ids = [cls_id] + list(ids_a) + [sep_id]
        seg = [0] * len(ids)
        if ids_b is not None:
            ids += list(ids_b) + [sep_id]
            seg += [1] * (len(ids_b) + 1)
        ids, seg = ids[:max_length], seg[:max_length]
        n = max_length - len(ids)
        return {"input_ids": ids + [pad_id] * n, "token_type_ids": seg + [0] * n, "attention_mask": [1] * len(ids) + [0] * n}
    """, "case: A is longer, so A is cut at its end"),
    "pads the segment ids with 1 (continuing B)": (
        swap('"token_type_ids": token_type_ids + [0] * padding', '"token_type_ids": token_type_ids + [1] * padding'),
        "case: a short pair, padded"),
    "pads on the left": (
        swap('"input_ids": input_ids + [pad_id] * padding,\n        "token_type_ids": token_type_ids + [0] * padding,\n'
             '        "attention_mask": attention_mask + [0] * padding,',
             '"input_ids": [pad_id] * padding + input_ids,\n        "token_type_ids": [0] * padding + token_type_ids,\n'
             '        "attention_mask": [0] * padding + attention_mask,'),
        "case: a short pair, padded"),
    "pads input_ids with 0 whatever pad_id is": (
        swap('"input_ids": input_ids + [pad_id] * padding', '"input_ids": input_ids + [0] * padding'),
        "case: a single text, padded, with other special ids"),
    "treats None as an empty B (two [SEP]s for a single text)": (
        swap("    if ids_b is None:\n", "    ids_b = [] if ids_b is None else ids_b\n    if False:\n"),
        "case: a single text (ids_b is None), cut at its end"),
    "sizes both parts at once like the Rust tokenizer (the longer keeps the odd token)": (HEAD + """
        if ids_b is None:
            a = list(ids_a[:max_length - 2])
            ids, seg = [cls_id] + a + [sep_id], [0] * (len(a) + 2)
        else:
            room = max_length - 3
            short, long_ = sorted((len(ids_a), len(ids_b)))
            if short + long_ > room:
                long_ = max(short, room - short)
                if short + long_ > room:
                    short, long_ = room // 2, room // 2 + room % 2
            na, nb = (long_, short) if len(ids_a) > len(ids_b) else (short, long_)
            a, b = list(ids_a[:na]), list(ids_b[:nb])
            ids = [cls_id] + a + [sep_id] + b + [sep_id]
            seg = [0] * (len(a) + 2) + [1] * (len(b) + 1)
        n = max_length - len(ids)
        return {"input_ids": ids + [pad_id] * n, "token_type_ids": seg + [0] * n, "attention_mask": [1] * len(ids) + [0] * n}
    """, "case: A and B equally long: the first cut is from the end of B"),
    "returns torch tensors": (
        "import torch\n\n" + swap('    return {\n', '    as_tensor = torch.tensor\n    return {\n')
        .replace('"input_ids": input_ids + [pad_id] * padding', '"input_ids": as_tensor(input_ids + [pad_id] * padding)'),
        "output['input_ids'] should be a list of"),
    "returns a tuple of three lists": (
        swap('    return {\n        "input_ids": ', '    return (\n        ')
        .replace('        "token_type_ids": ', '        ').replace('        "attention_mask": ', '        ')
        .replace("padding,\n    }", "padding,\n    )"),
        "output should be a dict with keys"),
    "borrows Hugging Face's tokenizer": (HEAD + """
        from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy
        raise RuntimeError("never reached")
    """, "transformers is not allowed"),
}


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of(EXERCISE, HEAD + CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of(EXERCISE, source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
