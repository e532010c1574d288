"""whole_word_mask, graded by its properties: correct solutions in other styles (and other orders of
drawing) pass, realistic wrong ones fail with the reason, beyond the shipped known mistakes; and the
reference obeys the properties and is deterministic under a seed."""

from __future__ import annotations

import pytest
import torch

from grading import PACK, failures, verdict_of

pytestmark = pytest.mark.slow
HEAD = ("import random\nimport torch\n\n"
        "def whole_word_mask(input_ids, vocab, chinese_ref=None, masked_lm_prob=0.15, max_predictions_per_seq=20, "
        "generator=None):\n")

# The grouping most wrong versions below share: words as lists of positions, per row.
WORDS = """
        def words_of(row):
            words, after_word = [], False
            for i, t in enumerate(input_ids[row].tolist()):
                token = vocab[t]
                if token in ("[CLS]", "[SEP]"):
                    after_word = False
                    continue
                if (token.startswith("##") or (chinese_ref is not None and bool(chinese_ref[row, i]))) and after_word:
                    words[-1].append(i)
                else:
                    words.append([i])
                after_word = True
            return words
"""

# Choosing and corrupting as the contract says; a wrong version replaces one line of it.
CORRUPT = """
        mask_id = vocab.index("[MASK]")
        out, labels = input_ids.clone(), torch.full_like(input_ids, -100)
        budget = min(max_predictions_per_seq, max(1, round(input_ids.shape[1] * masked_lm_prob)))
        for row in range(input_ids.shape[0]):
            words = words_of(row)
            chosen = []
            for k in torch.randperm(len(words), generator=generator).tolist():
                if len(chosen) + len(words[k]) <= budget:
                    chosen += words[k]
            for i in chosen:
                labels[row, i] = input_ids[row, i]
                roll = torch.rand((), generator=generator)
                if roll < 0.8:
                    out[row, i] = mask_id
                elif roll < 0.9:
                    out[row, i] = torch.randint(len(vocab), (), generator=generator)
        return out, labels
"""



def variant(source: str, *edits: tuple[str, str]) -> str:
    """`source` with each (old, new) replaced; old must be there, so that a changed template fails loudly."""
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new)
    return source


CORRECT = {
    "Google's loop on a random.Random seeded from the generator": """
        rng = random.Random(int(torch.randint(2**62, (), generator=generator)))
        mask_id = vocab.index("[MASK]")
        out, labels = input_ids.clone(), input_ids.clone()
        labels[:] = -100
        n = min(max_predictions_per_seq, max(1, int(round(input_ids.shape[1] * masked_lm_prob))))
        for row in range(input_ids.shape[0]):
            tokens = [vocab[t] for t in input_ids[row].tolist()]
            cand, previous_special = [], True
            for i, token in enumerate(tokens):
                if token in ("[CLS]", "[SEP]"):
                    previous_special = True
                    continue
                joins = token.startswith("##") or (chinese_ref is not None and chinese_ref[row, i].item())
                if joins and not previous_special:
                    cand[-1].append(i)
                else:
                    cand.append([i])
                previous_special = False
            rng.shuffle(cand)
            covered = []
            for index_set in cand:
                if len(covered) >= n:
                    break
                if len(covered) + len(index_set) > n:
                    continue
                for index in index_set:
                    covered.append(index)
                    labels[row, index] = input_ids[row, index]
                    if rng.random() < 0.8:
                        out[row, index] = mask_id
                    elif rng.random() < 0.5:
                        pass
                    else:
                        out[row, index] = rng.randint(0, len(vocab) - 1)
        return out, labels
    """,
    "word ids by cumsum, random keys, fates drawn for the whole batch first": """
        batch, length = input_ids.shape
        fate = torch.rand(batch, length, generator=generator)
        swap = torch.randint(0, len(vocab), (batch, length), generator=generator)
        specials = torch.tensor([vocab.index("[CLS]"), vocab.index("[SEP]")])
        is_special = torch.isin(input_ids, specials)
        hashes = torch.tensor([t.startswith("##") for t in vocab])[input_ids]
        joins = hashes | (chinese_ref if chinese_ref is not None else torch.zeros_like(hashes))
        after_special = torch.ones_like(is_special)
        after_special[:, 1:] = is_special[:, :-1]
        starts = ~is_special & (~joins | after_special)
        word_id = torch.cumsum(starts.long(), dim=1) - 1
        budget = min(max_predictions_per_seq, max(1, round(length * masked_lm_prob)))
        chosen = torch.zeros_like(is_special)
        for row in range(batch):
            n_words = int(starts[row].sum())
            keys = torch.rand(n_words, generator=generator)
            sizes = torch.bincount(word_id[row][~is_special[row]], minlength=n_words)
            used = 0
            for w in torch.argsort(keys).tolist():
                if used + int(sizes[w]) <= budget:
                    used += int(sizes[w])
                    chosen[row] |= (word_id[row] == w) & ~is_special[row]
        out = torch.where(chosen & (fate < 0.8), vocab.index("[MASK]"), input_ids)
        out = torch.where(chosen & (fate >= 0.8) & (fate < 0.9), swap, out)
        labels = torch.where(chosen, input_ids, -100)
        return out, labels
    """,
    "sets of positions and a categorical fate per chosen token": """
        def words_of(row):
            words = []
            for i, t in enumerate(input_ids[row].tolist()):
                token = vocab[t]
                if token in ("[CLS]", "[SEP]"):
                    continue
                prev = vocab[int(input_ids[row, i - 1])] if i > 0 else "[CLS]"
                cont = token.startswith("##") or (chinese_ref is not None and bool(chinese_ref[row, i]))
                if cont and prev not in ("[CLS]", "[SEP]"):
                    words[-1].add(i)
                else:
                    words.append({i})
            return words

        probabilities = torch.tensor([0.8, 0.1, 0.1])
        out, labels = input_ids.clone(), torch.full(input_ids.shape, -100, dtype=torch.long)
        budget = min(max_predictions_per_seq, max(1, round(input_ids.size(1) * masked_lm_prob)))
        for row in range(input_ids.size(0)):
            words = words_of(row)
            order = torch.randperm(len(words), generator=generator)
            taken = set()
            for k in order.tolist():
                if len(taken | words[k]) <= budget:
                    taken |= words[k]
            for i in sorted(taken):
                labels[row, i] = input_ids[row, i]
                kind = int(torch.multinomial(probabilities, 1, generator=generator))
                if kind == 0:
                    out[row, i] = vocab.index("[MASK]")
                elif kind == 1:
                    out[row, i] = int(torch.randint(0, len(vocab), (1,), generator=generator))
        return out, labels
    """,
}

