"""mlp_backward: correct hand-written backward passes in other styles pass; realistic wrong ones fail
with the reason; every way of letting autograd do the work is refused (statically or at run time);
and the reference agrees with torch.autograd on nn.Linear layers."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest
import torch
import torch.nn.functional as F

from grading import PACK, failures, verdict_of
from bertstudy.exercises.grader import grade
from bertstudy.reference.mlp import mlp_backward

pytestmark = pytest.mark.slow
SIGNATURE = "def mlp_backward(x, targets, w1, b1, w2, b2):"

CORRECT = {
    "F.one_hot, torch.softmax and einsum": f"""
        import torch
        import torch.nn.functional as F

        {SIGNATURE}
            B, C = x.shape[0], w2.shape[0]
            h = torch.tanh(torch.einsum("bd,hd->bh", x, w1) + b1)
            logits = torch.einsum("bh,ch->bc", h, w2) + b2
            probs = torch.softmax(logits, dim=-1)
            loss = F.cross_entropy(logits, targets)
            d = (probs - F.one_hot(targets, C).to(x.dtype)) / B
            dz = torch.einsum("bc,ch->bh", d, w2) * (1 - h) * (1 + h)
            return dict(loss=loss, w1=torch.einsum("bh,bd->hd", dz, x), b1=dz.sum(0),
                        w2=torch.einsum("bc,bh->ch", d, h), b2=d.sum(0))
    """,
    "one example at a time, summing outer products": f"""
        import torch

        {SIGNATURE}
            B = x.shape[0]
            grads = {{"w1": torch.zeros_like(w1), "b1": torch.zeros_like(b1),
                      "w2": torch.zeros_like(w2), "b2": torch.zeros_like(b2)}}
            total = torch.zeros((), dtype=x.dtype)
            for n in range(B):
                h = torch.tanh(w1 @ x[n] + b1)                      # (H,)
                z = w2 @ h + b2                                    # (C,)
                m = z.max()
                log_p = z - m - torch.log(torch.exp(z - m).sum())   # (C,)
                total = total - log_p[targets[n]]
                d = torch.exp(log_p)
                d[targets[n]] = d[targets[n]] - 1
                dz = (w2.T @ d) * (1 - h * h)
                grads["w2"] += torch.outer(d, h) / B
                grads["b2"] += d / B
                grads["w1"] += torch.outer(dz, x[n]) / B
                grads["b1"] += dz / B
            return {{"loss": total / B, **grads}}
    """,
    "a backward helper per layer, tanh' from cosh": f"""
        import torch

        def linear_backward(d_out, inp, w):
            return d_out @ w, d_out.T @ inp, d_out.sum(dim=0)   # d input, d weight, d bias

        {SIGNATURE}
            z1 = x @ w1.T + b1
            h = z1.tanh()
            logits = h @ w2.T + b2
            lse = torch.logsumexp(logits, dim=1)
            rows = torch.arange(len(targets))
            loss = (lse - logits[rows, targets]).mean()
            d_logits = torch.exp(logits - lse[:, None])
            d_logits = d_logits.index_put((rows, targets), torch.tensor(-1.0, dtype=x.dtype), accumulate=True)
            d_logits = d_logits / len(targets)
            d_h, d_w2, d_b2 = linear_backward(d_logits, h, w2)
            d_z1 = d_h / torch.cosh(z1) ** 2
            _, d_w1, d_b1 = linear_backward(d_z1, x, w1)
            return {{"w2": d_w2, "b2": d_b2, "w1": d_w1, "b1": d_b1, "loss": loss}}
    """,
    "layer objects with forward and backprop methods": f"""
        import torch

        class Linear:
            def __init__(self, w, b):
                self.w, self.b = w, b

            def forward(self, inp):
                self.inp = inp
                return inp @ self.w.T + self.b

            def backprop(self, d_out):  # returns d input; keeps the parameter gradients
                self.d_w, self.d_b = d_out.T @ self.inp, d_out.sum(0)
                return d_out @ self.w

        class Tanh:
            def forward(self, z):
                self.out = torch.tanh(z)
                return self.out

            def backprop(self, d_out):
                return d_out * (1 - self.out ** 2)

        class CrossEntropy:
            def forward(self, logits, targets):
                self.probs = torch.softmax(logits, dim=1)
                self.targets = targets
                rows = torch.arange(len(targets))
                return -(logits[rows, targets] - torch.logsumexp(logits, dim=1)).mean()

            def backprop(self):
                d = self.probs.clone()
                d[torch.arange(len(self.targets)), self.targets] -= 1
                return d / len(self.targets)

        {SIGNATURE}
            first, act, second, ce = Linear(w1, b1), Tanh(), Linear(w2, b2), CrossEntropy()
            loss = ce.forward(second.forward(act.forward(first.forward(x))), targets)
            first.backprop(act.backprop(second.backprop(ce.backprop())))
            return {{"loss": loss, "w1": first.d_w, "b1": first.d_b, "w2": second.d_w, "b2": second.d_b}}
    """,
}

FORWARD = f"""
    import torch

    {SIGNATURE}
        B = x.shape[0]
        rows = torch.arange(B)
        h = torch.tanh(x @ w1.T + b1)
        logits = h @ w2.T + b2
        log_p = logits - torch.logsumexp(logits, dim=1, keepdim=True)
