"""gelu: correct solutions in other styles pass, realistic wrong ones fail with the reason, and the
reference agrees with torch.nn.functional.gelu and nn.GELU (values and gradients)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grading import failures, verdict_of
from bertstudy.reference.basics import GELU, gelu

pytestmark = pytest.mark.slow

CORRECT = {
    "the normal CDF from torch.special.ndtr": """
        import torch

        def gelu(x):
            return x * torch.special.ndtr(x)
    """,
    "erfc of -x/√2, method chaining": """
        import torch

        def gelu(x):
            return x.mul(0.5) * torch.special.erfc(-x / 2 ** 0.5)
    """,
    "torch.distributions.Normal's cdf": """
        import torch
        from torch.distributions import Normal

        def gelu(x):
            standard = Normal(torch.zeros((), dtype=x.dtype), torch.ones((), dtype=x.dtype))
            return x * standard.cdf(x)
    """,
    "tensor methods only, a helper for Φ": """
        import math

        def phi(t):
            return t.div(math.sqrt(2.0)).erf().add(1.0).mul(0.5)

        def gelu(x):
            return x * phi(x)
    """,
}

WRONG = {
    "calls F.gelu": ("""
        import torch.nn.functional as F

        def gelu(x):
            return F.gelu(x)
    """, "torch.nn.functional.gelu is not allowed"),
    "wraps nn.GELU": ("""
        import torch

        def gelu(x):
            return torch.nn.GELU()(x)
    """, "torch.nn.GELU is not allowed"),
    "reaches F.gelu through a computed name": ("""
        import torch.nn.functional as F

        def gelu(x):
            return getattr(F, "ge" + "lu")(x)
    """, "torch.nn.functional.gelu is not allowed"),
    "math.erf element by element (no graph)": ("""
        import math
        import torch

        def gelu(x):
            values = [0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.reshape(-1).tolist()]
            return torch.tensor(values, dtype=x.dtype).reshape(x.shape)
    """, "not connected to the inputs' autograd graph"),
    "scales x in place": ("""
        import math
        import torch

        def gelu(x):
            y = x
            y /= math.sqrt(2.0)
            return 0.5 * y * math.sqrt(2.0) * (1 + torch.erf(y))
    """, "in-place operation"),
    "computes in float32": ("""
        import math
        import torch

        def gelu(x):
            x = x.float()
            return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))
    """, "dtype float32, expected float64"),
    "returns a Python float for a 0-dim input": ("""
        import math
        import torch

        def gelu(x):
            y = 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))
            return y.item() if y.dim() == 0 else y
    """, "case: a 0-dim tensor: with x () float64: output should be a tensor"),
    "detaches the gate": ("""
        import math
        import torch

        def gelu(x):
            phi = 0.5 * (1 + torch.erf(x / math.sqrt(2)))
            return x * phi.detach()
    """, "the forward pass matches"),
    "multiplies by √2 instead of dividing": ("""
        import math
        import torch

        def gelu(x):
            return 0.5 * x * (1 + torch.erf(x * math.sqrt(2)))
    """, "output differs"),
    "zeroes negative inputs as ReLU does": ("""
        import math
        import torch

        def gelu(x):
            y = 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))
            return torch.where(x > 0, y, torch.zeros_like(y))
    """, "output differs"),
}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_reference_matches_f_gelu_and_nn_gelu(dtype):
    gen = torch.Generator().manual_seed(0)
    x = (torch.randn(3, 40, generator=gen, dtype=torch.float64) * 3).to(dtype).requires_grad_(True)
    probe = torch.randn(3, 40, generator=gen, dtype=torch.float64).to(dtype)
    for mine, theirs in [(gelu(x), F.gelu(x)), (GELU()(x), torch.nn.GELU()(x))]:
        torch.testing.assert_close(mine, theirs)
        torch.testing.assert_close(torch.autograd.grad((mine * probe).sum(), x)[0],
                                   torch.autograd.grad((theirs * probe).sum(), x)[0])


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("gelu", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("gelu", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
