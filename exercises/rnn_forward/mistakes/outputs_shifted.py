import torch


def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh):
    h = x.new_zeros(x.shape[1], w_hh.shape[0]) if h0 is None else h0
    states = []
    for x_t in x:
        states.append(h)
        h = torch.tanh(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
    return torch.stack(states), h
