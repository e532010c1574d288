"""mask_tokens, graded by its properties: correct solutions in other styles pass, realistic wrong
ones fail with the reason, beyond the shipped known mistakes."""

from __future__ import annotations

import pytest

from grading import failures, verdict_of

pytestmark = pytest.mark.slow
HEAD = "import torch\n\ndef mask_tokens(input_ids, special_tokens_mask, mask_token_id, vocab_size, mlm_probability=0.15, generator=None):\n"

CORRECT = {
    "two Bernoulli draws, as Hugging Face": """
        labels = input_ids.clone()
        p = torch.full(input_ids.shape, mlm_probability)
        p[special_tokens_mask] = 0.0
        chosen = torch.bernoulli(p, generator=generator).bool()
        labels[~chosen] = -100
        out = input_ids.clone()
        masked = torch.bernoulli(torch.full(out.shape, 0.8), generator=generator).bool() & chosen
        out[masked] = mask_token_id
        swap = torch.bernoulli(torch.full(out.shape, 0.5), generator=generator).bool() & chosen & ~masked
        out[swap] = torch.randint(vocab_size, out.shape, generator=generator)[swap]
        return out, labels
    """,
    "a categorical draw per selected token": """
        flat = input_ids.reshape(-1)
        special = special_tokens_mask.reshape(-1)
        u = torch.rand(flat.shape, generator=generator)
        chosen = (u < mlm_probability) & ~special
        idx = chosen.nonzero().squeeze(1)
        fate = torch.multinomial(torch.tensor([0.8, 0.1, 0.1]), idx.numel(), replacement=True, generator=generator)
        out = flat.clone()
        out[idx[fate == 0]] = mask_token_id
        random_idx = idx[fate == 1]
        out[random_idx] = torch.randint(0, vocab_size, (random_idx.numel(),), generator=generator)
        labels = torch.where(chosen, flat, torch.full_like(flat, -100))
        return out.reshape(input_ids.shape), labels.reshape(input_ids.shape)
    """,
    "torch.where all the way": """
        u = torch.rand(input_ids.shape, generator=generator)
        v = torch.rand(input_ids.shape, generator=generator)
        r = torch.randint(0, vocab_size, input_ids.shape, generator=generator)
        chosen = (u < mlm_probability) & special_tokens_mask.logical_not()
        out = torch.where(chosen & (v < 0.8), torch.full_like(input_ids, mask_token_id), input_ids)
        out = torch.where(chosen & (v >= 0.8) & (v < 0.9), r, out)
        labels = torch.where(chosen, input_ids, torch.full_like(input_ids, -100))
        return out, labels
    """,
}

WRONG = {
    "modifies input_ids in place": ("""
        labels = input_ids.clone()
        p = torch.full(input_ids.shape, mlm_probability).masked_fill(special_tokens_mask, 0.0)
        chosen = torch.bernoulli(p, generator=generator).bool()
        labels[~chosen] = -100
        roll = torch.rand(input_ids.shape, generator=generator)
        input_ids[chosen & (roll < 0.8)] = mask_token_id
        return input_ids, labels
    """, "changed its inputs in place"),
    "ignores the generator": ("""
        labels = input_ids.clone()
        p = torch.full(input_ids.shape, mlm_probability).masked_fill(special_tokens_mask, 0.0)
        chosen = torch.bernoulli(p).bool()
        labels[~chosen] = -100
        out = input_ids.clone()
        roll = torch.rand(input_ids.shape)
        out[chosen & (roll < 0.8)] = mask_token_id
        swap = chosen & (roll >= 0.8) & (roll < 0.9)
        out[swap] = torch.randint(0, vocab_size, input_ids.shape)[swap]
        return out, labels
    """, "two calls with equal seeds gave different results"),
    "hard-codes 15%": ("""
        labels = input_ids.clone()
        p = torch.full(input_ids.shape, 0.15).masked_fill(special_tokens_mask, 0.0)
        chosen = torch.bernoulli(p, generator=generator).bool()
        labels[~chosen] = -100
        out = input_ids.clone()
        roll = torch.rand(input_ids.shape, generator=generator)
        out[chosen & (roll < 0.8)] = mask_token_id
        swap = chosen & (roll >= 0.8) & (roll < 0.9)
        out[swap] = torch.randint(0, vocab_size, input_ids.shape, generator=generator)[swap]
        return out, labels
    """, "the share of selected tokens is 0.15"),
    "returns (labels, corrupted)": ("""
        labels = input_ids.clone()
        p = torch.full(input_ids.shape, mlm_probability).masked_fill(special_tokens_mask, 0.0)
        chosen = torch.bernoulli(p, generator=generator).bool()
        labels[~chosen] = -100
        out = input_ids.clone()
        out[chosen] = mask_token_id
        return labels, out
    """, "case:"),
    "overlapping random and mask ranges": ("""
        labels = input_ids.clone()
        p = torch.full(input_ids.shape, mlm_probability).masked_fill(special_tokens_mask, 0.0)
        chosen = torch.bernoulli(p, generator=generator).bool()
        labels[~chosen] = -100
        out = input_ids.clone()
        roll = torch.rand(input_ids.shape, generator=generator)
        out[chosen & (roll < 0.8)] = mask_token_id
        swap = chosen & (roll < 0.9)
        out[swap] = torch.randint(0, vocab_size, input_ids.shape, generator=generator)[swap]
        return out, labels
    """, "replaced by [MASK]"),
    "random ids start at 1": ("""
        labels = input_ids.clone()
        p = torch.full(input_ids.shape, mlm_probability).masked_fill(special_tokens_mask, 0.0)
        chosen = torch.bernoulli(p, generator=generator).bool()
        labels[~chosen] = -100
        out = input_ids.clone()
        roll = torch.rand(input_ids.shape, generator=generator)
        out[chosen & (roll < 0.8)] = mask_token_id
        swap = chosen & (roll >= 0.8) & (roll < 0.9)
        out[swap] = torch.randint(1, vocab_size, input_ids.shape, generator=generator)[swap]
        return out, labels
    """, "never used the ids [0]"),
    "float labels": ("""
        labels = input_ids.clone().float()
        p = torch.full(input_ids.shape, mlm_probability).masked_fill(special_tokens_mask, 0.0)
        chosen = torch.bernoulli(p, generator=generator).bool()
        labels[~chosen] = -100
        out = input_ids.clone()
        out[chosen] = mask_token_id
        return out, labels
    """, "dtype float32, expected int64"),
}


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("mask_tokens", HEAD + CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    body, expected = WRONG[name]
    verdict = verdict_of("mask_tokens", HEAD + body, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
