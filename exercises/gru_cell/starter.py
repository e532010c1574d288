import torch


def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    """Return h_next (B, H) of one nn.GRUCell step; the statement: `bertstudy exercise start gru_cell`."""
    # TODO: the input's and the hidden state's projections, each (B, 3H); weights are (out, in)
    # TODO: split each into r, z, n blocks (PyTorch's order); the reset and update gates
    # TODO: the candidate n, with the reset gate on the whole hidden term, b_hn included
    # TODO: mix the candidate and the old state with the update gate
    raise NotImplementedError("write gru_cell")
