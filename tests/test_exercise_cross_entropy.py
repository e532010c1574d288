"""cross_entropy: correct solutions in other styles pass, realistic wrong ones fail with the reason,
the shipped files behave, and the reference agrees with F.cross_entropy."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grading import failures, verdict_of
from bertstudy.reference.basics import cross_entropy

pytestmark = pytest.mark.slow

CORRECT = {
    "logsumexp, gather and a weighted mean over all rows": """
        import torch

        def cross_entropy(logits, targets, ignore_index=-100):
            weight = (targets != ignore_index).to(logits.dtype)
            safe = torch.where(targets == ignore_index, torch.zeros_like(targets), targets)
            nll = torch.logsumexp(logits, dim=1) - logits.gather(1, safe[:, None])[:, 0]
            return (nll * weight).sum() / weight.sum()
    """,
    "boolean selection and arange indexing": """
        import torch

        def cross_entropy(logits, targets, ignore_index=-100):
            keep = targets.ne(ignore_index)
            rows, cls = logits[keep], targets[keep]
            return (torch.logsumexp(rows, -1) - rows[torch.arange(cls.numel()), cls]).mean()
    """,
    "one-hot dot product with a manual max shift": """
        import torch
        import torch.nn.functional as F

        def cross_entropy(logits, targets, ignore_index=-100):
            keep = targets != ignore_index
            z = logits[keep]
            z = z - z.max(dim=1, keepdim=True).values
            log_p = z - torch.log(torch.exp(z).sum(dim=1, keepdim=True))
            one_hot = F.one_hot(targets[keep], num_classes=logits.shape[1]).to(z.dtype)
            return -(one_hot * log_p).sum() / keep.sum()
    """,
    "a helper of its own named log_softmax": """
        import torch

        def log_softmax(z):
            return z - torch.logsumexp(z, -1, keepdim=True)

        def cross_entropy(logits, targets, ignore_index=-100):
            keep = targets != ignore_index
            rows, cls = logits[keep], targets[keep]
            return -log_softmax(rows)[torch.arange(len(cls)), cls].mean()
    """,
    "a Python loop over the positions": """
        import torch

        def cross_entropy(logits, targets, ignore_index=-100):
            losses = []
            for row, target in zip(logits, targets.tolist()):
                if target == ignore_index:
                    continue
                m = row.max()
                losses.append(m + torch.log(torch.sum(torch.exp(row - m))) - row[target])
            return torch.stack(losses).mean()
    """,
}

WRONG = {
    "returns a Python float": ("""
        import torch

        def cross_entropy(logits, targets, ignore_index=-100):
            keep = targets != ignore_index
            rows, cls = logits[keep], targets[keep]
            return (torch.logsumexp(rows, -1) - rows[torch.arange(len(cls)), cls]).mean().item()
    """, "should be a tensor () float32, got float"),
    "sums instead of averaging": ("""
        import torch

        def cross_entropy(logits, targets, ignore_index=-100):
            keep = targets != ignore_index
            rows, cls = logits[keep], targets[keep]
            return (torch.logsumexp(rows, -1) - rows[torch.arange(len(cls)), cls]).sum()
    """, "output differs"),
    "gathers before masking, with -100 still in the index": ("""
        import torch

        def cross_entropy(logits, targets, ignore_index=-100):
            nll = torch.logsumexp(logits, 1) - logits.gather(1, targets.unsqueeze(1)).squeeze(1)
            return nll[targets != ignore_index].mean()
    """, "out of bounds"),
    "averages probabilities, forgetting the log": ("""
        import torch

        def cross_entropy(logits, targets, ignore_index=-100):
            keep = targets != ignore_index
            rows, cls = logits[keep], targets[keep]
            p = torch.exp(rows - torch.logsumexp(rows, -1, keepdim=True))
            return -p[torch.arange(len(cls)), cls].mean()
    """, "output differs"),
    "shifts the logits in place": ("""
        import torch

        def cross_entropy(logits, targets, ignore_index=-100):
            with torch.no_grad():
                logits -= logits.amax(dim=1, keepdim=True)
            keep = targets != ignore_index
            rows, cls = logits[keep], targets[keep]
            return (rows.exp().sum(-1).log() - rows[torch.arange(len(cls)), cls]).mean()
    """, "changed its inputs in place"),
    "computes in float32": ("""
        import torch

        def cross_entropy(logits, targets, ignore_index=-100):
            logits = logits.float()
            keep = targets != ignore_index
            rows, cls = logits[keep], targets[keep]
            return (torch.logsumexp(rows, -1) - rows[torch.arange(len(cls)), cls]).mean()
    """, "dtype float32, expected float64"),
    "normalises over the whole matrix": ("""
        import torch

        def cross_entropy(logits, targets, ignore_index=-100):
            keep = targets != ignore_index
            rows, cls = logits[keep], targets[keep]
            log_p = rows - torch.logsumexp(rows.flatten(), 0)
            return -log_p[torch.arange(len(cls)), cls].mean()
    """, "output differs"),
    "counts ignored rows as class 0": ("""
        import torch

        def cross_entropy(logits, targets, ignore_index=-100):
            keep = targets != ignore_index
            safe = targets.clamp(min=0)
            nll = torch.logsumexp(logits, 1) - logits.gather(1, safe[:, None]).squeeze(1)
            return nll.sum() / keep.sum()
    """, "output differs"),
    "calls F.cross_entropy": ("""
        import torch.nn.functional as F

        def cross_entropy(logits, targets, ignore_index=-100):
            return F.cross_entropy(logits, targets, ignore_index=ignore_index)
    """, "torch.nn.functional.cross_entropy is not allowed"),
    "log-probabilities from Tensor.log_softmax": ("""
        import torch

        def cross_entropy(logits, targets, ignore_index=-100):
            keep = targets != ignore_index
            rows, cls = logits[keep], targets[keep]
            return -rows.log_softmax(-1)[torch.arange(len(cls)), cls].mean()
    """, "is not allowed in this exercise"),
}


def test_reference_matches_f_cross_entropy():
    gen = torch.Generator().manual_seed(0)
    for n, c, ignore_index in ((8, 5, -100), (12, 30, -100), (6, 4, 0), (7, 3, 2)):
        logits = (torch.randn(n, c, generator=gen, dtype=torch.float64) * 4).requires_grad_()
        targets = torch.randint(0, c, (n,), generator=gen)
        targets[torch.rand(n, generator=gen) < 0.3] = ignore_index
        targets[0] = (ignore_index + 1) % c  # at least one position is kept
        mine = cross_entropy(logits, targets, ignore_index)
        theirs = F.cross_entropy(logits, targets, ignore_index=ignore_index)
        assert mine.shape == theirs.shape == ()
        torch.testing.assert_close(mine, theirs)
        torch.testing.assert_close(torch.autograd.grad(mine, logits)[0], torch.autograd.grad(theirs, logits)[0])
    big = torch.tensor([[1000.0, 999.0, -1000.0], [-1000.0, -1002.0, -999.0]], dtype=torch.float64)
    torch.testing.assert_close(cross_entropy(big, torch.tensor([1, 0])), F.cross_entropy(big, torch.tensor([1, 0])))


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("cross_entropy", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("cross_entropy", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
