"""Reverse-mode automatic differentiation on scalars, small enough to read in one sitting.

A `Value` holds one number (`data`), the gradient of the final result with respect to it (`grad`),
the Values it was computed from (`children`), the operation that made it (`op`) and the local
derivative of that operation with respect to each child (`local_grads`). `backward()` visits the
graph in reverse topological order and applies the chain rule,

    child.grad += local_grad · node.grad,

so a Value used several times collects the sum of the gradients along every path. This is what
torch.autograd does, one tensor operation at a time instead of one number at a time. On top of it
sit a Neuron, a Layer and an MLP of scalars (the backprop-autograd topic and its demo).

Leaves out: tensors (every number is its own node, so it is slow), a Value as an exponent,
second derivatives, and freeing the graph after backward (as in PyTorch, leaf gradients accumulate
across calls until zero_grad()).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence

Number = int | float


class Value:
    """A scalar node of a computational graph."""

    def __init__(self, data: Number, children: Sequence[Value] = (), op: str = "",
                 local_grads: Sequence[float] = (), label: str = ""):
        self.data = float(data)
        self.grad = 0.0  # d(result) / d(self), filled in by backward()
        self.children = tuple(children)
        self.op = op
        self.local_grads = tuple(local_grads)  # d(self) / d(child), one per child
        self.label = label

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    # Each operation computes its result and records the local derivative with respect to each
    # input, evaluated at the forward values: that is all backward() needs.

    def __add__(self, other: Value | Number) -> Value:
        other = as_value(other)
        return Value(self.data + other.data, (self, other), "+", (1.0, 1.0))

    def __mul__(self, other: Value | Number) -> Value:
        other = as_value(other)
        return Value(self.data * other.data, (self, other), "*", (other.data, self.data))

    def __pow__(self, exponent: Number) -> Value:
        if not isinstance(exponent, (int, float)):
            raise TypeError("only a number may be an exponent of a Value")
        return Value(self.data ** exponent, (self,), f"**{exponent}", (exponent * self.data ** (exponent - 1),))

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Value | Number) -> Value:
        return self + (-as_value(other))

    def __truediv__(self, other: Value | Number) -> Value:
        return self * as_value(other) ** -1

    def __radd__(self, other: Number) -> Value:  # 2 + v
        return self + other

    def __rmul__(self, other: Number) -> Value:  # 2 * v
        return self * other

    def __rsub__(self, other: Number) -> Value:  # 2 - v
        return as_value(other) - self

    def __rtruediv__(self, other: Number) -> Value:  # 2 / v
        return as_value(other) / self

    def exp(self) -> Value:
        e = math.exp(self.data)
        return Value(e, (self,), "exp", (e,))  # d e^x / dx = e^x

    def log(self) -> Value:
        return Value(math.log(self.data), (self,), "log", (1.0 / self.data,))  # d ln x / dx = 1/x

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return Value(t, (self,), "tanh", (1.0 - t * t,))  # d tanh x / dx = 1 - tanh² x

    def sigmoid(self) -> Value:
        s = 0.5 * (1.0 + math.tanh(0.5 * self.data))  # 1 / (1 + e^-x), without overflow for large |x|
        return Value(s, (self,), "sigmoid", (s * (1.0 - s),))  # σ' = σ (1 - σ)

    def relu(self) -> Value:
        positive = self.data > 0
        return Value(self.data if positive else 0.0, (self,), "relu", (1.0 if positive else 0.0,))  # 0 at x = 0

    def backward(self) -> None:
        """Fill in `grad` of every Value this one depends on: d(self) / d(that Value)."""
        order = topological_order(self)  # children before the nodes made from them
        self.grad = 1.0  # d self / d self
        for node in reversed(order):  # from the result back towards the leaves
            for child, local in zip(node.children, node.local_grads):
                child.grad += local * node.grad  # the chain rule; += sums over paths


def as_value(x: Value | Number) -> Value:
    return x if isinstance(x, Value) else Value(x)


def topological_order(root: Value) -> list[Value]:
    """Every Value `root` depends on, each after all of its children (iterative depth-first search,
    so deep graphs do not hit Python's recursion limit)."""
    order: list[Value] = []
    visited: set[int] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))  # comes back once its children are placed
        stack.extend((child, False) for child in node.children if id(child) not in visited)
    return order


class Neuron:
    """act(w · x + b) for a list of input Values; `nonlinear=False` leaves out the tanh."""

    def __init__(self, n_in: int, rng: random.Random, nonlinear: bool = True):
        scale = 1.0 / math.sqrt(n_in)
        self.w = [Value(rng.uniform(-scale, scale)) for _ in range(n_in)]
        self.b = Value(0.0)
        self.nonlinear = nonlinear

    def __call__(self, x: Sequence[Value | Number]) -> Value:
        z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)  # w · x + b
        return z.tanh() if self.nonlinear else z

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]


class Layer:
    """n_out Neurons that all read the same inputs."""

    def __init__(self, n_in: int, n_out: int, rng: random.Random, nonlinear: bool = True):
        self.neurons = [Neuron(n_in, rng, nonlinear) for _ in range(n_out)]

    def __call__(self, x: Sequence[Value | Number]) -> list[Value]:
        return [neuron(x) for neuron in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for neuron in self.neurons for p in neuron.parameters()]


class MLP:
    """Layers of sizes n_in → sizes[0] → ... → sizes[-1]: tanh after every layer but the last."""

    def __init__(self, n_in: int, sizes: Sequence[int], seed: int = 0):
        rng = random.Random(seed)
        widths = [n_in, *sizes]
        self.layers = [Layer(widths[i], widths[i + 1], rng, nonlinear=i < len(sizes) - 1)
                       for i in range(len(sizes))]

    def __call__(self, x: Sequence[Value | Number]) -> list[Value]:
        out: Sequence[Value | Number] = x
        for layer in self.layers:
            out = layer(out)
        return list(out)  # type: ignore[arg-type]

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """("L1.n0.w1", Value), ...: layer (from 1), neuron, and weight index or "b" for the bias."""
        named = []
        for i, layer in enumerate(self.layers, start=1):
            for j, neuron in enumerate(layer.neurons):
                named += [(f"L{i}.n{j}.w{k}", w) for k, w in enumerate(neuron.w)]
                named.append((f"L{i}.n{j}.b", neuron.b))
        return named

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0


def mean(values: Iterable[Value]) -> Value:
    values = list(values)
    return sum(values, Value(0.0)) / len(values)
