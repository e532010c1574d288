import math

import torch
import torch.nn.functional as F
from torch import nn


def linear_with_norm(d_in, d_out, eps):
    """A module holding `dense` and `LayerNorm`: BERT's add-and-norm names."""
    block = nn.Module()
    block.dense = nn.Linear(d_in, d_out)
    block.LayerNorm = nn.LayerNorm(d_out, eps=eps)
    return block


class TransformerEncoderLayer(nn.Module):
    def __init__(self, hidden_size, num_attention_heads, intermediate_size, layer_norm_eps=1e-12):
        super().__init__()
        self.heads = num_attention_heads
        self.attention = nn.Module()
        self.attention.self = nn.Module()
        self.attention.self.query = nn.Linear(hidden_size, hidden_size)
        self.attention.self.key = nn.Linear(hidden_size, hidden_size)
        self.attention.self.value = nn.Linear(hidden_size, hidden_size)
        self.attention.output = linear_with_norm(hidden_size, hidden_size, layer_norm_eps)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(hidden_size, intermediate_size)
        self.output = linear_with_norm(intermediate_size, hidden_size, layer_norm_eps)

    def forward(self, hidden_states, attention_mask=None):
        B, L, D = hidden_states.shape
        d_head = D // self.heads
        attn = self.attention.self

        def heads(t):  # (B, L, D) -> (B, h, L, d_head)
            return t.view(B, L, self.heads, d_head).transpose(1, 2)

        x = hidden_states
        normed = self.attention.output.LayerNorm(x)
        q, k, v = heads(attn.query(normed)), heads(attn.key(normed)), heads(attn.value(normed))
        scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)  # (B, h, L, L)
        if attention_mask is not None:
            scores = scores.masked_fill(attention_mask[:, None, None, :] == 0, float("-inf"))
        context = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(B, L, D)
        a = x + self.attention.output.dense(context)
        return a + self.output.dense(F.gelu(self.intermediate.dense(self.output.LayerNorm(a))))
