"""Position information for a Transformer (Vaswani et al. 2017, section 3.5).

Attention alone does not see word order, so a code for each position is added to the token
embeddings. This module holds the fixed sinusoidal code of the original Transformer.
Leaves out: BERT's learned position embeddings (a plain nn.Embedding of 512 rows), relative and
rotary positions.
"""

from __future__ import annotations

import torch


def sinusoidal_positional_encoding(max_len: int, d_model: int) -> torch.Tensor:
    """The sinusoidal position codes of positions 0 .. max_len - 1, float32 (max_len, d_model).

    PE[pos, 2i] = sin(pos / 10000^(2i/d_model)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d_model)):
    each pair of columns is one frequency, from wavelength 2π down to 10000·2π. d_model is even.
    """
    position = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)  # (max_len, 1)
    inv_freq = torch.pow(10000.0, -torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)  # (d_model/2,)
    angles = position * inv_freq  # (max_len, d_model/2)
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(angles)  # even columns
    pe[:, 1::2] = torch.cos(angles)  # odd columns
    return pe
