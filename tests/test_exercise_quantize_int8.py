"""quantize_int8: correct solutions in other styles pass, realistic wrong ones fail with the reason,
and the reference's codes equal torch.quantize_per_tensor's and torch.quantize_per_channel's."""

from __future__ import annotations

import pytest
import torch

from grading import failures, verdict_of
from bertstudy.reference.compression import quantize_int8

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:torch.quantize_per_tensor, torch.quantize_per_channel:UserWarning")]

CORRECT = {
    "movedim and reshape to (C, rest), clip, .char()": """
        import torch

        def quantize_int8(w, axis=None, scale=None):
            if scale is None:
                if axis is None:
                    scale = w.abs().amax()
                else:
                    scale = w.abs().movedim(axis, 0).reshape(w.shape[axis], -1).amax(dim=1)
                scale = scale / 127
                scale = torch.where(scale > 0, scale, 1.0)
            s = scale
            if axis is not None:
                s = scale.reshape([-1 if d == axis % w.dim() else 1 for d in range(w.dim())])
            return torch.clip(torch.round(w / s), -127, 127).char(), scale
    """,
    "one channel at a time with select and stack": """
        import torch

        def codes(x, s):
            return torch.round(x / s).clamp(min=-127, max=127).to(torch.int8)

        def quantize_int8(w, axis=None, scale=None):
            if axis is None:
                if scale is None:
                    m = w.abs().max()
                    scale = m / 127 if m > 0 else torch.ones((), dtype=w.dtype)
                return codes(w, scale), scale
            axis = axis % w.dim()
            slices = w.unbind(axis)
            if scale is None:
                scale = torch.stack([t.abs().max() / 127 if t.abs().max() > 0 else torch.ones((), dtype=w.dtype)
                                     for t in slices])
            q = torch.stack([codes(t, s) for t, s in zip(slices, scale)], dim=axis)
            return q, scale
    """,
    "keepdim maxima over the other axes, flattened back": """
        import torch

        def quantize_int8(w, axis=None, scale=None):
            dims = list(range(w.dim()))
            if axis is not None:
                dims.remove(axis % w.dim())
            if scale is None:
                m = w.abs().amax(dim=dims, keepdim=True) if dims else w.abs()
                s = m.clamp_min(torch.finfo(w.dtype).tiny) / 127
                s = s.masked_fill(m == 0, 1.0)
                scale = s.reshape(()) if axis is None else s.flatten()
            else:
                s = scale if axis is None else scale.reshape([w.shape[d] if d not in dims else 1 for d in range(w.dim())])
            q = (w / s).round().clamp(-127, 127).to(dtype=torch.int8)
            return (q, scale)
    """,
}

TAIL = """
        s = scale
        if axis is not None:
            shape = [1] * w.dim()
            shape[axis] = -1
            s = scale.reshape(shape)
"""


def scaled(body: str, codes: str = "torch.round(w / s).clamp(-127, 127).to(torch.int8)", ret: str = "scale") -> str:
    """A submission whose scale is computed by `body`, codes by `codes`."""
    return f"""
    import torch

    def quantize_int8(w, axis=None, scale=None):
        if scale is None:
{body}
{TAIL}
        return {codes}, {ret}
"""


GOOD_SCALE = """            if axis is None:
                scale = w.abs().max() / 127
            else:
                scale = w.abs().movedim(axis, 0).reshape(w.shape[axis], -1).amax(dim=1) / 127
            scale = torch.where(scale == 0, torch.ones_like(scale), scale)"""

