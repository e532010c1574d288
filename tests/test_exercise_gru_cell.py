"""gru_cell: correct solutions in other styles pass, realistic wrong ones fail with the reason,
and the reference agrees with nn.GRUCell."""

from __future__ import annotations

import pytest
import torch

from grading import failures, verdict_of
from bertstudy.reference.recurrent import gru_cell

pytestmark = pytest.mark.slow

CORRECT = {
    "per-gate weight slices, sigmoid by hand": """
        import torch

        def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
            H = h.shape[1]
            blocks = lambda t: (t[:H], t[H:2 * H], t[2 * H:])
            W_ir, W_iz, W_in = blocks(w_ih)
            W_hr, W_hz, W_hn = blocks(w_hh)
            b_ir, b_iz, b_in = blocks(b_ih)
            b_hr, b_hz, b_hn = blocks(b_hh)
            sig = lambda t: 1 / (1 + torch.exp(-t))
            r = sig(x @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
            z = sig(x @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
            n = torch.tanh(x @ W_in.T + b_in + r * (h @ W_hn.T + b_hn))
            return (1 - z) * n + z * h
    """,
    "einsum over a (3, H, ·) view of the weights": """
        import torch

        def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
            H = h.size(-1)
            gi = torch.einsum("bi,ghi->gbh", x, w_ih.reshape(3, H, -1)) + b_ih.reshape(3, 1, H)
            gh = torch.einsum("bj,ghj->gbh", h, w_hh.reshape(3, H, H)) + b_hh.reshape(3, 1, H)
            r, z = torch.sigmoid(gi[:2] + gh[:2]).unbind(0)
            n = torch.tanh(gi[2] + r * gh[2])
            return h + (1 - z) * (n - h)
    """,
    "F.linear, torch.split and torch.lerp": """
        import torch
        import torch.nn.functional as F

        def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
            i_r, i_z, i_n = torch.split(F.linear(x, w_ih, b_ih), h.shape[-1], dim=-1)
            h_r, h_z, h_n = torch.split(F.linear(h, w_hh, b_hh), h.shape[-1], dim=-1)
            r = (i_r + h_r).sigmoid()
            z = (i_z + h_z).sigmoid()
            n = torch.addcmul(i_n, r, h_n).tanh()
            return torch.lerp(n, h, z)
    """,
}

GATES = """
    import torch

    def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
        i_r, i_z, i_n = (x @ w_ih.T + b_ih).chunk(3, dim=1)
        h_r, h_z, h_n = (h @ w_hh.T + b_hh).chunk(3, dim=1)
        r = torch.sigmoid(i_r + h_r)
        z = torch.sigmoid(i_z + h_z)
"""

WRONG = {
    "returns (h_next, h_next) as if it were an LSTM": (GATES + """
        n = torch.tanh(i_n + r * h_n)
        h_next = (1 - z) * n + z * h
        return h_next, h_next
    """, "output should be a tensor"),
    "leaves out b_hh": ("""
        import torch

        def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
            i_r, i_z, i_n = (x @ w_ih.T + b_ih).chunk(3, dim=1)
            h_r, h_z, h_n = (h @ w_hh.T).chunk(3, dim=1)
            r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
            return (1 - z) * torch.tanh(i_n + r * h_n) + z * h
    """, "output differs"),
    "sigmoid on the candidate": (GATES + """
        n = torch.sigmoid(i_n + r * h_n)
        return (1 - z) * n + z * h
    """, "output differs"),
    "splits the gates with a view that interleaves them": ("""
        import torch

        def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
            gi = x @ w_ih.T + b_ih
            gh = h @ w_hh.T + b_hh
            i_r, i_z, i_n = gi.view(gi.shape[0], -1, 3).unbind(-1)
            h_r, h_z, h_n = gh.view(gh.shape[0], -1, 3).unbind(-1)
            r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
            return (1 - z) * torch.tanh(i_n + r * h_n) + z * h
    """, "output differs"),
    "updates h in place": (GATES + """
        n = torch.tanh(i_n + r * h_n)
        h.mul_(z).add_((1 - z) * n)
        return h
    """, "in-place operation"),
    "computes in float32": ("""
        import torch

        def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
            x, h, w_ih, w_hh, b_ih, b_hh = (t.float() for t in (x, h, w_ih, w_hh, b_ih, b_hh))
            i_r, i_z, i_n = (x @ w_ih.T + b_ih).chunk(3, dim=1)
            h_r, h_z, h_n = (h @ w_hh.T + b_hh).chunk(3, dim=1)
            r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
            return (1 - z) * torch.tanh(i_n + r * h_n) + z * h
    """, "dtype float32, expected float64"),
    "cuts the graph at the update gate": (GATES + """
        n = torch.tanh(i_n + r * h_n)
        z = z.detach()
        return (1 - z) * n + z * h
    """, "gradients"),
    "borrows nn.GRUCell": ("""
        import torch

        def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
            cell = torch.nn.GRUCell(x.shape[1], h.shape[1]).to(x.dtype)
            with torch.no_grad():
                cell.weight_ih.copy_(w_ih)
                cell.weight_hh.copy_(w_hh)
                cell.bias_ih.copy_(b_ih)
                cell.bias_hh.copy_(b_hh)
            return cell(x, h)
    """, "torch.nn.GRUCell is not allowed"),
    "calls torch.gru_cell": ("""
        import torch

        def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
            return torch.gru_cell(x, h, w_ih, w_hh, b_ih, b_hh)
    """, "torch.gru_cell is not allowed"),
    "reaches the kernel through torch._VF": ("""
        import torch

        def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
            return torch._VF.gru_cell(x, h, w_ih, w_hh, b_ih, b_hh)
    """, "torch internals (_VF) are not allowed"),
}


def test_reference_matches_nn_gru_cell():
    gen = torch.Generator().manual_seed(0)
    batch, n_in, n_hidden = 5, 7, 6
    cell = torch.nn.GRUCell(n_in, n_hidden).double()
    with torch.no_grad():
        for p in cell.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
    x, h = (torch.randn(batch, n, generator=gen, dtype=torch.float64, requires_grad=True) for n in (n_in, n_hidden))
    expected = cell(x, h)
    got = gru_cell(x, h, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    torch.testing.assert_close(got, expected)
    probe = torch.randn(batch, n_hidden, generator=gen, dtype=torch.float64)
    inputs = [x, h, *cell.parameters()]
    for a, b in zip(torch.autograd.grad((got * probe).sum(), inputs), torch.autograd.grad((expected * probe).sum(), inputs)):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("gru_cell", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("gru_cell", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
