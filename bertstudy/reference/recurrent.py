"""Recurrent networks in PyTorch's layout: the RNN, LSTM and GRU cells, the layers that run them
over a sequence, stacked and bidirectional (Elman 1990; Hochreiter & Schmidhuber 1997;
Cho et al. 2014; the equations and weight layout of PyTorch's nn.RNN, nn.LSTM and nn.GRU).

A cell maps one input step and the previous state to the next state. A layer runs a cell along
the time axis, from an initial state, and returns every hidden state plus the final state. A
stack feeds each layer's outputs to the next layer; a bidirectional layer runs a second cell over
the reversed sequence and concatenates the two directions at each position. Weights have the
shapes and names of PyTorch's modules (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, with
`_reverse` for the backward direction), so state dicts load in both directions.
Leaves out: ReLU RNNs, bias=False, projections (proj_size), dropout between layers, packed
(variable-length) sequences, fused kernels.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]  # h, or (h, c) for the LSTM
GATES = {"rnn": 1, "lstm": 4, "gru": 3}  # how many (H, ·) blocks each cell stacks in its weights


def rnn_cell(
    x: torch.Tensor, h: torch.Tensor,
    w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor, b_hh: torch.Tensor,
) -> torch.Tensor:
    """One step of an Elman RNN with tanh, as nn.RNNCell computes it.

    x (B, I), h (B, H); w_ih (H, I), w_hh (H, H), b_ih and b_hh (H,). Returns h_next (B, H):

        h_next = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)
    """
    return torch.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)  # (B, H)


def lstm_cell(
    x: torch.Tensor, h: torch.Tensor, c: torch.Tensor,
    w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor, b_hh: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One LSTM step, as nn.LSTMCell computes it.

    x (B, I) the input, h and c (B, H) the previous hidden and cell states; w_ih (4H, I),
    w_hh (4H, H), b_ih and b_hh (4H,), each packed as the rows of the input gate i, the forget
    gate f, the candidate g and the output gate o. Returns (h_next, c_next), both (B, H):

        i, f, o = σ(x W_iᵀ + b_i + h W_hᵀ + b_h) per gate;  g = tanh(same)
        c_next = f ⊙ c + i ⊙ g;  h_next = o ⊙ tanh(c_next)
    """
    gates = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh  # (B, 4H)
    i, f, g, o = gates.chunk(4, dim=-1)  # four (B, H) blocks, in PyTorch's order
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_next = f * c + i * g  # (B, H): keep part of the old memory, write part of the candidate
    h_next = o * torch.tanh(c_next)  # (B, H): expose part of the new memory
    return h_next, c_next


def gru_cell(
    x: torch.Tensor, h: torch.Tensor,
    w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor, b_hh: torch.Tensor,
) -> torch.Tensor:
    """One GRU step, as nn.GRUCell computes it.

    x (B, I), h (B, H); w_ih (3H, I), w_hh (3H, H), b_ih and b_hh (3H,), each packed as the rows
    of the reset gate r, the update gate z and the candidate n. Returns h_next (B, H):

        r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr)
        z = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz)
        n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn))
        h_next = (1 − z) ⊙ n + z ⊙ h

    PyTorch resets the hidden term after its matrix product and bias, r ⊙ (h W_hnᵀ + b_hn);
    Cho et al. (2014) and d2l reset h first, (r ⊙ h) W_hnᵀ. The two are different functions.
    """
    x_r, x_z, x_n = (x @ w_ih.T + b_ih).chunk(3, dim=-1)  # three (B, H) blocks: r, z, n
    h_r, h_z, h_n = (h @ w_hh.T + b_hh).chunk(3, dim=-1)  # three (B, H) blocks: r, z, n
    r = torch.sigmoid(x_r + h_r)  # (B, H): how much of the past the candidate may read
    z = torch.sigmoid(x_z + h_z)  # (B, H): how much of the past to keep as it is
    n = torch.tanh(x_n + r * h_n)  # (B, H): the candidate, with b_hn inside the reset
    return (1 - z) * n + z * h  # (B, H)


