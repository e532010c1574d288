"""lstm_cell: correct solutions in other styles pass, realistic wrong ones fail with the reason,
the shipped files behave, and the reference agrees with nn.LSTMCell."""

from __future__ import annotations

import pytest
import torch

from grading import failures, verdict_of
from bertstudy.reference.recurrent import lstm_cell

pytestmark = pytest.mark.slow

CORRECT = {
    "one matmul on [x, h], sliced gates, sigmoid by hand": """
        import torch

        def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
            H = h.shape[1]
            z = torch.cat([x, h], dim=1) @ torch.cat([w_ih, w_hh], dim=1).T + (b_ih + b_hh)
            sig = lambda t: 1 / (1 + torch.exp(-t))
            i = sig(z[:, :H])
            f = sig(z[:, H:2 * H])
            g = torch.tanh(z[:, 2 * H:3 * H])
            o = sig(z[:, 3 * H:])
            c2 = f * c + i * g
            return o * c2.tanh(), c2
    """,
    "per-gate weights through einsum": """
        import torch

        def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
            H = h.size(-1)
            wi = w_ih.reshape(4, H, -1)
            wh = w_hh.reshape(4, H, H)
            z = torch.einsum("bi,ghi->gbh", x, wi) + torch.einsum("bj,ghj->gbh", h, wh)
            z = z + (b_ih + b_hh).reshape(4, 1, H)
            zi, zf, zg, zo = z.unbind(0)
            c_new = torch.sigmoid(zf) * c + torch.sigmoid(zi) * torch.tanh(zg)
            h_new = torch.sigmoid(zo) * torch.tanh(c_new)
            return (h_new, c_new)
    """,
    "F.linear, torch.split and sigmoid from tanh": """
        import torch
        import torch.nn.functional as F

        def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
            pre = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
            i, f, g, o = torch.split(pre, h.shape[-1], dim=-1)
            sigmoid = lambda t: 0.5 * (1 + torch.tanh(0.5 * t))
            c_next = torch.addcmul(sigmoid(f) * c, sigmoid(i), torch.tanh(g))
            return sigmoid(o) * torch.tanh(c_next), c_next
    """,
}

STEP = """
    import torch

    def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
        gates = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i, f, g, o = gates.chunk(4, dim=1)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
"""

WRONG = {
    "returns (c_next, h_next)": (STEP + """
        c_next = f * c + i * g
        return c_next, o * torch.tanh(c_next)
    """, "output[0] differs"),
    "returns only h_next": (STEP + """
        return o * torch.tanh(f * c + i * g)
    """, "output should be a tuple of 2"),
    "forget and input gates swapped in the cell update": (STEP + """
        c_next = i * c + f * g
        return o * torch.tanh(c_next), c_next
    """, "output[0] differs"),
    "splits the gates with a view that interleaves them": ("""
        import torch

        def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
            gates = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
            i, f, g, o = gates.view(gates.shape[0], -1, 4).unbind(-1)
            c_next = f.sigmoid() * c + i.sigmoid() * g.tanh()
            return o.sigmoid() * c_next.tanh(), c_next
    """, "differs"),
    "updates c in place": (STEP + """
        c *= f
        c += i * g
        return o * torch.tanh(c), c
    """, "in-place operation"),
    "computes in float32": ("""
        import torch

        def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
            x, h, c, w_ih, w_hh, b_ih, b_hh = (t.float() for t in (x, h, c, w_ih, w_hh, b_ih, b_hh))
            gates = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
            i, f, g, o = gates.chunk(4, dim=1)
            c_next = f.sigmoid() * c + i.sigmoid() * g.tanh()
            return o.sigmoid() * c_next.tanh(), c_next
    """, "dtype float32, expected float64"),
    "cuts the graph with .detach()": (STEP + """
        c_next = (f * c + i * g).detach()
        return o * torch.tanh(c_next), c_next
    """, "gradients"),
    "chunks the batch axis instead of the gate axis": ("""
        import torch

        def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
            gates = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
            i, f, g, o = gates.chunk(4, dim=0)
            c_next = f.sigmoid() * c + i.sigmoid() * g.tanh()
            return o.sigmoid() * c_next.tanh(), c_next
    """, "ValueError"),
    "borrows nn.LSTMCell": ("""
        import torch

        def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
            cell = torch.nn.LSTMCell(x.shape[1], h.shape[1]).to(x.dtype)
            with torch.no_grad():
                cell.weight_ih.copy_(w_ih)
                cell.weight_hh.copy_(w_hh)
                cell.bias_ih.copy_(b_ih)
                cell.bias_hh.copy_(b_hh)
            return cell(x, (h, c))
    """, "torch.nn.LSTMCell is not allowed"),
    "calls torch.lstm_cell": ("""
        import torch

        def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
            return torch.lstm_cell(x, (h, c), w_ih, w_hh, b_ih, b_hh)
    """, "torch.lstm_cell is not allowed"),
}


def test_reference_matches_nn_lstm_cell():
    gen = torch.Generator().manual_seed(0)
    batch, n_in, n_hidden = 5, 7, 6
    cell = torch.nn.LSTMCell(n_in, n_hidden).double()
    with torch.no_grad():
        for p in cell.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
    x, h, c = (torch.randn(batch, n, generator=gen, dtype=torch.float64, requires_grad=True) for n in (n_in, n_hidden, n_hidden))
    h_ref, c_ref = cell(x, (h, c))
    h_new, c_new = lstm_cell(x, h, c, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    torch.testing.assert_close(h_new, h_ref)
    torch.testing.assert_close(c_new, c_ref)
    inputs = [x, h, c, *cell.parameters()]
    probe_h, probe_c = torch.randn(batch, n_hidden, dtype=torch.float64), torch.randn(batch, n_hidden, dtype=torch.float64)
    mine = torch.autograd.grad((h_new * probe_h).sum() + (c_new * probe_c).sum(), inputs)
    theirs = torch.autograd.grad((h_ref * probe_h).sum() + (c_ref * probe_c).sum(), inputs)
    for a, b in zip(mine, theirs):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("lstm_cell", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("lstm_cell", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
