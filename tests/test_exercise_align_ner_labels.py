"""align_ner_labels: correct solutions in other styles pass, realistic wrong ones fail with the reason,
and the labels it makes do what they are for in PyTorch: F.cross_entropy skips every -100
position, so the loss reads each word exactly once, at its first piece."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grading import failures, verdict_of
from bertstudy.reference.finetuning import IGNORE_INDEX, align_ner_labels

pytestmark = pytest.mark.slow

CORRECT = {
    "pairs with the previous id, a comprehension": """
        def align_ner_labels(word_ids, word_labels):
            previous = [None] + list(word_ids[:-1])
            return [word_labels[w] if w is not None and w != p else -100 for w, p in zip(word_ids, previous)]
    """,
    "itertools.groupby over runs of equal ids": """
        from itertools import groupby

        def align_ner_labels(word_ids, word_labels):
            out = []
            for word_id, run in groupby(word_ids):
                n = len(list(run))
                if word_id is None:
                    out += [-100] * n
                else:
                    out += [word_labels[word_id]] + [-100] * (n - 1)
            return out
    """,
    "indices, a preallocated list and an IGNORE constant": """
        IGNORE = -100

        def align_ner_labels(word_ids, word_labels):
            labels = [IGNORE] * len(word_ids)
            for i, word_id in enumerate(word_ids):
                starts_word = word_id is not None and (i == 0 or word_ids[i - 1] != word_id)
                if starts_word:
                    labels[i] = int(word_labels[word_id])
            return labels
    """,
}

WRONG = {
    "returns a tensor": ("""
        import torch

        def align_ner_labels(word_ids, word_labels):
            previous, out = None, []
            for w in word_ids:
                out.append(word_labels[w] if w is not None and w != previous else -100)
                previous = w
            return torch.tensor(out)
    """, "should be a list"),
    "tests `if word_id:`, so word 0 counts as special": ("""
        def align_ner_labels(word_ids, word_labels):
            previous, out = None, []
            for w in word_ids:
                out.append(word_labels[w] if w and w != previous else -100)
                previous = w
            return out
    """, "output should be [-100, 1, -100, 0, 0, 3, -100], got [-100, -100, -100, 0, 0, 3, -100]"),
    "shifts the word index by one for [CLS]": ("""
        def align_ner_labels(word_ids, word_labels):
            previous, out = None, []
            for w in word_ids:
                out.append(word_labels[w - 1] if w is not None and w != previous else -100)
                previous = w
            return out
    """, "output should be"),
    "turns B- into I- on later pieces instead of ignoring them": ("""
        def align_ner_labels(word_ids, word_labels):
            previous, out = None, []
            for w in word_ids:
                if w is None:
                    out.append(-100)
                elif w != previous:
                    out.append(word_labels[w])
                else:
                    label = word_labels[w]
                    out.append(label + 1 if label % 2 == 1 else label)
                previous = w
            return out
    """, "output should be"),
    "returns only the first pieces' labels": ("""
        def align_ner_labels(word_ids, word_labels):
            previous, out = None, []
            for w in word_ids:
                if w is not None and w != previous:
                    out.append(word_labels[w])
                previous = w
            return out
    """, "output should be [-100, 1, -100, 0, 0, 3, -100], got [1, 0, 0, 3]"),
    "pops [CLS] off the caller's list": ("""
        def align_ner_labels(word_ids, word_labels):
            word_ids.pop(0)
            previous, out = None, [-100]
            for w in word_ids:
                out.append(word_labels[w] if w is not None and w != previous else -100)
                previous = w
            return out
    """, "changed its inputs in place"),
    "labels padding after [SEP] with the last word's label": ("""
        def align_ner_labels(word_ids, word_labels):
            out, previous, seen_sep = [], None, False
            for i, w in enumerate(word_ids):
                if w is None:
                    out.append(word_labels[-1] if seen_sep and word_labels else -100)
                    seen_sep = seen_sep or i > 0
                else:
                    out.append(word_labels[w] if w != previous else -100)
                previous = w
            return out
    """, "case: a word of three pieces, then padding"),
    "crashes on an empty sentence": ("""
        def align_ner_labels(word_ids, word_labels):
            if not word_labels:
                raise ValueError("no words")
            previous, out = None, []
            for w in word_ids:
                out.append(word_labels[w] if w is not None and w != previous else -100)
                previous = w
            return out
    """, "ValueError: no words"),
}


def test_cross_entropy_reads_each_word_once_at_its_first_piece():
    word_ids = [None, 0, 0, 1, 2, 2, 2, 3, None, None]
    word_labels = [1, 0, 3, 0]
    labels = torch.tensor(align_ner_labels(word_ids, word_labels))
    logits = torch.randn(len(word_ids), 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    first_pieces = [1, 3, 4, 7]
    expected = F.cross_entropy(logits[first_pieces], torch.tensor(word_labels))
    torch.testing.assert_close(F.cross_entropy(logits, labels), expected)
    assert F.cross_entropy(logits, labels, ignore_index=IGNORE_INDEX) == F.cross_entropy(logits, labels)


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("align_ner_labels", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("align_ner_labels", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
