"""multi_head_attention: correct solutions in other styles pass, realistic wrong ones fail with the
reason, the shipped files behave, and the reference agrees with nn.MultiheadAttention."""

from __future__ import annotations

import pytest
import torch

from grading import failures, verdict_of
from bertstudy.reference.attention import multi_head_attention

pytestmark = pytest.mark.slow
SIGNATURE = "def multi_head_attention(x, w_q, b_q, w_k, b_k, w_v, b_v, w_o, b_o, num_heads, attention_mask=None):"

CORRECT = {
    "einsum throughout, additive finfo.min mask": f"""
        import torch

        {SIGNATURE}
            B, L, D = x.shape
            d = D // num_heads
            def heads(w, b):
                return torch.einsum("bld,ed->ble", x, w).add(b).reshape(B, L, num_heads, d)
            q, k, v = heads(w_q, b_q), heads(w_k, b_k), heads(w_v, b_v)
            scores = torch.einsum("bqhd,bkhd->bhqk", q, k) * d ** -0.5
            if attention_mask is not None:
                pad = (attention_mask == 0).to(scores.dtype)[:, None, None, :]
                scores = scores + pad * torch.finfo(scores.dtype).min
            p = scores.softmax(dim=-1)
            ctx = torch.einsum("bhqk,bkhd->bqhd", p, v).reshape(B, L, D)
            return torch.einsum("bld,ed->ble", ctx, w_o) + b_o
    """,
    "a loop over heads on feature slices, torch.where mask, F.linear": f"""
        import math
        import torch
        import torch.nn.functional as F

        {SIGNATURE}
            D = x.shape[-1]
            d = D // num_heads
            q, k, v = F.linear(x, w_q, b_q), F.linear(x, w_k, b_k), F.linear(x, w_v, b_v)
            outs = []
            for j in range(num_heads):
                cols = slice(j * d, (j + 1) * d)
                s = q[..., cols] @ k[..., cols].transpose(1, 2) / math.sqrt(d)  # (B, L, L)
                if attention_mask is not None:
                    keep = attention_mask.bool().unsqueeze(1)  # (B, 1, L)
                    s = torch.where(keep, s, torch.tensor(float("-inf"), dtype=s.dtype))
                outs.append(torch.softmax(s, dim=-1) @ v[..., cols])
            return F.linear(torch.cat(outs, dim=-1), w_o, b_o)
    """,
    "fused QKV, unflatten and permute, scaled queries, a manual softmax": f"""
        import torch

        {SIGNATURE}
            B, L, D = x.shape
            d = D // num_heads
            qkv = x @ torch.cat([w_q, w_k, w_v]).T + torch.cat([b_q, b_k, b_v])  # (B, L, 3D)
            q, k, v = (t.unflatten(-1, (num_heads, d)).permute(0, 2, 1, 3) for t in qkv.chunk(3, dim=-1))
            s = (q / d ** 0.5) @ k.mT
            if attention_mask is not None:
                s = s.masked_fill(attention_mask[:, None, None, :] == 0, -1e9)
            e = torch.exp(s - s.amax(dim=-1, keepdim=True))
            w = e / e.sum(dim=-1, keepdim=True)
            ctx = (w @ v).permute(0, 2, 1, 3).flatten(2)
            return ctx @ w_o.T + b_o
    """,
}

BODY = f"""
    import math
    import torch

    {SIGNATURE}
        B, L, D = x.shape
        d = D // num_heads
        q = (x @ w_q.T + b_q).view(B, L, num_heads, d).transpose(1, 2)
        k = (x @ w_k.T + b_k).view(B, L, num_heads, d).transpose(1, 2)
        v = (x @ w_v.T + b_v).view(B, L, num_heads, d).transpose(1, 2)
        s = q @ k.transpose(-2, -1) / math.sqrt(d)
"""
MASK = """
        if attention_mask is not None:
            s = s.masked_fill(~attention_mask.bool()[:, None, None, :], float("-inf"))
"""
MERGE = """
        return (ctx.transpose(1, 2).reshape(B, L, D)) @ w_o.T + b_o
"""


