import torch


def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    """One nn.GRUCell step: returns h_next, (B, H)."""
    i_r, i_z, i_n = (x @ w_ih.T + b_ih).chunk(3, dim=1)  # each (B, H), in PyTorch's order
    h_r, h_z, h_n = (h @ w_hh.T + b_hh).chunk(3, dim=1)  # h_n includes b_hn
    r = torch.sigmoid(i_r + h_r)  # reset gate
    z = torch.sigmoid(i_z + h_z)  # update gate
    n = torch.tanh(i_n + r * h_n)  # the reset scales the whole hidden term
    return (1 - z) * n + z * h
