"""perplexity: correct solutions in other styles pass, realistic wrong ones fail with the reason,
and the reference equals exp(F.cross_entropy) with PyTorch's own ignore_index."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grading import failures, verdict_of
from bertstudy.reference.language_model import perplexity

pytestmark = pytest.mark.slow
SIGNATURE = "def perplexity(logits, targets, ignore_index=-100):"

CORRECT = {
    "logsumexp minus the target's logit, sums and counts": f"""
        import torch

        {SIGNATURE}
            keep = targets != ignore_index
            index = torch.where(keep, targets, torch.zeros_like(targets))
            target_logit = torch.gather(logits, 2, index[..., None])[..., 0]
            nll = torch.logsumexp(logits, dim=2) - target_logit
            total = torch.where(keep, nll, torch.zeros_like(nll)).sum()
            return torch.exp(total / keep.sum())
    """,
    "flatten, keep rows, index with arange": f"""
        import torch

        {SIGNATURE}
            V = logits.shape[-1]
            flat_logits, flat_targets = logits.reshape(-1, V), targets.reshape(-1)
            kept = flat_targets != ignore_index
            log_probs = flat_logits[kept].log_softmax(dim=-1)
            chosen = log_probs[torch.arange(int(kept.sum())), flat_targets[kept]]
            return (-chosen).mean().exp()
    """,
    "a loop over sequences that pools the tokens": f"""
        import math
        import torch

        {SIGNATURE}
            total = torch.zeros((), dtype=logits.dtype)
            count = 0
            for seq_logits, seq_targets in zip(logits, targets):
                for scores, target in zip(seq_logits, seq_targets):
                    if int(target) == ignore_index:
                        continue
                    total = total - torch.log_softmax(scores, dim=0)[target]
                    count += 1
            return torch.exp(total / count)
    """,
}

BODY = f"""
    import math
    import torch

    {SIGNATURE}
        keep = targets != ignore_index
        log_probs = torch.log_softmax(logits, dim=-1)
        picked = log_probs.gather(-1, targets.masked_fill(~keep, 0).unsqueeze(-1)).squeeze(-1)
"""

WRONG = {
    "hard-codes -100 instead of ignore_index": (BODY.replace("targets != ignore_index", "targets != -100") + """
        return torch.exp(-picked[keep].mean())
    """, "case: padding id 0 passed as ignore_index: with"),
    "2 ** (mean in nats)": (BODY + """
        return 2 ** (-picked[keep].mean())
    """, "differs"),
    "mean of per-token perplexities 1/p": (BODY + """
        return torch.exp(-picked[keep]).mean()
    """, "differs"),
    "one over the mean probability": (BODY + """
        return 1 / picked[keep].exp().mean()
    """, "differs"),
    "exp of the mean of per-sequence cross-entropies": (BODY + """
        per_sequence = -(picked * keep).sum(dim=1) / keep.sum(dim=1)
        return torch.exp(per_sequence.mean())
    """, "case: three sequences padded with -100 to the same length: with"),
    "log softmax over the positions instead of the vocabulary": (BODY.replace("dim=-1)", "dim=1)") + """
        return torch.exp(-picked[keep].mean())
    """, "differs"),
    "forgets padding altogether": ("""
        import torch

        def perplexity(logits, targets, ignore_index=-100):
            log_probs = torch.log_softmax(logits, dim=-1)
            picked = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
            return torch.exp(-picked.mean())
    """, "out of bounds"),
    "replaces the padding ids in place": (BODY.replace("keep = targets != ignore_index", "keep = targets != ignore_index\n        targets[~keep] = 0") + """
        return torch.exp(-picked[keep].mean())
    """, "changed its inputs in place"),
    "returns a Python float": (BODY + """
        return math.exp(-picked[keep].mean().item())
    """, "should be a tensor"),
    "builds the result with torch.tensor (float32 by default)": (BODY + """
        return torch.tensor(math.exp(-picked[keep].mean().item()))
    """, "dtype float32, expected float64"),
    "borrows F.cross_entropy": ("""
        import torch
        import torch.nn.functional as F

        def perplexity(logits, targets, ignore_index=-100):
            return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=ignore_index).exp()
    """, "torch.nn.functional.cross_entropy is not allowed"),
}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_reference_matches_exp_of_torch_cross_entropy(dtype):
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(4, 9, 13, generator=gen, dtype=torch.float64).mul(3).to(dtype)
    targets = torch.randint(0, 13, (4, 9), generator=gen)
    targets[1, 5:] = -100
    targets[3, 2:] = -100
    expected = F.cross_entropy(logits.reshape(-1, 13), targets.reshape(-1), ignore_index=-100).exp()
    got = perplexity(logits, targets)
    assert got.dtype == dtype and got.shape == ()
    torch.testing.assert_close(got, expected, rtol=1e-5 if dtype == torch.float32 else 1e-12, atol=0)


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("perplexity", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("perplexity", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
