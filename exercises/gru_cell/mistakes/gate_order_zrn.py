import torch


def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    i_z, i_r, i_n = (x @ w_ih.T + b_ih).chunk(3, dim=1)
    h_z, h_r, h_n = (h @ w_hh.T + b_hh).chunk(3, dim=1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h
