import math

import torch
import torch.nn.functional as F
from torch import nn


class BertEmbeddings(nn.Module):
    def __init__(self, vocab_size, hidden_size, max_position_embeddings, type_vocab_size=2, layer_norm_eps=1e-12):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, hidden_size)
        self.position_embeddings = nn.Embedding(max_position_embeddings, hidden_size)
        self.token_type_embeddings = nn.Embedding(type_vocab_size, hidden_size)
        self.LayerNorm = nn.LayerNorm(hidden_size, eps=layer_norm_eps)

    def forward(self, input_ids, token_type_ids=None):
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        positions = torch.arange(input_ids.shape[1])
        e = self.word_embeddings(input_ids) + self.position_embeddings(positions) + self.token_type_embeddings(token_type_ids)
        return self.LayerNorm(e)  # (B, L, D)


def dense_and_norm(d_in, d_out, eps):
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
        self.attention.output = dense_and_norm(hidden_size, hidden_size, layer_norm_eps)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(hidden_size, intermediate_size)
        self.output = dense_and_norm(intermediate_size, hidden_size, layer_norm_eps)

    def forward(self, hidden_states, attention_mask=None):
        B, L, D = hidden_states.shape
        d_head = D // self.heads
        attn = self.attention.self

        def heads(t):
            return t.view(B, L, self.heads, d_head).transpose(1, 2)  # (B, h, L, d_head)

        q, k, v = heads(attn.query(hidden_states)), heads(attn.key(hidden_states)), heads(attn.value(hidden_states))
        scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)  # (B, h, L, L)
        if attention_mask is not None:
            scores = scores.masked_fill(attention_mask[:, None, None, :] == 0, float("-inf"))
        context = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(B, L, D)
        a = self.attention.output.LayerNorm(hidden_states + self.attention.output.dense(context))
        return self.output.LayerNorm(a + self.output.dense(F.gelu(self.intermediate.dense(a))))


class BertModel(nn.Module):
    def __init__(self, vocab_size, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size,
                 max_position_embeddings, type_vocab_size=2, layer_norm_eps=1e-12):
        super().__init__()
        self.embeddings = BertEmbeddings(vocab_size, hidden_size, max_position_embeddings, type_vocab_size, layer_norm_eps)
        self.encoder = nn.Module()
        self.encoder.layer = nn.ModuleList(
            TransformerEncoderLayer(hidden_size, num_attention_heads, intermediate_size, layer_norm_eps)
            for _ in range(num_hidden_layers))
        self.pooler = nn.Module()
        self.pooler.dense = nn.Linear(hidden_size, hidden_size)

    def forward(self, input_ids, token_type_ids=None, attention_mask=None):
        h = self.embeddings(input_ids, token_type_ids)  # (B, L, D)
        for layer in self.encoder.layer:
            h = layer(h, attention_mask)  # (B, L, D)
        pooled = self.pooler.dense(h[:, 0])  # (B, D): the [CLS] position
        return h, pooled
