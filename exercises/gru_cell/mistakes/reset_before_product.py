import torch


def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    H = h.shape[1]
    i_r, i_z, i_n = (x @ w_ih.T + b_ih).chunk(3, dim=1)
    r = torch.sigmoid(i_r + h @ w_hh[:H].T + b_hh[:H])
    z = torch.sigmoid(i_z + h @ w_hh[H:2 * H].T + b_hh[H:2 * H])
    n = torch.tanh(i_n + (r * h) @ w_hh[2 * H:].T + b_hh[2 * H:])
    return (1 - z) * n + z * h
