import torch


def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """Return (h_next, c_next) of one nn.LSTMCell step; the statement: `bertstudy exercise start lstm_cell`."""
    # TODO: the pre-activation of all four gates at once, (B, 4H); weights are (out, in)
    # TODO: split into i, f, g, o (PyTorch's order); sigmoid on the gates, tanh on g
    # TODO: the new cell, then the new hidden state from it
    raise NotImplementedError("write lstm_cell")