WRONG = {
    "forgets the query bias": (BODY.replace(" + b_q)", ")") + MASK + """
        ctx = torch.softmax(s, dim=-1) @ v
""" + MERGE, "case: one sequence, two heads: with"),
    "softmax over the queries": (BODY + MASK + """
        ctx = torch.softmax(s, dim=-2) @ v
""" + MERGE, "differs"),
    "ignores the padding mask": (BODY + """
        ctx = torch.softmax(s, dim=-1) @ v
""" + MERGE, "case: bool padding mask, three heads: with"),
    "mask broadcast as (B, 1, L) lands on the heads axis": (BODY + """
        if attention_mask is not None:
            s = s.masked_fill(~attention_mask.bool()[:, None, :], float("-inf"))
        ctx = torch.softmax(s, dim=-1) @ v
""" + MERGE, "RuntimeError"),
    "returns the weights too": (BODY + MASK + """
        w = torch.softmax(s, dim=-1)
        ctx = w @ v
        return (ctx.transpose(1, 2).reshape(B, L, D)) @ w_o.T + b_o, w
""", "output should be a tensor"),
    "computes in float32": (BODY.replace("B, L, D = x.shape", "B, L, D = x.shape\n        x, w_q, b_q, w_k, b_k, w_v, b_v, w_o, b_o = (t.float() for t in (x, w_q, b_q, w_k, b_k, w_v, b_v, w_o, b_o))") + MASK + """
        ctx = torch.softmax(s, dim=-1) @ v
""" + MERGE, "dtype float32, expected float64"),
    "inverts a bool mask in place (.bool() does not copy a bool tensor)": (BODY + """
        if attention_mask is not None:
            pad = attention_mask.bool()
            pad.logical_not_()
            s = s.masked_fill(pad[:, None, None, :], float("-inf"))
        ctx = torch.softmax(s, dim=-1) @ v
""" + MERGE, "changed its inputs in place"),
    "keeps dropout on the weights": (BODY + MASK + """
        ctx = torch.nn.functional.dropout(torch.softmax(s, dim=-1), p=0.1) @ v
""" + MERGE, "differs"),
    "merges the heads without transposing back": (BODY + MASK + """
        ctx = torch.softmax(s, dim=-1) @ v
        return ctx.reshape(B, L, D) @ w_o.T + b_o
""", "differs"),
    "uses the built-in attention": (BODY + """
        mask = None if attention_mask is None else attention_mask.bool()[:, None, None, :]
        ctx = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
""" + MERGE, "torch.nn.functional.scaled_dot_product_attention is not allowed"),
}


def test_reference_matches_nn_multihead_attention():
    gen = torch.Generator().manual_seed(0)
    batch, length, d_model, num_heads = 3, 7, 12, 4
    mha = torch.nn.MultiheadAttention(d_model, num_heads, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        for p in mha.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) * 0.3)
    x = torch.randn(batch, length, d_model, generator=gen, dtype=torch.float64, requires_grad=True)
    mask = torch.tensor([[1] * 7, [1] * 4 + [0] * 3, [1] + [0] * 6])
    w_q, w_k, w_v = mha.in_proj_weight.chunk(3)
    b_q, b_k, b_v = mha.in_proj_bias.chunk(3)
    for attention_mask in (None, mask, mask.bool()):
        padding = None if attention_mask is None else ~attention_mask.bool()
        theirs, _ = mha(x, x, x, key_padding_mask=padding, need_weights=False)
        mine = multi_head_attention(x, w_q, b_q, w_k, b_k, w_v, b_v, mha.out_proj.weight, mha.out_proj.bias,
                                    num_heads, attention_mask)
        torch.testing.assert_close(mine, theirs)
        probe = torch.randn(mine.shape, generator=gen, dtype=torch.float64)
        inputs = [x, *mha.parameters()]
        for a, b in zip(torch.autograd.grad((mine * probe).sum(), inputs), torch.autograd.grad((theirs * probe).sum(), inputs)):
            torch.testing.assert_close(a, b)


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("multi_head_attention", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("multi_head_attention", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
