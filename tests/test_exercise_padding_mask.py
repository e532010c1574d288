"""padding_mask: correct solutions in other styles pass, realistic wrong ones fail with the reason,
and the reference agrees with Hugging Face's mask and with nn.MultiheadAttention's key padding mask."""

from __future__ import annotations

import pytest
import torch

from grading import failures, verdict_of
from bertstudy.reference.masks import additive_padding_mask

pytestmark = pytest.mark.slow

CORRECT = {
    "(1 - m) * finfo.min after unsqueezes": """
        import torch

        def padding_mask(attention_mask, dtype):
            dt = getattr(torch, dtype)
            m = attention_mask.unsqueeze(1).unsqueeze(2).to(dt)
            return (1.0 - m) * torch.finfo(dt).min
    """,
    "torch.where between two scalars of the dtype": """
        import torch

        def padding_mask(attention_mask, dtype):
            dt = getattr(torch, dtype)
            real = attention_mask[:, None, None, :] != 0
            zero = torch.tensor(0.0, dtype=dt)
            low = torch.tensor(torch.finfo(dt).min, dtype=dt)
            return torch.where(real, zero, low)
    """,
    "a dtype table, reshape and an explicit loop over the batch": """
        import torch

        DTYPES = {"float32": torch.float32, "float64": torch.float64,
                  "float16": torch.float16, "bfloat16": torch.bfloat16}

        def padding_mask(attention_mask, dtype):
            dt = DTYPES[dtype]
            B, L = attention_mask.shape
            out = torch.empty(B, L, dtype=dt)
            for b in range(B):
                row = attention_mask[b].bool()
                out[b] = torch.full((L,), torch.finfo(dt).min, dtype=dt).masked_fill(row, 0.0)
            return out.reshape(B, 1, 1, L)
    """,
}

WRONG = {
    "1 - mask on a bool tensor": ("""
        import torch

        def padding_mask(attention_mask, dtype):
            dt = getattr(torch, dtype)
            return ((1 - attention_mask[:, None, None, :]) * torch.finfo(dt).min).to(dt)
    """, "case: a bool mask in float64: with attention_mask (3, 4) bool, dtype='float64': RuntimeError"),
    "batch put on the query axis: (1, 1, B, L)": ("""
        import torch

        def padding_mask(attention_mask, dtype):
            dt = getattr(torch, dtype)
            return (1.0 - attention_mask[None, None].to(dt)) * torch.finfo(dt).min
    """, "output has shape (1, 1, 2, 5), expected (2, 1, 1, 5)"),
    "keeps the (B, L) shape": ("""
        import torch

        def padding_mask(attention_mask, dtype):
            dt = getattr(torch, dtype)
            return (1.0 - attention_mask.to(dt)) * torch.finfo(dt).min
    """, "output has shape (2, 5), expected (2, 1, 1, 5)"),
    "finfo.tiny (the smallest positive number) instead of finfo.min": ("""
        import torch

        def padding_mask(attention_mask, dtype):
            dt = getattr(torch, dtype)
            return (1.0 - attention_mask[:, None, None, :].to(dt)) * -torch.finfo(dt).tiny
    """, "case: float32, padding at the end: with attention_mask (2, 5) int64, dtype='float32': output differs"),
    "Python's float max, too big for float32": ("""
        import sys
        import torch

        def padding_mask(attention_mask, dtype):
            keep = attention_mask.bool()[:, None, None, :]
            return torch.zeros(keep.shape, dtype=getattr(torch, dtype)).masked_fill(~keep, -sys.float_info.max)
    """, "overflow"),
    "returns the bool keep mask": ("""
        import torch

        def padding_mask(attention_mask, dtype):
            return attention_mask.bool()[:, None, None, :]
    """, "output has dtype bool, expected float32"),
    "inverts a bool mask in place (.bool() does not copy a bool tensor)": ("""
        import torch

        def padding_mask(attention_mask, dtype):
            dt = getattr(torch, dtype)
            pad = attention_mask.bool()
            pad.logical_not_()
            return pad[:, None, None, :].to(dt) * torch.finfo(dt).min
    """, "changed its inputs in place"),
    "builds (B, h=1, L, L) by expanding over the queries": ("""
        import torch

        def padding_mask(attention_mask, dtype):
            dt = getattr(torch, dtype)
            L = attention_mask.shape[1]
            m = (1.0 - attention_mask[:, None, None, :].to(dt)) * torch.finfo(dt).min
            return m.expand(-1, 1, L, L)
    """, "output has shape (2, 1, 5, 5), expected (2, 1, 1, 5)"),
    "borrows Hugging Face's mask builder": ("""
        import torch
        from transformers.masking_utils import create_bidirectional_mask

        def padding_mask(attention_mask, dtype):
            return create_bidirectional_mask(None, None, attention_mask)
    """, "is not allowed"),
}


def test_reference_agrees_with_hugging_face_and_nn_multihead_attention():
    transformers = pytest.importorskip("transformers")
    from transformers.masking_utils import create_bidirectional_mask

    attention_mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]])
    config = transformers.BertConfig(hidden_size=8, num_attention_heads=2, attn_implementation="eager")
    for name in ("float32", "float64", "float16", "bfloat16"):
        dtype = getattr(torch, name)
        theirs = create_bidirectional_mask(config=config, inputs_embeds=torch.zeros(3, 5, 8, dtype=dtype),
                                           attention_mask=attention_mask)  # (B, 1, L_q, L_k), expanded over queries
        mine = additive_padding_mask(attention_mask, name)  # (B, 1, 1, L_k), broadcasts over queries
        assert mine.shape == (3, 1, 1, 5) and mine.dtype == theirs.dtype == dtype
        assert torch.equal(mine.expand_as(theirs), theirs)
    # the additive mask on the scores gives nn.MultiheadAttention's key_padding_mask result
    mha = torch.nn.MultiheadAttention(8, 2, batch_first=True, dtype=torch.float64).eval()
    x = torch.randn(3, 5, 8, dtype=torch.float64)
    _, expected = mha(x, x, x, key_padding_mask=attention_mask == 0, average_attn_weights=False)  # (B, h, L, L)
    w_q, w_k, _ = mha.in_proj_weight.chunk(3)
    b_q, b_k, _ = mha.in_proj_bias.chunk(3)
    q = (x @ w_q.T + b_q).view(3, 5, 2, 4).transpose(1, 2)
    k = (x @ w_k.T + b_k).view(3, 5, 2, 4).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / 2.0 + additive_padding_mask(attention_mask, "float64")
    torch.testing.assert_close(torch.softmax(scores, dim=-1), expected)


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("padding_mask", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("padding_mask", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