"""
BACKWARD = """
        d = log_p.exp()
        d[rows, targets] -= 1
        d = d / B
        dz = (d @ w2) * (1 - h ** 2)
"""
RETURN = """
        return {"loss": -log_p[rows, targets].mean(), "w1": dz.T @ x, "b1": dz.sum(0), "w2": d.T @ h, "b2": d.sum(0)}
"""
CAST = """B = x.shape[0]
        x, w1, b1, w2, b2 = (t.float() for t in (x, w1, b1, w2, b2))"""
AUTOGRAD = f"""
    import torch
    import torch.nn.functional as F

    {SIGNATURE}
        params = [p.clone().requires_grad_(True) for p in (w1, b1, w2, b2)]
        with torch.enable_grad():
            loss = F.cross_entropy(torch.tanh(x @ params[0].T + params[1]) @ params[2].T + params[3], targets)
"""

WRONG = {
    "lets autograd do it with loss.backward()": (AUTOGRAD + """
        loss.backward()
        return {"loss": loss.detach(), **{k: p.grad for k, p in zip(["w1", "b1", "w2", "b2"], params)}}
    """, "backward (torch.Tensor.backward, torch.autograd.backward) is not allowed"),
    "hides .backward and .grad behind getattr": (AUTOGRAD + """
        getattr(loss, "back" + "ward")()
        return {"loss": loss.detach(), **{k: getattr(p, "gr" + "ad") for k, p in zip(["w1", "b1", "w2", "b2"], params)}}
    """, "torch.Tensor.backward is not allowed"),
    "torch.autograd.grad through a computed name": (AUTOGRAD + """
        grads = getattr(torch.autograd, "gr" + "ad")(loss, params)
        return {"loss": loss.detach(), **dict(zip(["w1", "b1", "w2", "b2"], grads))}
    """, "torch.autograd.grad is not allowed"),
    "torch.autograd.functional.vjp (which calls autograd.grad)": (f"""
        import torch
        import torch.nn.functional as F

        {SIGNATURE}
            def loss_of(a, b, c, d):
                return F.cross_entropy(torch.tanh(x @ a.T + b) @ c.T + d, targets)
            loss, grads = torch.autograd.functional.vjp(loss_of, (w1, b1, w2, b2))
            return {{"loss": loss, **dict(zip(["w1", "b1", "w2", "b2"], grads))}}
    """, "torch.autograd.grad is not allowed"),
    "torch.func.grad": (f"""
        import torch
        import torch.nn.functional as F

        {SIGNATURE}
            def loss_of(params):
                a, b, c, d = params
                return F.cross_entropy(torch.tanh(x @ a.T + b) @ c.T + d, targets)
            grads = torch.func.grad(loss_of)((w1, b1, w2, b2))
            return {{"loss": loss_of((w1, b1, w2, b2)), **dict(zip(["w1", "b1", "w2", "b2"], grads))}}
    """, "torch.func is not allowed"),
    "calls the autograd engine directly": (AUTOGRAD + """
        engine = getattr(torch.autograd.graph, "_engine_run_" + "backward")
        engine((loss,), (torch.ones_like(loss),), False)
        return {"loss": loss.detach(), **{k: getattr(p, "gr" + "ad") for k, p in zip(["w1", "b1", "w2", "b2"], params)}}
    """, "_engine_run_backward is not allowed"),
    "names its own layer method backward (refused, as the statement warns)": (FORWARD + """
        class Tanh:
            def backward(self, d_out, out):
                return d_out * (1 - out ** 2)

        d = log_p.exp()
        d[rows, targets] -= 1
        d = d / B
        dz = Tanh().backward(d @ w2, h)
""" + RETURN, "backward (torch.Tensor.backward, torch.autograd.backward) is not allowed"),
    "sums the loss over the batch": (FORWARD + """
        d = log_p.exp()
        d[rows, targets] -= 1
        dz = (d @ w2) * (1 - h ** 2)
        return {"loss": -log_p[rows, targets].sum(), "w1": dz.T @ x, "b1": dz.sum(0), "w2": d.T @ h, "b2": d.sum(0)}
    """, "output['loss'] differs"),
    "multiplies by W2ᵀ on the way back": (FORWARD + """
        d = log_p.exp()
        d[rows, targets] -= 1
        d = d / B
        dz = (d @ w2.T) * (1 - h ** 2)
