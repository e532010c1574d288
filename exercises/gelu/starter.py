import math

import torch


def gelu(x):
    """Return the exact GELU of every element of x; the statement: `bertstudy exercise start gelu`."""
    # TODO: Φ(x), the standard normal CDF, through torch.erf
    # TODO: multiply the input by it
    raise NotImplementedError("write gelu")
