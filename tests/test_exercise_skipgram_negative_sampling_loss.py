"""skipgram_negative_sampling_loss: correct solutions in other styles pass, realistic wrong ones fail
with the reason, and the reference agrees with the loss written through PyTorch's own
binary_cross_entropy_with_logits (SGNS is K + 1 binary classifications per pair)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grading import failures, verdict_of
from bertstudy.reference.word2vec import sgns_loss

pytestmark = pytest.mark.slow
SIGNATURE = "def skipgram_negative_sampling_loss(center, context, negatives):"

CORRECT = {
    "binary cross-entropy with logits: label 1 for the pair, 0 for the noise": f"""
        import torch
        import torch.nn.functional as F

        {SIGNATURE}
            pos = torch.einsum("bd,bd->b", context, center)
            neg = torch.einsum("bkd,bd->bk", negatives, center)
            real = F.binary_cross_entropy_with_logits(pos, torch.ones_like(pos), reduction="none")
            noise = F.binary_cross_entropy_with_logits(neg, torch.zeros_like(neg), reduction="none")
            return (real + noise.sum(dim=1)).mean()
    """,
    "softplus: -log σ(x) = softplus(-x), one tensor of K + 1 signed scores": f"""
        import torch
        import torch.nn.functional as F

        {SIGNATURE}
            vectors = torch.cat([context.unsqueeze(1), -negatives], dim=1)  # (B, 1 + K, D)
            scores = torch.bmm(vectors, center.unsqueeze(2)).squeeze(2)      # (B, 1 + K)
            return F.softplus(-scores).sum(dim=1).mean()
    """,
    "a stable log σ by hand: min(x, 0) - log1p(exp(-|x|))": f"""
        import torch

        def log_sigmoid(x):
            return torch.clamp(x, max=0) - torch.log1p(torch.exp(-x.abs()))

        {SIGNATURE}
            batch = center.shape[0]
            total = 0
            for b in range(batch):
                v = center[b]
                total = total - log_sigmoid(context[b] @ v) - log_sigmoid(-(negatives[b] @ v)).sum()
            return total / batch
    """,
}

BODY = f"""
    import torch
    import torch.nn.functional as F

    {SIGNATURE}
        pos = (context * center).sum(-1)
        neg = (negatives * center.unsqueeze(1)).sum(-1)
"""

WRONG = {
    "forgets the K axis: negatives * center does not broadcast": (BODY.replace("center.unsqueeze(1)", "center") + """
        return (-F.logsigmoid(pos) - F.logsigmoid(-neg).sum(-1)).mean()
    """, "RuntimeError"),
    "scores the noise against the context vector instead of the centre": (BODY.replace("(negatives * center.unsqueeze(1))", "(negatives * context.unsqueeze(1))") + """
        return (-F.logsigmoid(pos) - F.logsigmoid(-neg).sum(-1)).mean()
    """, "case: one pair, three noise words: with"),
    "binary cross-entropy averaged over all B·(K+1) scores": (BODY + """
        scores = torch.cat([pos.unsqueeze(1), neg], dim=1)
        labels = torch.zeros_like(scores)
        labels[:, 0] = 1
        return F.binary_cross_entropy_with_logits(scores, labels)
    """, "differs"),
    "clamps the sigmoid before the log to dodge log(0)": (BODY + """
        return (-torch.log(torch.sigmoid(pos).clamp_min(1e-7)) - torch.log(torch.sigmoid(-neg).clamp_min(1e-7)).sum(-1)).mean()
    """, "case: very confident scores (u·v around ±100): with"),
    "returns one loss per pair": (BODY + """
        return -F.logsigmoid(pos) - F.logsigmoid(-neg).sum(-1)
    """, "has shape (1,), expected ()"),
    "returns a Python float": (BODY + """
        return (-F.logsigmoid(pos) - F.logsigmoid(-neg).sum(-1)).mean().item()
    """, "should be a tensor"),
    "computes in float32": (BODY.replace("pos = (context * center)", "center, context, negatives = center.float(), context.float(), negatives.float()\n        pos = (context * center)") + """
        return (-F.logsigmoid(pos) - F.logsigmoid(-neg).sum(-1)).mean()
    """, "dtype float32, expected float64"),
    "cuts the graph of the noise term with .detach()": (BODY + """
        return (-F.logsigmoid(pos) - F.logsigmoid(-neg).sum(-1).detach()).mean()
    """, "the forward pass matches"),
    "negates the noise vectors in place": (BODY.replace("neg = (negatives", "negatives.neg_()\n        neg = -(negatives") + """
        return (-F.logsigmoid(pos) - F.logsigmoid(-neg).sum(-1)).mean()
    """, "in-place operation"),
    "squared error between the scores and the labels": (BODY + """
        return ((torch.sigmoid(pos) - 1) ** 2 + (torch.sigmoid(neg) ** 2).sum(-1)).mean()
    """, "differs"),
}


def test_reference_matches_bce_with_logits():
    gen = torch.Generator().manual_seed(0)
    batch, k, dim = 7, 4, 5
    center, context = (torch.randn(batch, dim, generator=gen, dtype=torch.float64, requires_grad=True) for _ in range(2))
    negatives = torch.randn(batch, k, dim, generator=gen, dtype=torch.float64, requires_grad=True)
    mine = sgns_loss(center, context, negatives)
    pos = (context * center).sum(-1)
    neg = torch.einsum("bkd,bd->bk", negatives, center)
    theirs = (F.binary_cross_entropy_with_logits(pos, torch.ones_like(pos), reduction="sum")
              + F.binary_cross_entropy_with_logits(neg, torch.zeros_like(neg), reduction="sum")) / batch
    torch.testing.assert_close(mine, theirs)
    inputs = [center, context, negatives]
    for a, b in zip(torch.autograd.grad(mine, inputs), torch.autograd.grad(theirs, inputs)):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("skipgram_negative_sampling_loss", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("skipgram_negative_sampling_loss", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
