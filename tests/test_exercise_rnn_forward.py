"""rnn_forward: correct solutions in other styles pass, realistic wrong ones fail with the reason,
and the reference agrees with a one-layer nn.RNN."""

from __future__ import annotations

import pytest
import torch

from grading import failures, verdict_of
from bertstudy.reference.recurrent import rnn_forward

pytestmark = pytest.mark.slow

CORRECT = {
    "input projection for all steps at once, then the loop": """
        import torch

        def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh):
            L, B, _ = x.shape
            H = w_hh.shape[0]
            h = torch.zeros(B, H, dtype=x.dtype) if h0 is None else h0
            projected = x @ w_ih.T + (b_ih + b_hh)  # (L, B, H)
            out = []
            for t in range(L):
                h = torch.tanh(projected[t] + h @ w_hh.T)
                out.append(h)
            return torch.stack(out, dim=0), out[-1]
    """,
    "F.linear over unbind, tanh from exp": """
        import torch
        import torch.nn.functional as F

        def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh):
            h = h0 if h0 is not None else x.new_zeros(x.size(1), w_hh.size(0))
            tanh = lambda a: (1 - torch.exp(-2 * a)) / (1 + torch.exp(-2 * a))
            states = []
            for x_t in x.unbind(0):
                h = tanh(F.linear(x_t, w_ih, b_ih) + F.linear(h, w_hh, b_hh))
                states += [h]
            return torch.stack(states), h
    """,
    "a preallocated output filled step by step": """
        import torch

        def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh):
            L, B, _ = x.shape
            outputs = x.new_empty(L, B, w_hh.shape[0])
            prev = x.new_zeros(B, w_hh.shape[0]) if h0 is None else h0
            for t in range(L):
                prev = torch.tanh(torch.addmm(b_ih, x[t], w_ih.t()) + torch.addmm(b_hh, prev, w_hh.t()))
                outputs[t] = prev
            return outputs, prev
    """,
}

LOOP = """
    import torch

    def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh):
        h = x.new_zeros(x.shape[1], w_hh.shape[0]) if h0 is None else h0
        states = []
"""

WRONG = {
    "returns only the outputs": (LOOP + """
        for x_t in x:
            h = torch.tanh(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states.append(h)
        return torch.stack(states)
    """, "output should be a tuple of 2"),
    "h_last with nn.RNN's leading layer axis": (LOOP + """
        for x_t in x:
            h = torch.tanh(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states.append(h)
        return torch.stack(states), h.unsqueeze(0)
    """, "output[1] has shape"),
    "ReLU instead of tanh": (LOOP + """
        for x_t in x:
            h = torch.relu(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states.append(h)
        return torch.stack(states), h
    """, "output[0] differs"),
    "walks the sequence backwards": (LOOP + """
        for x_t in reversed(x):
            h = torch.tanh(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states.append(h)
        return torch.stack(states), h
    """, "output[0] differs"),
    "fails on h0 = None": ("""
        import torch

        def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh):
            h = h0
            states = []
            for x_t in x:
                h = torch.tanh(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
                states.append(h)
            return torch.stack(states), h
    """, "TypeError"),
    "treats x as batch-first": (LOOP + """
        for t in range(x.shape[1]):
            h = torch.tanh(x[:, t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states.append(h)
        return torch.stack(states), h
    """, "RuntimeError"),
    "detaches the state every step (truncated backpropagation)": (LOOP + """
        for x_t in x:
            h = torch.tanh(x_t @ w_ih.T + b_ih + h.detach() @ w_hh.T + b_hh)
            states.append(h)
        return torch.stack(states), h
    """, "gradients"),
    "reads the previous state back from the preallocated output it keeps writing": ("""
        import torch

        def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh):
            outputs = x.new_empty(x.shape[0], x.shape[1], w_hh.shape[0])
            prev = x.new_zeros(x.shape[1], w_hh.shape[0]) if h0 is None else h0
            for t in range(x.shape[0]):
                outputs[t] = torch.tanh(x[t] @ w_ih.T + b_ih + prev @ w_hh.T + b_hh)
                prev = outputs[t]  # a view: the next write into outputs changes what autograd saved
            return outputs, prev
    """, "modified by an inplace operation"),
    "computes in float32": ("""
        import torch

        def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh):
            h = torch.zeros(x.shape[1], w_hh.shape[0]) if h0 is None else h0.float()
            states = []
            for x_t in x.float():
                h = torch.tanh(x_t @ w_ih.float().T + b_ih.float() + h @ w_hh.float().T + b_hh.float())
                states.append(h)
            return torch.stack(states), h
    """, "dtype float32, expected float64"),
    "borrows nn.RNN": ("""
        import torch

        def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh):
            rnn = torch.nn.RNN(x.shape[2], w_hh.shape[0]).to(x.dtype)
            with torch.no_grad():
                rnn.weight_ih_l0.copy_(w_ih)
                rnn.weight_hh_l0.copy_(w_hh)
                rnn.bias_ih_l0.copy_(b_ih)
                rnn.bias_hh_l0.copy_(b_hh)
            out, h_n = rnn(x, None if h0 is None else h0[None])
            return out, h_n[0]
    """, "torch.nn.RNN is not allowed"),
    "calls torch.rnn_tanh_cell": (LOOP + """
        for x_t in x:
            h = torch.rnn_tanh_cell(x_t, h, w_ih, w_hh, b_ih, b_hh)
            states.append(h)
        return torch.stack(states), h
    """, "torch.rnn_tanh_cell is not allowed"),
}


@pytest.mark.parametrize("with_h0", [True, False])
def test_reference_matches_nn_rnn(with_h0):
    gen = torch.Generator().manual_seed(0)
    length, batch, n_in, n_hidden = 6, 3, 4, 5
    rnn = torch.nn.RNN(n_in, n_hidden).double()
    with torch.no_grad():
        for p in rnn.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) * 0.7)
    x = torch.randn(length, batch, n_in, generator=gen, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(batch, n_hidden, generator=gen, dtype=torch.float64, requires_grad=True) if with_h0 else None
    expected, h_n = rnn(x, None if h0 is None else h0[None])
    outputs, h_last = rnn_forward(x, h0, rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0)
    torch.testing.assert_close(outputs, expected)
    torch.testing.assert_close(h_last, h_n[0])
    probe = torch.randn(length, batch, n_hidden, generator=gen, dtype=torch.float64)
    inputs = [x, *rnn.parameters()] + ([h0] if with_h0 else [])
    mine = torch.autograd.grad((outputs * probe).sum() + h_last.sum(), inputs)
    theirs = torch.autograd.grad((expected * probe).sum() + h_n.sum(), inputs)
    for a, b in zip(mine, theirs):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("rnn_forward", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("rnn_forward", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
