"""Recurrent cells in PyTorch's layout (Hochreiter & Schmidhuber 1997; PyTorch's nn.LSTMCell docs).

This module will hold the RNN, LSTM and GRU cells and the layers that run them over a sequence,
each with the weight layout of PyTorch's own modules, so weights can be copied between them. For
now it holds `lstm_cell`: one step of an LSTM, gates packed in the order i, f, g, o.
Leaves out: the RNN and GRU cells, layers over time, projections (proj_size), dropout, fused kernels.
"""

from __future__ import annotations

import torch


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