""" + RETURN, "RuntimeError"),
    "averages the bias gradient a second time": (FORWARD + BACKWARD + """
        return {"loss": -log_p[rows, targets].mean(), "w1": dz.T @ x, "b1": dz.mean(0), "w2": d.T @ h, "b2": d.mean(0)}
    """, "output['b1'] differs"),
    "transposes only the second weight's gradient": (FORWARD + BACKWARD + """
        return {"loss": -log_p[rows, targets].mean(), "w1": dz.T @ x, "b1": dz.sum(0), "w2": h.T @ d, "b2": d.sum(0)}
    """, "b2 (3,) float64: output['w2'] differs"),  # only the H = C case has a w2 of the right shape
    "also takes an SGD step on the weights in place": (FORWARD + BACKWARD + """
        grads = {"loss": -log_p[rows, targets].mean(), "w1": dz.T @ x, "b1": dz.sum(0), "w2": d.T @ h, "b2": d.sum(0)}
        for name, p in (("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2)):
            p -= 0.1 * grads[name]
        return grads
    """, "changed its inputs in place"),
    "returns a tuple": (FORWARD + BACKWARD + """
        return -log_p[rows, targets].mean(), dz.T @ x, dz.sum(0), d.T @ h, d.sum(0)
    """, "output should be a dict with keys ['b1', 'b2', 'loss', 'w1', 'w2']"),
    "names the keys dw1, db1, ...": (FORWARD + BACKWARD + """
        return {"loss": -log_p[rows, targets].mean(), "dw1": dz.T @ x, "db1": dz.sum(0), "dw2": d.T @ h, "db2": d.sum(0)}
    """, "output should be a dict with keys"),
    "returns the loss as a Python float": (FORWARD + BACKWARD + """
        return {"loss": -log_p[rows, targets].mean().item(), "w1": dz.T @ x, "b1": dz.sum(0), "w2": d.T @ h, "b2": d.sum(0)}
    """, "output['loss'] should be a tensor"),
    "computes in float32": (FORWARD.replace("B = x.shape[0]", CAST) + BACKWARD + RETURN, "dtype float32, expected float64"),
}


def autograd_reference(x, targets, w1, b1, w2, b2):
    """The same model built from nn.Linear layers, differentiated by torch.autograd."""
    first, second = torch.nn.Linear(w1.shape[1], w1.shape[0]).double(), torch.nn.Linear(w2.shape[1], w2.shape[0]).double()
    with torch.no_grad():
        first.weight.copy_(w1), first.bias.copy_(b1), second.weight.copy_(w2), second.bias.copy_(b2)
    loss = F.cross_entropy(second(torch.tanh(first(x))), targets)
    grads = torch.autograd.grad(loss, [first.weight, first.bias, second.weight, second.bias])
    return {"loss": loss.detach(), **dict(zip(["w1", "b1", "w2", "b2"], grads))}


@pytest.mark.parametrize("batch", [1, 7])
def test_reference_matches_autograd_on_nn_linear(batch):
    gen = torch.Generator().manual_seed(batch)
    x = torch.randn(batch, 5, generator=gen, dtype=torch.float64)
    targets = torch.randint(0, 3, (batch,), generator=gen)
    w1, b1 = torch.randn(6, 5, generator=gen, dtype=torch.float64), torch.randn(6, generator=gen, dtype=torch.float64)
    w2, b2 = torch.randn(3, 6, generator=gen, dtype=torch.float64), torch.randn(3, generator=gen, dtype=torch.float64)
    mine, theirs = mlp_backward(x, targets, w1, b1, w2, b2), autograd_reference(x, targets, w1, b1, w2, b2)
    assert mine.keys() == theirs.keys()
    for key in theirs:
        torch.testing.assert_close(mine[key], theirs[key], atol=1e-13, rtol=1e-11)


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("mlp_backward", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("mlp_backward", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)


def test_autograd_would_have_passed_had_it_been_allowed(tmp_path, warm_pool):
    """The refusals above are what stops the autograd submissions: the same code with the
    exercise's forbidden list emptied passes, so these tests do test the refusal."""
    exercise = dataclasses.replace(PACK.exercises["mlp_backward"], forbidden=[])
    source, _ = WRONG["hides .backward and .grad behind getattr"]
    path = tmp_path / "mlp_backward.py"
    path.write_text(textwrap.dedent(source))
    assert grade(exercise, path, warm_pool).passed