WRONG = {
    "words taken from the left, never shuffled": (WORDS + variant(
        CORRUPT, ("torch.randperm(len(words), generator=generator).tolist()", "range(len(words))")),
        "first half of a row"),
    "max_predictions_per_seq ignored": (WORDS + variant(
        CORRUPT, ("min(max_predictions_per_seq, max(1, round(input_ids.shape[1] * masked_lm_prob)))",
                  "max(1, round(input_ids.shape[1] * masked_lm_prob))")),
        "more than the budget"),
    "the budget counts only the non-special tokens": (WORDS + variant(
        CORRUPT, ("            chosen = []\n",
                  "            chosen = []\n            real = sum(vocab[t] not in ('[CLS]', '[SEP]') for t in input_ids[row].tolist())\n"
                  "            budget = min(max_predictions_per_seq, max(1, round(real * masked_lm_prob)))\n")),
        "would still have fitted"),
    "a coin per word instead of a budget": (WORDS + variant(
        CORRUPT, ("if len(chosen) + len(words[k]) <= budget:", "if torch.rand((), generator=generator) < masked_lm_prob:")),
        "the budget"),
    "random ids never special": (WORDS + variant(
        CORRUPT, ("torch.randint(len(vocab), (), generator=generator)", "torch.randint(5, len(vocab), (), generator=generator)")),
        "never used the ids"),
    "a leading ## piece has no word to join": (variant(
        WORDS, (") and after_word:", "):")) + CORRUPT,
        "IndexError"),
    "[CLS] and [SEP] counted as words": (variant(
        WORDS, ('if token in ("[CLS]", "[SEP]"):', "if False:")) + CORRUPT,
        "[CLS] or [SEP] token was chosen"),
    "80/20/0: nothing kept": (WORDS + variant(CORRUPT, ("elif roll < 0.9:", "else:")), "left unchanged"),
    "modifies input_ids in place": (WORDS + variant(
        CORRUPT, ("out, labels = input_ids.clone(), torch.full_like(input_ids, -100)",
                  "out, labels = input_ids, torch.full_like(input_ids, -100)")),
        "changed its inputs in place"),
    "ignores the generator": (WORDS + variant(CORRUPT, ("generator=generator", "generator=None")),
        "two calls with equal seeds gave different results"),
}


def _grade(tmp_path, warm_pool, body):
    return verdict_of("whole_word_mask", HEAD + body, warm_pool, tmp_path)


def test_the_cases_tell_every_rule_apart():
    """Each case holds what its rules need: '##' pieces right after [CLS]/[SEP] and at the start of
    rows, words of three or more tokens, and (in the last case) a budget that the cap cuts."""
    exercise = PACK.exercises["whole_word_mask"]
    from bertstudy.exercises.cases import build_args

    for case in exercise.cases:
        args = build_args(case)
        vocab, ids = args["vocab"], args["input_ids"]
        ref = args.get("chinese_ref")
        joins = torch.tensor([t.startswith("##") for t in vocab])[ids] | (ref if ref is not None else False)
        special = torch.isin(ids, torch.tensor([vocab.index("[CLS]"), vocab.index("[SEP]")]))
        assert (joins[:, 1:] & special[:, :-1]).sum() > 200, "continuations right after a special token"
        assert (joins[:, 0]).sum() > 20, "rows that start with a continuation"
        assert (joins[:, 1:] & joins[:, :-1] & ~special[:, :-1]).sum() > 500, "words of three tokens or more"
    last = exercise.cases[-1].args
    assert round(128 * last["masked_lm_prob"]) > last["max_predictions_per_seq"], "the cap binds"


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = _grade(tmp_path, warm_pool, CORRECT[name])
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    body, expected = WRONG[name]
    verdict = _grade(tmp_path, warm_pool, body)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
