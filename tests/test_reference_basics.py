"""The basics of the reference against PyTorch's own functions and modules, the scalar autograd
against torch.autograd, and the hand-derived MLP backward against autograd (float64, tight)."""

from __future__ import annotations

import math
import random

import pytest
import torch
import torch.nn.functional as F

from bertstudy.reference import autograd, basics, mlp
from bertstudy.reference.autograd import MLP, Value


def randn(*shape, seed=0, dtype=torch.float64, scale=1.0, requires_grad=False):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=gen, dtype=dtype) * scale).requires_grad_(requires_grad)


def assert_same_function(mine, theirs, x, **tolerance):
    """Equal values and equal gradients (for a random cotangent) at x."""
    x = x.detach().requires_grad_(True)
    a, b = mine(x), theirs(x)
    torch.testing.assert_close(a, b, **tolerance)
    probe = torch.randn_like(a)
    (ga,) = torch.autograd.grad((a * probe).sum(), x)
    (gb,) = torch.autograd.grad((b * probe).sum(), x)
    torch.testing.assert_close(ga, gb, **tolerance)


# ---- GELU, softmax, cross-entropy, normalisation ------------------------------------------------

@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_gelu_matches_torch_exact(dtype):
    x = torch.cat([randn(200, seed=1, dtype=dtype, scale=3.0), torch.tensor([0.0, -30.0, 30.0, 2.7, -2.7], dtype=dtype)])
    assert_same_function(basics.gelu, F.gelu, x)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_gelu_tanh_matches_torch_tanh_approximation(dtype):
    x = randn(4, 50, seed=2, dtype=dtype, scale=3.0)
    assert_same_function(basics.gelu_tanh, lambda t: F.gelu(t, approximate="tanh"), x)


def test_the_two_gelus_differ_by_at_most_5e_4_near_2_7():
    x = torch.linspace(-8, 8, 160_001, dtype=torch.float64)
    gap = (basics.gelu(x) - basics.gelu_tanh(x)).abs()
    assert 4.5e-4 < gap.max().item() < 5e-4
    assert 2.6 < abs(x[gap.argmax()].item()) < 2.8


def test_gelu_module_matches_nn_gelu():
    x = randn(3, 7, seed=3)
    assert_same_function(basics.GELU(), torch.nn.GELU(), x)
    assert list(basics.GELU().parameters()) == []


def test_softmax_matches_torch_and_survives_large_logits():
    x = randn(4, 9, seed=4, scale=5.0)
    assert_same_function(basics.softmax, lambda t: torch.softmax(t, dim=-1), x)
    big = torch.tensor([[1000.0, 999.0, -1000.0]])
    torch.testing.assert_close(basics.softmax(big), torch.softmax(big, dim=-1))


@pytest.mark.parametrize("ignore_index", [-100, 0])
def test_cross_entropy_matches_f_cross_entropy_with_ignore_index(ignore_index):
    logits = randn(8, 5, seed=5, scale=3.0, requires_grad=True)
    targets = torch.tensor([1, -100, 4, 0, -100, 2, 3, 0])
    if ignore_index == 0:  # class 0 itself is ignored: here the -100s become 0s too
        targets = targets.clamp_min(0)
    mine = basics.cross_entropy(logits, targets, ignore_index=ignore_index)
    theirs = F.cross_entropy(logits, targets, ignore_index=ignore_index)
    torch.testing.assert_close(mine, theirs)
    torch.testing.assert_close(torch.autograd.grad(mine, logits)[0], torch.autograd.grad(theirs, logits)[0])


def test_cross_entropy_is_exact_for_logits_around_1000():
    logits = torch.tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], dtype=torch.float64)
    targets = torch.tensor([1, 2])
    torch.testing.assert_close(basics.cross_entropy(logits, targets), F.cross_entropy(logits, targets))


def test_layer_norm_matches_nn_layer_norm():
    ln = torch.nn.LayerNorm(6, eps=1e-12, dtype=torch.float64)
    with torch.no_grad():
        ln.weight.copy_(randn(6, seed=6))
        ln.bias.copy_(randn(6, seed=7))
    x = randn(2, 3, 6, seed=8, scale=4.0)
    assert_same_function(lambda t: basics.layer_norm(t, ln.weight, ln.bias), ln, x)


def test_batch_norm_matches_nn_batch_norm_in_training_mode():
    bn = torch.nn.BatchNorm1d(5, dtype=torch.float64).train()
    with torch.no_grad():
        bn.weight.copy_(randn(5, seed=9))
        bn.bias.copy_(randn(5, seed=10))
    x = randn(7, 5, seed=11, scale=3.0) + torch.arange(5.0, dtype=torch.float64)
    assert_same_function(lambda t: basics.batch_norm(t, bn.weight, bn.bias), bn, x)


