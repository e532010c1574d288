import math

import torch


def sinusoidal_positional_encoding(max_len, d_model):
    """Return the (max_len, d_model) float32 sinusoidal position codes; the statement: `bertstudy exercise start sinusoidal_positional_encoding`."""
    # TODO: positions 0 .. max_len - 1 as a column (max_len, 1)
    # TODO: one frequency per column pair: 1 / 10000^(2i / d_model)
    # TODO: sin in the even columns, cos in the odd columns; float32
    raise NotImplementedError("write sinusoidal_positional_encoding")