def scan(step: Callable[[torch.Tensor, State], State], x: torch.Tensor, state: State,
         batch_first: bool = False) -> tuple[torch.Tensor, State]:
    """Run `step(x_t, state) -> state` along the time axis of x, (L, B, I) or (B, L, I) when
    batch_first. Returns the hidden state of every step, (L, B, H) (or (B, L, H)), and the final
    state; for an LSTM the state is (h, c) and the outputs are the h's."""
    steps = x.transpose(0, 1) if batch_first else x  # (L, B, I)
    outputs = []
    for x_t in steps.unbind(0):  # one (B, I) slice per step, in order: this loop cannot be parallel
        state = step(x_t, state)
        outputs.append(state[0] if isinstance(state, tuple) else state)  # (B, H)
    out = torch.stack(outputs)  # (L, B, H)
    return (out.transpose(0, 1) if batch_first else out), state


def _zeros(x: torch.Tensor, w_hh: torch.Tensor, batch_first: bool) -> torch.Tensor:
    batch = x.size(0 if batch_first else 1)
    return x.new_zeros(batch, w_hh.size(1))  # (B, H)


def rnn_forward(
    x: torch.Tensor, h0: torch.Tensor | None,
    w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor, b_hh: torch.Tensor,
    batch_first: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """A tanh RNN layer over a sequence: x (L, B, I) (or (B, L, I) when batch_first), h0 (B, H)
    or None for zeros; weights as in rnn_cell. Returns (outputs, h_n): every hidden state
    h_1 … h_L, (L, B, H) (or (B, L, H)), and the last one, (B, H)."""
    h0 = _zeros(x, w_hh, batch_first) if h0 is None else h0
    return scan(lambda x_t, h: rnn_cell(x_t, h, w_ih, w_hh, b_ih, b_hh), x, h0, batch_first)


def lstm_forward(
    x: torch.Tensor, h0: torch.Tensor | None, c0: torch.Tensor | None,
    w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor, b_hh: torch.Tensor,
    batch_first: bool = False,
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    """An LSTM layer over a sequence, as rnn_forward with a cell state: returns
    (outputs, (h_n, c_n)); outputs are the hidden states h_1 … h_L."""
    h0 = _zeros(x, w_hh, batch_first) if h0 is None else h0
    c0 = torch.zeros_like(h0) if c0 is None else c0
    return scan(lambda x_t, s: lstm_cell(x_t, *s, w_ih, w_hh, b_ih, b_hh), x, (h0, c0), batch_first)


def gru_forward(
    x: torch.Tensor, h0: torch.Tensor | None,
    w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor, b_hh: torch.Tensor,
    batch_first: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """A GRU layer over a sequence, as rnn_forward: returns (outputs, h_n)."""
    h0 = _zeros(x, w_hh, batch_first) if h0 is None else h0
    return scan(lambda x_t, h: gru_cell(x_t, h, w_ih, w_hh, b_ih, b_hh), x, h0, batch_first)


def _layer(mode: str, x: torch.Tensor, state: State, weights: list[torch.Tensor]) -> tuple[torch.Tensor, State]:
    """One direction of one layer, time-major."""
    if mode == "lstm":
        return lstm_forward(x, *state, *weights)
    return (rnn_forward if mode == "rnn" else gru_forward)(x, state, *weights)


def bidirectional_layer(
    mode: str, x: torch.Tensor, forward_state: State, backward_state: State,
    forward_weights: list[torch.Tensor], backward_weights: list[torch.Tensor],
) -> tuple[torch.Tensor, tuple[State, State]]:
    """Run one direction over x (L, B, I) and the other over x read backwards; concatenate the
    two hidden states of each position, (L, B, 2H). The backward direction's final state is the
    one after reading the FIRST position. Returns (outputs, (forward final, backward final))."""
    out_f, last_f = _layer(mode, x, forward_state, forward_weights)  # (L, B, H): position t has read x_1 … x_t
    out_b, last_b = _layer(mode, x.flip(0), backward_state, backward_weights)  # (L, B, H), in reversed time
    return torch.cat([out_f, out_b.flip(0)], dim=-1), (last_f, last_b)  # position t: [x_1 … x_t ; x_t … x_L]


def recurrent_forward(
    mode: str, x: torch.Tensor, hx: State | None, weights: dict[str, torch.Tensor],
    num_layers: int = 1, bidirectional: bool = False, batch_first: bool = False,
) -> tuple[torch.Tensor, State]:
    """What nn.RNN / nn.LSTM / nn.GRU (`mode` "rnn", "lstm", "gru") compute in forward.

    x (L, B, I) or (B, L, I) when batch_first; hx None (zeros) or h0 (D·num_layers, B, H), and
    for the LSTM (h0, c0), with D = 2 when bidirectional, else 1, and row layer·D + direction per
    layer and direction; weights keyed by PyTorch's parameter names. Layer k > 0 reads the
    outputs of layer k − 1, (L, B, D·H). Returns (output, h_n) or, for the LSTM,
    (output, (h_n, c_n)): output (L, B, D·H) (batch first if asked), the top layer's hidden states;
    h_n and c_n (D·num_layers, B, H), the final state of every layer and direction.
    """
    seq = x.transpose(0, 1) if batch_first else x  # (L, B, I)
    directions = 2 if bidirectional else 1
    hidden = weights["weight_hh_l0"].size(1)
    if hx is None:
        zeros = seq.new_zeros(num_layers * directions, seq.size(1), hidden)  # (D·layers, B, H)
        hx = (zeros, zeros) if mode == "lstm" else zeros

    def initial(index: int) -> State:
        return (hx[0][index], hx[1][index]) if mode == "lstm" else hx[index]

    def params(layer: int, reverse: bool) -> list[torch.Tensor]:
        suffix = f"_l{layer}" + ("_reverse" if reverse else "")
        return [weights[name + suffix] for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]

    finals: list[State] = []
    for layer in range(num_layers):
        if bidirectional:
            seq, (last_f, last_b) = bidirectional_layer(mode, seq, initial(2 * layer), initial(2 * layer + 1),
                                                        params(layer, False), params(layer, True))  # (L, B, 2H)
            finals += [last_f, last_b]
        else:
            seq, last = _layer(mode, seq, initial(layer), params(layer, False))  # (L, B, H)
            finals.append(last)
    output = seq.transpose(0, 1) if batch_first else seq
    if mode == "lstm":
        return output, (torch.stack([h for h, _ in finals]), torch.stack([c for _, c in finals]))  # (D·layers, B, H) each
    return output, torch.stack(finals)  # (D·layers, B, H)


class Recurrent(nn.Module):
    """A stack of recurrent layers with nn.RNN / nn.LSTM / nn.GRU's parameter names, shapes and
    default initialisation (every weight and bias uniform in ±1/√H), so
    `load_state_dict(torch_module.state_dict())` works both ways. Subclasses set `mode`."""

    mode = "rnn"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bidirectional: bool = False, batch_first: bool = False) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bidirectional, self.batch_first = bidirectional, batch_first
        rows = GATES[self.mode] * hidden_size  # the gates' blocks stacked
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            columns = input_size if layer == 0 else directions * hidden_size
            for suffix in ("", "_reverse")[:directions]:
                self.register_parameter(f"weight_ih_l{layer}{suffix}", nn.Parameter(torch.empty(rows, columns)))
                self.register_parameter(f"weight_hh_l{layer}{suffix}", nn.Parameter(torch.empty(rows, hidden_size)))
                self.register_parameter(f"bias_ih_l{layer}{suffix}", nn.Parameter(torch.empty(rows)))
                self.register_parameter(f"bias_hh_l{layer}{suffix}", nn.Parameter(torch.empty(rows)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x: torch.Tensor, hx: State | None = None) -> tuple[torch.Tensor, State]:
        return recurrent_forward(self.mode, x, hx, dict(self.named_parameters()), self.num_layers,
                                 self.bidirectional, self.batch_first)


class RNN(Recurrent):
    """nn.RNN with tanh: forward(x, h0=None) -> (output, h_n)."""

    mode = "rnn"


class LSTM(Recurrent):
    """nn.LSTM: forward(x, (h0, c0)=None) -> (output, (h_n, c_n))."""

    mode = "lstm"


class GRU(Recurrent):
    """nn.GRU: forward(x, h0=None) -> (output, h_n)."""

    mode = "gru"


class GRUCell(nn.Module):
    """nn.GRUCell's parameters (weight_ih, weight_hh, bias_ih, bias_hh) and initialisation around
    gru_cell: forward(x (B, I), h (B, H)) -> h_next (B, H)."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        bound = 1 / math.sqrt(hidden_size)
        self.weight_ih = nn.Parameter(torch.empty(3 * hidden_size, input_size).uniform_(-bound, bound))
        self.weight_hh = nn.Parameter(torch.empty(3 * hidden_size, hidden_size).uniform_(-bound, bound))
        self.bias_ih = nn.Parameter(torch.empty(3 * hidden_size).uniform_(-bound, bound))
        self.bias_hh = nn.Parameter(torch.empty(3 * hidden_size).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        return gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
