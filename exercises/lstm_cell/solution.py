import torch


def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One nn.LSTMCell step: returns (h_next, c_next), both (B, H)."""
    gates = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh  # (B, 4H)
    i, f, g, o = gates.chunk(4, dim=1)  # each (B, H), in PyTorch's order
    i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)  # gates in (0, 1)
    g = torch.tanh(g)  # candidate content in (-1, 1)
    c_next = f * c + i * g
    h_next = o * torch.tanh(c_next)
    return h_next, c_next
