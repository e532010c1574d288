import torch


def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh):
    """A tanh RNN over x (L, B, I): returns (outputs (L, B, H), h_last (B, H))."""
    h = x.new_zeros(x.shape[1], w_hh.shape[0]) if h0 is None else h0  # (B, H)
    states = []
    for x_t in x:  # (B, I), one step at a time
        h = torch.tanh(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
        states.append(h)
    return torch.stack(states), h