WRONG = {
    "rounds halves away from zero": (scaled(GOOD_SCALE, "(torch.sign(w / s) * torch.floor((w / s).abs() + 0.5)).clamp(-127, 127).to(torch.int8)"),
                                     "case: halves round to the even neighbour (scale 127 / 127 = 1): with w (2, 4): output[0] differs"),
    "rounds with floor(x + 0.5)": (scaled(GOOD_SCALE, "torch.floor(w / s + 0.5).clamp(-127, 127).to(torch.int8)"),
                                   "case: halves round to the even neighbour"),
    "no guard for an all-zero channel": (scaled(GOOD_SCALE.replace("scale = torch.where(scale == 0, torch.ones_like(scale), scale)", "pass")),
                                         "case: per channel with an all-zero row: with w (3, 3), axis=0: output[1] differs"),
    "forgets the int8 cast": (scaled(GOOD_SCALE, "torch.round(w / s).clamp(-127, 127)"), "output[0] has dtype float32, expected int8"),
    "keeps int64 codes": (scaled(GOOD_SCALE, "torch.round(w / s).clamp(-127, 127).long()"), "output[0] has dtype int64, expected int8"),
    "returns the reshaped scale": (scaled(GOOD_SCALE, ret="s"), "output[1] has shape (5, 1), expected (5,)"),
    "a Python float scale": (scaled(GOOD_SCALE, ret="float(scale) if scale.dim() == 0 else scale"), "output[1] should be a tensor"),
    "the scale through .item() loses float64": (scaled("""            if axis is None:
                scale = torch.tensor(max(w.abs().max().item() / 127, 1e-30))
            else:
                scale = w.abs().movedim(axis, 0).reshape(w.shape[axis], -1).amax(dim=1).float() / 127
                scale = torch.where(scale == 0, torch.ones_like(scale), scale)"""), "output[1] has dtype float32, expected float64"),
    "always recomputes the scale": ("""
        import torch

        def quantize_int8(w, axis=None, scale=None):
            if axis is None:
                scale = w.abs().max() / 127
                s = scale
            else:
                scale = w.abs().movedim(axis, 0).reshape(w.shape[axis], -1).amax(dim=1) / 127
                scale = torch.where(scale == 0, torch.ones_like(scale), scale)
                shape = [1] * w.dim()
                shape[axis] = -1
                s = scale.reshape(shape)
            return torch.round(w / s).clamp(-127, 127).to(torch.int8), scale
    """, "case: a given scale, with values beyond ±127·scale: with w (6,), scale ()"),
    "divides w in place": ("""
        import torch

        def quantize_int8(w, axis=None, scale=None):
            if scale is None:
                scale = w.abs().max() / 127 if axis is None else w.abs().movedim(axis, 0).reshape(w.shape[axis], -1).amax(dim=1) / 127
                scale = torch.where(scale == 0, torch.ones_like(scale), scale)
            s = scale
            if axis is not None:
                shape = [1] * w.dim()
                shape[axis] = -1
                s = scale.reshape(shape)
            return w.div_(s).round_().clamp_(-127, 127).to(torch.int8), scale
    """, "changed its inputs in place"),
    "borrows torch.quantize_per_tensor": ("""
        import torch

        def quantize_int8(w, axis=None, scale=None):
            scale = w.abs().max() / 127 if scale is None else scale
            return torch.quantize_per_tensor(w, float(scale), 0, torch.qint8).int_repr(), scale
    """, "torch.quantize_per_tensor is not allowed"),
}


def test_reference_codes_equal_torch_quantized_tensors():
    gen = torch.Generator().manual_seed(0)
    w = torch.randn(7, 9, generator=gen) * torch.linspace(0.2, 4.0, 7)[:, None]
    q, scale = quantize_int8(w)
    assert torch.equal(q, torch.quantize_per_tensor(w, float(scale), 0, torch.qint8).int_repr())
    for axis in (0, 1):
        q, scale = quantize_int8(w, axis=axis)
        theirs = torch.quantize_per_channel(w, scale.double(), torch.zeros_like(scale, dtype=torch.int64), axis, torch.qint8)
        assert torch.equal(q, theirs.int_repr())
        torch.testing.assert_close(scale.double(), theirs.q_per_channel_scales())


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("quantize_int8", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("quantize_int8", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
