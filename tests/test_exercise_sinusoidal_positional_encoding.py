"""sinusoidal_positional_encoding: correct solutions in other styles (float32 pow, float32 exp/log,
float64 then cast) pass under the exercise's tolerance, realistic wrong ones fail with the reason,
the shipped files behave, and the reference agrees with the paper's formula in float64."""

from __future__ import annotations

import math

import pytest
import torch

from grading import failures, verdict_of
from bertstudy.reference.positions import sinusoidal_positional_encoding

pytestmark = pytest.mark.slow

CORRECT = {
    "exp(-log(10000) 2i/d) in float32, as the Annotated Transformer": """
        import math
        import torch

        def sinusoidal_positional_encoding(max_len, d_model):
            pe = torch.zeros(max_len, d_model)
            position = torch.arange(0, max_len).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2) * -(math.log(10000.0) / d_model))
            pe[:, 0::2] = torch.sin(position * div_term)
            pe[:, 1::2] = torch.cos(position * div_term)
            return pe
    """,
    "float64 angles, stacked and flattened, cast at the end": """
        import torch

        def sinusoidal_positional_encoding(max_len, d_model):
            pos = torch.arange(max_len, dtype=torch.float64)[:, None]
            i = torch.arange(d_model // 2, dtype=torch.float64)
            angles = pos / 10000 ** (2 * i / d_model)  # (max_len, d_model/2)
            return torch.stack([angles.sin(), angles.cos()], dim=-1).flatten(1).to(torch.float32)
    """,
    "float32 pow, an outer product and interleaving by reshape": """
        import torch

        def sinusoidal_positional_encoding(max_len, d_model):
            inv_freq = 1.0 / torch.pow(torch.tensor(10000.0), torch.arange(0, d_model, 2).float() / d_model)
            angles = torch.outer(torch.arange(max_len).float(), inv_freq)
            return torch.cat([angles.sin()[..., None], angles.cos()[..., None]], dim=-1).reshape(max_len, d_model)
    """,
    "plain Python with math.sin, then a float32 tensor": """
        import math
        import torch

        def sinusoidal_positional_encoding(max_len, d_model):
            rows = []
            for pos in range(max_len):
                row = []
                for i in range(d_model // 2):
                    angle = pos / 10000 ** (2 * i / d_model)
                    row += [math.sin(angle), math.cos(angle)]
                rows.append(row)
            return torch.tensor(rows, dtype=torch.float32)
    """,
}

WRONG = {
    "returns a nested list": ("""
        import torch

        def sinusoidal_positional_encoding(max_len, d_model):
            pos = torch.arange(max_len, dtype=torch.float64)[:, None]
            angles = pos / 10000 ** (torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
            return torch.stack([angles.sin(), angles.cos()], -1).flatten(1).float().tolist()
    """, "should be a tensor (1, 2) float32, got list of 1"),
    "rows and columns transposed": ("""
        import torch

        def sinusoidal_positional_encoding(max_len, d_model):
            pos = torch.arange(max_len).float()[None, :]
            freq = 10000.0 ** (-torch.arange(0, d_model, 2).float() / d_model)
            pe = torch.zeros(d_model, max_len)
            pe[0::2] = torch.sin(freq[:, None] * pos)
            pe[1::2] = torch.cos(freq[:, None] * pos)
            return pe
    """, "has shape (2, 1), expected (1, 2)"),
    "integer division in the exponent": ("""
        import torch

        def sinusoidal_positional_encoding(max_len, d_model):
            pos = torch.arange(max_len).float()[:, None]
            two_i = torch.arange(0, d_model, 2)
            pe = torch.zeros(max_len, d_model)
            pe[:, 0::2] = torch.sin(pos / 10000 ** (two_i // d_model))
            pe[:, 1::2] = torch.cos(pos / 10000 ** (two_i // d_model))
            return pe
    """, "case: 50 positions, 16 dimensions: with max_len=50, d_model=16: output differs"),
    "the odd column indices in the exponent": ("""
        import torch

        def sinusoidal_positional_encoding(max_len, d_model):
            pos = torch.arange(max_len).float()[:, None]
            angles = pos / 10000.0 ** (torch.arange(1, d_model, 2).float() / d_model)
            pe = torch.zeros(max_len, d_model)
            pe[:, 0::2] = angles.sin()
            pe[:, 1::2] = angles.cos()
            return pe
    """, "output differs"),
    "computed in float16": ("""
        import torch

        def sinusoidal_positional_encoding(max_len, d_model):
            pos = torch.arange(max_len, dtype=torch.float16)[:, None]
            freq = 10000.0 ** (-torch.arange(0, d_model, 2, dtype=torch.float16) / d_model)
            angles = pos * freq
            return torch.stack([angles.sin(), angles.cos()], -1).flatten(1).float()
    """, "case: BERT's 512 positions, 128 dimensions: with max_len=512, d_model=128: output differs"),
    "one row too many (positions 0 .. max_len)": ("""
        import torch

        def sinusoidal_positional_encoding(max_len, d_model):
            pos = torch.arange(max_len + 1).float()[:, None]
            angles = pos * 10000.0 ** (-torch.arange(0, d_model, 2).float() / d_model)
            return torch.stack([angles.sin(), angles.cos()], -1).flatten(1)
    """, "has shape (2, 2), expected (1, 2)"),
    "base 1000 instead of 10000": ("""
        import math
        import torch

        def sinusoidal_positional_encoding(max_len, d_model):
            pos = torch.arange(max_len).float()[:, None]
            angles = pos * torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(1000.0) / d_model))
            return torch.stack([angles.sin(), angles.cos()], -1).flatten(1)
    """, "output differs"),
}


def test_reference_matches_the_formula_in_float64():
    # PyTorch has no built-in sinusoidal encoding: compare with the paper's formula, term by term
    for max_len, d_model in [(1, 2), (9, 6), (512, 128)]:
        expected = torch.tensor([[math.sin(pos / 10000 ** (2 * (j // 2) / d_model)) if j % 2 == 0
                                  else math.cos(pos / 10000 ** (2 * (j // 2) / d_model))
                                  for j in range(d_model)] for pos in range(max_len)], dtype=torch.float64)
        pe = sinusoidal_positional_encoding(max_len, d_model)
        assert pe.dtype == torch.float32 and pe.shape == (max_len, d_model)
        torch.testing.assert_close(pe.double(), expected, rtol=0, atol=max_len * 1.2e-7 + 1e-7)


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("sinusoidal_positional_encoding", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("sinusoidal_positional_encoding", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
