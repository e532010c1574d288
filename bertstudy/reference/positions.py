"""Position information for a Transformer (Vaswani et al. 2017, section 3.5).

Attention alone does not see word order, so a code for each position is added to the token
embeddings. This module holds the fixed sinusoidal code of the original Transformer and the
learned position embeddings BERT uses instead (one trained vector per position, 512 of them).
Leaves out: relative and rotary positions.
"""

from __future__ import annotations

import torch
from torch import nn


def sinusoidal_positional_encoding(max_len: int, d_model: int) -> torch.Tensor:
    """The sinusoidal position codes of positions 0 .. max_len - 1, float32 (max_len, d_model).

    PE[pos, 2i] = sin(pos / 10000^(2i/d_model)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d_model)):
    each pair of columns is one frequency, its wavelength growing from 2π (columns 0, 1) towards 10000·2π. d_model is even.
    """
    position = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)  # (max_len, 1)
    inv_freq = torch.pow(10000.0, -torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)  # (d_model/2,)
    angles = position * inv_freq  # (max_len, d_model/2)
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(angles)  # even columns
    pe[:, 1::2] = torch.cos(angles)  # odd columns
    return pe


class LearnedPositionalEmbedding(nn.Module):
    """BERT's positions: a trained vector for each position 0 .. max_len - 1 (an nn.Embedding of
    max_len rows, initialised N(0, 0.02²) as BERT does), added to the token embeddings. Unlike the
    sinusoidal code it has nothing to say about positions past max_len (BERT: 512)."""

    def __init__(self, max_len: int, d_model: int, init_std: float = 0.02):
        super().__init__()
        self.position_embeddings = nn.Embedding(max_len, d_model)
        nn.init.normal_(self.position_embeddings.weight, std=init_std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, L, d_model) -> x plus the embeddings of positions 0 .. L - 1, (B, L, d_model)."""
        length = x.size(1)
        if length > self.position_embeddings.num_embeddings:
            raise ValueError(f"sequence length {length} exceeds max_len {self.position_embeddings.num_embeddings}")
        positions = torch.arange(length, device=x.device)  # (L,)
        return x + self.position_embeddings(positions)  # (B, L, d_model) + (L, d_model) broadcasts over B
