"""causal_mask: correct solutions in other styles pass, realistic wrong ones fail with the reason,
and the reference agrees with PyTorch's own causal masks."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grading import failures, verdict_of
from bertstudy.reference.masks import causal_mask

pytestmark = pytest.mark.slow

CORRECT = {
    "lower triangle of bool ones": """
        import torch

        def causal_mask(length):
            return torch.ones(length, length, dtype=torch.bool).tril()
    """,
    "the complement of the strict upper triangle": """
        import torch

        def causal_mask(length):
            future = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)
            return ~future
    """,
    "nested loops into a list": """
        import torch

        def causal_mask(length):
            rows = [[j <= i for j in range(length)] for i in range(length)]
            return torch.tensor(rows, dtype=torch.bool)
    """,
    "torch.ge on broadcast indices, float tril turned to bool": """
        import torch

        def causal_mask(length):
            i = torch.arange(length).unsqueeze(1)
            j = torch.arange(length).unsqueeze(0)
            by_index = torch.ge(i, j)
            by_tril = torch.tril(torch.ones(length, length)).bool()
            assert torch.equal(by_index, by_tril)
            return by_index
    """,
}

WRONG = {
    "0/1 integers instead of bool": ("""
        import torch

        def causal_mask(length):
            i = torch.arange(length)
            return (i[None, :] <= i[:, None]).long()
    """, "output has dtype int64, expected bool"),
    "one row and column too many": ("""
        import torch

        def causal_mask(length):
            return torch.ones(length + 1, length + 1, dtype=torch.bool).tril()
    """, "output has shape (2, 2), expected (1, 1)"),
    "lets each query see the next token too (diagonal=1)": ("""
        import torch

        def causal_mask(length):
            return torch.tril(torch.ones(length, length, dtype=torch.bool), diagonal=1)
    """, "case: two positions: with length=2: output differs"),
    "a band: only itself and the previous token": ("""
        import torch

        def causal_mask(length):
            ones = torch.ones(length, length, dtype=torch.bool)
            return ones.tril() & ones.triu(-1)
    """, "case: four positions: with length=4: output differs"),
    "returns a nested list": ("""
        def causal_mask(length):
            return [[j <= i for j in range(length)] for i in range(length)]
    """, "output should be a tensor (1, 1) bool"),
    "a float 0/1 tril compared to 0 (True where blocked)": ("""
        import torch

        def causal_mask(length):
            return torch.tril(torch.ones(length, length)) == 0
    """, "expected True, got False"),
    "borrows generate_square_subsequent_mask": ("""
        import torch

        def causal_mask(length):
            return torch.nn.Transformer.generate_square_subsequent_mask(length) == 0
    """, "torch.nn.Transformer.generate_square_subsequent_mask is not allowed"),
    "reaches the private helper through a computed name": ("""
        import torch

        def causal_mask(length):
            helper = getattr(torch.nn.modules.transformer, "_generate_square_" + "subsequent_mask")
            return helper(length) == 0
    """, "is not allowed"),
}


def test_reference_agrees_with_pytorch():
    for length in (1, 2, 5, 9):
        mine = causal_mask(length)
        theirs = torch.nn.Transformer.generate_square_subsequent_mask(length)  # float: 0 allowed, -inf blocked
        assert mine.dtype == torch.bool
        assert torch.equal(mine, theirs == 0)
        q, k, v = (torch.randn(2, length, 4, dtype=torch.float64) for _ in range(3))
        torch.testing.assert_close(F.scaled_dot_product_attention(q, k, v, attn_mask=mine),
                                   F.scaled_dot_product_attention(q, k, v, is_causal=True))


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("causal_mask", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("causal_mask", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