def test_batch_norm_and_layer_norm_normalise_different_axes():
    x = randn(16, 8, seed=12, scale=3.0) + torch.arange(8.0, dtype=torch.float64) * 5
    ones, zeros = torch.ones(8, dtype=torch.float64), torch.zeros(8, dtype=torch.float64)
    by_feature = basics.batch_norm(x, ones, zeros)
    by_example = basics.layer_norm(x, ones, zeros)
    torch.testing.assert_close(by_feature.mean(0), zeros, atol=1e-12, rtol=0)
    torch.testing.assert_close(by_feature.var(0, unbiased=False), ones, atol=1e-4, rtol=0)
    torch.testing.assert_close(by_example.mean(1), torch.zeros(16, dtype=torch.float64), atol=1e-12, rtol=0)
    assert by_example.mean(0).abs().max() > 0.5  # LayerNorm leaves the features' means apart


# ---- the scalar autograd -------------------------------------------------------------------------

UNARY = ["tanh", "exp", "log", "relu", "sigmoid", "neg", "square", "cube", "reciprocal"]
BINARY = ["+", "-", "*", "/"]


def random_program(rng: random.Random, n_inputs: int, n_ops: int) -> list[tuple]:
    """Random steps over a growing list of intermediate values; log and / get safe operands."""
    program, size = [], n_inputs
    for _ in range(n_ops):
        if rng.random() < 0.5:
            program.append(("unary", rng.choice(UNARY), rng.randrange(size)))
        else:
            program.append(("binary", rng.choice(BINARY), rng.randrange(size), rng.randrange(size)))
        size += 1
    return program


def execute(program, inputs, exp, log, tanh, relu, sigmoid):
    values = list(inputs)
    for step in program:
        if step[0] == "unary":
            _, op, i = step
            a = values[i]
            if op == "log":
                out = log(a * a + 1.0)  # keeps the argument positive
            elif op == "exp":
                out = exp(tanh(a))  # keeps the values small
            elif op == "reciprocal":
                out = 1.0 / (a * a + 0.5)
            else:
                out = {"tanh": tanh, "relu": relu, "sigmoid": sigmoid, "neg": lambda t: -t,
                       "square": lambda t: t ** 2, "cube": lambda t: t ** 3}[op](a)
        else:
            _, op, i, j = step
            a, b = values[i], values[j]
            out = {"+": a + b, "-": a - b, "*": a * b, "/": a / (b * b + 1.0)}[op]
        values.append(out)
    return sum(values[len(inputs):], values[0] * 0.0)  # every step reaches the result


@pytest.mark.parametrize("seed", range(12))
def test_value_gradients_match_torch_autograd_on_random_expressions(seed):
    rng = random.Random(seed)
    program = random_program(rng, n_inputs=4, n_ops=25)
    start = [rng.uniform(-1.5, 1.5) for _ in range(4)]
    mine = [Value(v) for v in start]
    result = execute(program, mine, Value.exp, Value.log, Value.tanh, Value.relu, Value.sigmoid)
    result.backward()
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in start]
    expected = execute(program, theirs, torch.exp, torch.log, torch.tanh, torch.relu, torch.sigmoid)
    grads = torch.autograd.grad(expected, theirs, allow_unused=True)
    assert result.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-12)
    for value, grad in zip(mine, grads):
        assert value.grad == pytest.approx(0.0 if grad is None else grad.item(), rel=1e-10, abs=1e-12)


def test_a_value_used_twice_collects_both_gradients():
    x = Value(3.0)
    y = x * x + x  # dy/dx = 2x + 1
    y.backward()
    assert x.grad == 7.0


def test_backward_handles_a_deep_graph_without_recursion():
    x = Value(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001 ** 5000)
    assert len(autograd.topological_order(y)) == 1 + 2 * 5000  # x, then each constant and product


def torch_mlp_loss(model: MLP, points, targets):
    """The scalar MLP's mean squared error, computed by torch from the same weights."""
    params = [torch.tensor(p.data, dtype=torch.float64, requires_grad=True) for p in model.parameters()]
    it = iter(params)
    layers = []
    for layer in model.layers:
        rows = []
        for neuron in layer.neurons:
            w = torch.stack([next(it) for _ in neuron.w])
            rows.append((w, next(it)))
        layers.append(rows)
    total = 0.0
    for x, t in zip(points, targets):
        out = torch.tensor(x, dtype=torch.float64)
        for i, rows in enumerate(layers):
            z = torch.stack([w @ out + b for w, b in rows])
            out = torch.tanh(z) if i < len(layers) - 1 else z
        total = total + (out[0] - t) ** 2
    return total / len(points), params


