import math

import torch


def gelu(x):
    """GELU(x) = x · Φ(x), with the standard normal CDF Φ(x) = 0.5 · (1 + erf(x / √2))."""
    phi = 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))  # same shape as x, values in (0, 1)
    return x * phi
