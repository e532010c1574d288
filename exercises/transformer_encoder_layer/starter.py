import math

import torch
import torch.nn.functional as F
from torch import nn


class TransformerEncoderLayer(nn.Module):
    """One post-LN encoder layer with BERT's parameter names; the statement: `bertstudy exercise start transformer_encoder_layer`."""

    def __init__(self, hidden_size, num_attention_heads, intermediate_size, layer_norm_eps=1e-12):
        super().__init__()
        # TODO: attention.self.{query,key,value}, attention.output.{dense,LayerNorm}
        # TODO: intermediate.dense, output.{dense,LayerNorm}

    def forward(self, hidden_states, attention_mask=None):
        # TODO: multi-head self-attention with the padding mask on the keys
        # TODO: a = LayerNorm(x + W_O(context)); out = LayerNorm(a + W_2(GELU(W_1(a))))
        raise NotImplementedError("write TransformerEncoderLayer.forward")
