"""layer_norm: correct solutions in other styles pass, realistic wrong ones fail with the reason,
the shipped files behave, and the reference agrees with F.layer_norm."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grading import failures, verdict_of
from bertstudy.reference.basics import layer_norm

pytestmark = pytest.mark.slow

CORRECT = {
    "var_mean with correction=0 and rsqrt": """
        import torch

        def layer_norm(x, weight, bias, eps=1e-12):
            var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
            return (x - mean) * torch.rsqrt(var + eps) * weight + bias
    """,
    "E[x²] - E[x]², by sums over the last dimension": """
        import torch

        def layer_norm(x, weight, bias, eps=1e-12):
            d = x.shape[-1]
            mean = x.sum(-1, keepdim=True) / d
            var = (x * x).sum(-1, keepdim=True) / d - mean * mean
            return torch.addcmul(bias, weight, (x - mean) / (var + eps).sqrt())
    """,
    "centred norm through torch.linalg.vector_norm": """
        import math
        import torch

        def layer_norm(x, weight, bias, eps=1e-12):
            centred = x - x.mean(-1, keepdim=True)
            rms = torch.linalg.vector_norm(centred, dim=-1, keepdim=True) / math.sqrt(x.size(-1))
            return weight * centred / torch.sqrt(rms ** 2 + eps) + bias
    """,
    "x.var(unbiased=False) on a flattened batch, reshaped back": """
        import torch

        def layer_norm(x, weight, bias, eps=1e-12):
            rows = x.reshape(-1, x.shape[-1])
            mean = rows.mean(1, keepdim=True)
            var = rows.var(1, unbiased=False, keepdim=True)
            out = (rows - mean) / (var + eps) ** 0.5
            return (out * weight + bias).reshape(x.shape)
    """,
}

WRONG = {
    "normalises over the whole tensor": ("""
        import torch

        def layer_norm(x, weight, bias, eps=1e-12):
            mean, var = x.mean(), x.var(unbiased=False)
            return weight * (x - mean) / torch.sqrt(var + eps) + bias
    """, "output differs"),
    "forgets the bias": ("""
        import torch

        def layer_norm(x, weight, bias, eps=1e-12):
            mean = x.mean(-1, keepdim=True)
            var = x.var(-1, unbiased=False, keepdim=True)
            return weight * (x - mean) / torch.sqrt(var + eps)
    """, "output differs"),
    "weight and bias swapped": ("""
        import torch

        def layer_norm(x, weight, bias, eps=1e-12):
            mean = x.mean(-1, keepdim=True)
            var = x.var(-1, unbiased=False, keepdim=True)
            return bias * (x - mean) / torch.sqrt(var + eps) + weight
    """, "output differs"),
    "eps hard-coded, the argument ignored": ("""
        import torch

        def layer_norm(x, weight, bias, eps=1e-12):
            mean = x.mean(-1, keepdim=True)
            var = x.var(-1, unbiased=False, keepdim=True)
            return weight * (x - mean) / torch.sqrt(var + 1e-12) + bias
    """, "case: eps=1e-5 passed in, small inputs: with"),
    "divides by the variance, not its square root": ("""
        import torch

        def layer_norm(x, weight, bias, eps=1e-12):
            mean = x.mean(-1, keepdim=True)
            var = x.var(-1, unbiased=False, keepdim=True)
            return weight * (x - mean) / (var + eps) + bias
    """, "output differs"),
    "centres x in place": ("""
        import torch

        def layer_norm(x, weight, bias, eps=1e-12):
            with torch.no_grad():
                x -= x.mean(-1, keepdim=True)
            var = (x * x).mean(-1, keepdim=True)
            return weight * x / torch.sqrt(var + eps) + bias
    """, "changed its inputs in place"),
    "detaches the statistics (wrong gradients)": ("""
        import torch

        def layer_norm(x, weight, bias, eps=1e-12):
            mean = x.mean(-1, keepdim=True).detach()
            var = x.var(-1, unbiased=False, keepdim=True).detach()
            return weight * (x - mean) / torch.sqrt(var + eps) + bias
    """, "d loss / d x differs"),
    "computes in float32": ("""
        import torch

        def layer_norm(x, weight, bias, eps=1e-12):
            x, weight, bias = x.float(), weight.float(), bias.float()
            mean = x.mean(-1, keepdim=True)
            var = x.var(-1, unbiased=False, keepdim=True)
            return weight * (x - mean) / torch.sqrt(var + eps) + bias
    """, "dtype float32, expected float64"),
    "calls F.layer_norm": ("""
        import torch.nn.functional as F

        def layer_norm(x, weight, bias, eps=1e-12):
            return F.layer_norm(x, x.shape[-1:], weight, bias, eps)
    """, "is not allowed in this exercise"),
}


def test_reference_matches_f_layer_norm():
    gen = torch.Generator().manual_seed(0)
    for shape, eps, scale in (((6,), 1e-12, 2.0), ((2, 3, 8), 1e-12, 1.0), ((4, 2), 1e-5, 3.0), ((3, 5), 1e-12, 1e-6), ((2, 7), 1e-5, 0.01)):
        d = shape[-1]
        x = (torch.randn(shape, generator=gen, dtype=torch.float64) * scale + 0.5 * scale).requires_grad_()
        w = torch.randn(d, generator=gen, dtype=torch.float64, requires_grad=True)
        b = torch.randn(d, generator=gen, dtype=torch.float64, requires_grad=True)
        mine, theirs = layer_norm(x, w, b, eps), F.layer_norm(x, (d,), w, b, eps)
        torch.testing.assert_close(mine, theirs)
        probe = torch.randn(shape, generator=gen, dtype=torch.float64)
        for a, e in zip(torch.autograd.grad((mine * probe).sum(), [x, w, b]), torch.autograd.grad((theirs * probe).sum(), [x, w, b])):
            torch.testing.assert_close(a, e)


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("layer_norm", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("layer_norm", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