def test_scalar_mlp_gradients_match_torch_autograd():
    model = MLP(3, [5, 4, 1], seed=7)
    rng = random.Random(1)
    points = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(6)]
    targets = [rng.choice([-1.0, 1.0]) for _ in points]
    loss = autograd.mean((model(x)[0] - t) ** 2 for x, t in zip(points, targets))
    loss.backward()
    expected, params = torch_mlp_loss(model, points, targets)
    grads = torch.autograd.grad(expected, params)
    assert loss.data == pytest.approx(expected.item(), rel=1e-12)
    assert len(model.parameters()) == 3 * 5 + 5 + 5 * 4 + 4 + 4 + 1
    for p, g in zip(model.parameters(), grads):
        assert p.grad == pytest.approx(g.item(), rel=1e-10, abs=1e-13)
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_scalar_mlp_names_its_parameters_in_order():
    model = MLP(2, [3, 1])
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["L1.n0.w0", "L1.n0.w1", "L1.n0.b"] and names[-1] == "L2.n0.b"
    assert [p for _, p in model.named_parameters()] == model.parameters()


# ---- the MLP backward by hand ----------------------------------------------------------------------

def mlp_inputs(batch, d_in, hidden, classes, seed, dtype=torch.float64, scale=0.5):
    gen = torch.Generator().manual_seed(seed)
    make = lambda *shape: (torch.randn(shape, generator=gen, dtype=torch.float64) * scale).to(dtype)  # noqa: E731
    x = make(batch, d_in) / scale
    targets = torch.randint(0, classes, (batch,), generator=gen)
    return x, targets, make(hidden, d_in), make(hidden), make(classes, hidden), make(classes)


def autograd_mlp(x, targets, w1, b1, w2, b2):
    params = [t.detach().clone().requires_grad_(True) for t in (w1, b1, w2, b2)]
    p_w1, p_b1, p_w2, p_b2 = params
    loss = F.cross_entropy(torch.tanh(x @ p_w1.T + p_b1) @ p_w2.T + p_b2, targets)
    grads = torch.autograd.grad(loss, params)
    return {"loss": loss.detach(), **dict(zip(["w1", "b1", "w2", "b2"], grads))}


@pytest.mark.parametrize("sizes", [(1, 3, 4, 2), (8, 5, 7, 3), (32, 2, 16, 4)])
def test_mlp_backward_by_hand_matches_autograd_in_float64(sizes):
    inputs = mlp_inputs(*sizes, seed=sum(sizes))
    mine, theirs = mlp.mlp_backward(*inputs), autograd_mlp(*inputs)
    assert list(mine) == ["loss", "w1", "b1", "w2", "b2"]
    for key in theirs:
        torch.testing.assert_close(mine[key], theirs[key], atol=1e-13, rtol=1e-11)
        assert mine[key].dtype == torch.float64


def test_mlp_backward_in_float32_and_with_large_logits():
    inputs = mlp_inputs(6, 4, 5, 3, seed=3, dtype=torch.float32)
    for key, value in autograd_mlp(*inputs).items():
        torch.testing.assert_close(mlp.mlp_backward(*inputs)[key], value)
    x, targets, w1, b1, w2, b2 = mlp_inputs(6, 4, 5, 3, seed=4, dtype=torch.float32)
    w2 = w2 * 400  # logits in the hundreds: a naive exp() would overflow
    mine = mlp.mlp_backward(x, targets, w1, b1, w2, b2)
    assert all(torch.isfinite(v).all() for v in mine.values())
    for key, value in autograd_mlp(x, targets, w1, b1, w2, b2).items():
        torch.testing.assert_close(mine[key], value, rtol=1e-5, atol=1e-4)


def test_mlp_backward_leaves_its_inputs_alone_and_matches_finite_differences():
    inputs = mlp_inputs(5, 3, 4, 3, seed=5)
    copies = [t.clone() for t in inputs]
    grads = mlp.mlp_backward(*inputs)
    for before, after in zip(copies, inputs):
        assert torch.equal(before, after)
    x, targets, w1, b1, w2, b2 = inputs
    h = 1e-6
    for i, j in [(0, 0), (2, 1), (3, 2)]:
        plus, minus = w1.clone(), w1.clone()
        plus[i, j] += h
        minus[i, j] -= h
        numeric = (mlp.mlp_backward(x, targets, plus, b1, w2, b2)["loss"]
                   - mlp.mlp_backward(x, targets, minus, b1, w2, b2)["loss"]) / (2 * h)
        assert math.isclose(numeric.item(), grads["w1"][i, j].item(), rel_tol=1e-6, abs_tol=1e-9)
