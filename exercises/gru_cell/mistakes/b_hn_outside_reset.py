import torch


def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    H = h.shape[1]
    i_r, i_z, i_n = (x @ w_ih.T + b_ih).chunk(3, dim=1)
    h_r, h_z, h_n = (h @ w_hh.T).chunk(3, dim=1)
    b_hr, b_hz, b_hn = b_hh[:H], b_hh[H:2 * H], b_hh[2 * H:]
    r = torch.sigmoid(i_r + h_r + b_hr)
    z = torch.sigmoid(i_z + h_z + b_hz)
    n = torch.tanh(i_n + r * h_n + b_hn)
    return (1 - z) * n + z * h
