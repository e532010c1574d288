"""softmax: correct solutions in other styles pass, realistic wrong ones fail with the reason, the
shipped files behave, and the reference agrees with torch.softmax."""

from __future__ import annotations

import pytest
import torch

from grading import failures, verdict_of
from bertstudy.reference.basics import softmax

pytestmark = pytest.mark.slow

CORRECT = {
    "exp of x minus its logsumexp": """
        import torch

        def softmax(x, dim=-1):
            return torch.exp(x - torch.logsumexp(x, dim=dim, keepdim=True))
    """,
    "max(...).values, a detached shift and torch.sum": """
        import torch

        def softmax(x, dim=-1):
            m = x.max(dim=dim, keepdim=True).values.detach()
            e = torch.exp(x - m)
            return e / torch.sum(e, dim=dim, keepdim=True)
    """,
    "move dim to the end, normalise, move it back": """
        import torch

        def softmax(x, dim=-1):
            last = x.movedim(dim, -1)
            e = (last - last.amax(-1, keepdim=True)).exp()
            p = e * e.sum(-1, keepdim=True).reciprocal()
            return p.movedim(-1, dim)
    """,
    "computes in float64 and casts back": """
        import torch

        def softmax(x, dim=-1):
            z = x.double()
            z = z - z.amax(dim, keepdim=True)
            p = z.exp() / z.exp().sum(dim, keepdim=True)
            return p.to(x.dtype)
    """,
}

WRONG = {
    "sums without keepdim": ("""
        import torch

        def softmax(x, dim=-1):
            e = torch.exp(x - x.amax(dim=dim, keepdim=True))
            return e / e.sum(dim=dim)
    """, "RuntimeError"),
    "subtracts the minimum instead of the maximum": ("""
        import torch

        def softmax(x, dim=-1):
            e = torch.exp(x - x.amin(dim=dim, keepdim=True))
            return e / e.sum(dim=dim, keepdim=True)
    """, "contains NaN"),
    "returns the log-probabilities": ("""
        import torch

        def softmax(x, dim=-1):
            shifted = x - x.amax(dim=dim, keepdim=True)
            return shifted - shifted.exp().sum(dim=dim, keepdim=True).log()
    """, "output differs"),
    "always normalises over dim 0": ("""
        import torch

        def softmax(x, dim=-1):
            e = torch.exp(x - x.amax(dim=0, keepdim=True))
            return e / e.sum(dim=0, keepdim=True)
    """, "output differs"),
    "shifts x in place": ("""
        import torch

        def softmax(x, dim=-1):
            with torch.no_grad():
                x -= x.amax(dim=dim, keepdim=True)
            e = x.exp()
            return e / e.sum(dim=dim, keepdim=True)
    """, "changed its inputs in place"),
    "returns float32 whatever the input": ("""
        import torch

        def softmax(x, dim=-1):
            x = x.float()
            e = torch.exp(x - x.amax(dim=dim, keepdim=True))
            return e / e.sum(dim=dim, keepdim=True)
    """, "dtype float32, expected float64"),
    "goes through NumPy (no gradients)": ("""
        import numpy as np
        import torch

        def softmax(x, dim=-1):
            a = x.detach().numpy()
            e = np.exp(a - a.max(axis=dim, keepdims=True))
            return torch.from_numpy(e / e.sum(axis=dim, keepdims=True))
    """, "not connected to the inputs' autograd graph"),
    "calls Tensor.softmax": ("""
        def softmax(x, dim=-1):
            return x.softmax(dim)
    """, "is not allowed in this exercise"),
    "exponentiates F.log_softmax": ("""
        import torch.nn.functional as F

        def softmax(x, dim=-1):
            return F.log_softmax(x, dim=dim).exp()
    """, "is not allowed in this exercise"),
    "reaches torch.softmax through getattr": ("""
        import torch

        def softmax(x, dim=-1):
            return getattr(torch, "soft" + "max")(x, dim)
    """, "torch.softmax is not allowed"),
}


def test_reference_matches_torch_softmax():
    gen = torch.Generator().manual_seed(0)
    for shape, dim in (((7,), -1), ((3, 4, 6), -1), ((3, 4, 6), 0), ((2, 5, 3), 1), ((2, 5, 3), -2)):
        x = (torch.randn(shape, generator=gen, dtype=torch.float64) * 5).requires_grad_()
        mine, theirs = softmax(x, dim), torch.softmax(x, dim)
        torch.testing.assert_close(mine, theirs)
        probe = torch.randn(shape, generator=gen, dtype=torch.float64)
        torch.testing.assert_close(torch.autograd.grad((mine * probe).sum(), x)[0], torch.autograd.grad((theirs * probe).sum(), x)[0])
    big = torch.tensor([[1000.0, 999.0, -1000.0], [-1000.0, -1001.0, -1010.0]], dtype=torch.float64)
    torch.testing.assert_close(softmax(big), torch.softmax(big, -1))


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("softmax", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("softmax", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
