import torch


def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh):
    """Return (outputs (L, B, H), h_last (B, H)) of a tanh RNN over x (L, B, I); the statement: `bertstudy exercise start rnn_forward`."""
    # TODO: the initial state: h0, or zeros (B, H) when h0 is None
    # TODO: loop over time; each step reads x[t] and the PREVIOUS state (weights are (out, in))
    # TODO: collect every new state; return them stacked, and the last one
    raise NotImplementedError("write rnn_forward")
