"""dequantize: correct solutions in other styles pass, realistic wrong ones fail with the reason,
and the reference equals the dequantize() of PyTorch's own quantised tensors."""

from __future__ import annotations

import pytest
import torch

from grading import failures, verdict_of
from bertstudy.reference.compression import dequantize

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:torch.quantize_per_tensor, torch.quantize_per_channel:UserWarning")]

CORRECT = {
    "a reshaped scale and zero point, int64 subtraction": """
        import torch

        def dequantize(q, scale, zero_point=0, axis=None):
            z = torch.as_tensor(zero_point)
            if axis is not None:
                shape = [1] * q.dim()
                shape[axis] = q.shape[axis]
                scale = scale.view(shape)
                z = z.view(shape) if z.dim() else z
            return (q.long() - z).to(scale.dtype) * scale
    """,
    "move the channel axis last, broadcast, move it back": """
        import torch

        def dequantize(q, scale, zero_point=0, axis=None):
            if axis is None:
                return (q.to(scale.dtype) - zero_point) * scale
            moved = q.movedim(axis, -1).to(scale.dtype)
            return ((moved - torch.as_tensor(zero_point, dtype=scale.dtype)) * scale).movedim(-1, axis)
    """,
    "trailing None indexing and torch.mul / torch.sub": """
        import torch

        def dequantize(q, scale, zero_point=0, axis=None):
            zp = zero_point if isinstance(zero_point, int) else zero_point.to(scale.dtype)
            if axis is not None:
                axis = axis % q.dim()
                extra = (None,) * (q.dim() - axis - 1)
                scale = scale[(...,) + extra]
                if not isinstance(zp, int) and zp.dim() == 1:
                    zp = zp[(...,) + extra]
            return torch.mul(torch.sub(q.double(), zp).to(scale.dtype), scale)
    """,
}

SETUP = """
    import torch

    def dequantize(q, scale, zero_point=0, axis=None):
        z = torch.as_tensor(zero_point)
        if axis is not None:
            shape = [1] * q.dim()
            shape[axis] = -1
"""

WRONG = {
    "reshapes the scale but not the zero point": (SETUP + """
            scale = scale.reshape(shape)
        return (q.long() - z).to(scale.dtype) * scale
    """, "case: per channel along axis 0 of a square matrix, a zero point per channel"),
    "assumes the channels are on axis 0": ("""
        import torch

        def dequantize(q, scale, zero_point=0, axis=None):
            z = torch.as_tensor(zero_point)
            if axis is not None:
                scale = scale.view(-1, *([1] * (q.dim() - 1)))
                z = z.view(-1, *([1] * (q.dim() - 1))) if z.dim() else z
            return (q.long() - z).to(scale.dtype) * scale
    """, "case: per channel along the last axis of a 3-D tensor, a zero point per channel: with q (2, 3, 4) int32"),
    "scales the zero point with the wrong sign": (SETUP + """
            scale = scale.reshape(shape)
            z = z.reshape(shape) if z.dim() else z
        return z.to(scale.dtype) * scale - q.to(scale.dtype) * scale
    """, "output differs"),
    "returns the codes' dtype": (SETUP + """
            scale = scale.reshape(shape)
            z = z.reshape(shape) if z.dim() else z
        return ((q.long() - z).to(scale.dtype) * scale).to(q.dtype)
    """, "output has dtype int32, expected float32"),
    "subtracts in place": (SETUP + """
            scale = scale.reshape(shape)
            z = z.reshape(shape) if z.dim() else z
        return q.sub_(z).to(scale.dtype) * scale
    """, "changed its inputs in place"),
    "returns the scale as well": (SETUP + """
            scale = scale.reshape(shape)
            z = z.reshape(shape) if z.dim() else z
        return (q.long() - z).to(scale.dtype) * scale, scale
    """, "output should be a tensor"),
    "rounds the result to whole steps of 0.01": (SETUP + """
            scale = scale.reshape(shape)
            z = z.reshape(shape) if z.dim() else z
        return torch.round((q.long() - z).to(scale.dtype) * scale, decimals=2)
    """, "output differs"),
    "builds a quantised tensor to call .dequantize()": ("""
        import torch

        def dequantize(q, scale, zero_point=0, axis=None):
            t = torch._make_per_tensor_quantized_tensor(q.to(torch.int8), float(scale), int(zero_point))
            return t.dequantize().to(scale.dtype)
    """, "torch._make_per_tensor_quantized_tensor is not allowed"),
}


def test_reference_equals_torch_dequantize():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(4, 6, generator=gen) * 3 + 1
    for dtype in (torch.qint8, torch.quint8):
        zero_point = 0 if dtype == torch.qint8 else 100
        theirs = torch.quantize_per_tensor(x, 0.05, zero_point, dtype)
        torch.testing.assert_close(dequantize(theirs.int_repr(), torch.tensor(0.05), zero_point), theirs.dequantize())
        scales = torch.tensor([0.02, 0.05, 0.1, 0.2, 0.03, 0.07], dtype=torch.float64)
        zero_points = torch.tensor([0, 3, 7, 0, 20, 9]) * (dtype == torch.quint8)
        theirs = torch.quantize_per_channel(x, scales, zero_points, 1, dtype)
        mine = dequantize(theirs.int_repr(), scales, zero_points, axis=1)
        torch.testing.assert_close(mine, theirs.dequantize().double())


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("dequantize", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("dequantize", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
