"""BERT's parts as the exercises define them: the modules of bert.py built from keyword sizes (HF's
names) instead of a BertConfig, and taking the (B, L) attention mask a learner passes around. Their
state_dict names are HF's, so a learner's module, the reference and transformers share weights.
Leaves out: dropout settings (the grader runs every module in eval mode).
"""

from __future__ import annotations

import torch

from bertstudy.reference import bert


def key_mask(attention_mask: torch.Tensor | None) -> torch.Tensor | None:
    """(B, L) 1/0 (or True/False) for real/padding tokens -> (B, 1, 1, L) bool, True where a key may be attended."""
    return None if attention_mask is None else attention_mask.bool()[:, None, None, :]


class BertEmbeddings(bert.BertEmbeddings):
    def __init__(self, vocab_size: int, hidden_size: int, max_position_embeddings: int, type_vocab_size: int = 2,
                 layer_norm_eps: float = 1e-12):
        super().__init__(bert.BertConfig(vocab_size=vocab_size, hidden_size=hidden_size, num_attention_heads=1,
                                         max_position_embeddings=max_position_embeddings,
                                         type_vocab_size=type_vocab_size, layer_norm_eps=layer_norm_eps))

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        return super().forward(input_ids, token_type_ids)  # (B, L, D)


class TransformerEncoderLayer(bert.BertLayer):
    """One post-LN encoder layer with BERT's names (attention.self.query, ..., output.LayerNorm)."""

    def __init__(self, hidden_size: int, num_attention_heads: int, intermediate_size: int, layer_norm_eps: float = 1e-12):
        super().__init__(bert.BertConfig(hidden_size=hidden_size, num_attention_heads=num_attention_heads,
                                         intermediate_size=intermediate_size, layer_norm_eps=layer_norm_eps))

    def forward(self, hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        return super().forward(hidden_states, key_mask(attention_mask))  # (B, L, D)


class BertModel(bert.BertModel):
    """The whole encoder with its pooler: forward returns (sequence_output (B, L, D), pooled_output (B, D))."""

    def __init__(self, vocab_size: int, hidden_size: int, num_hidden_layers: int, num_attention_heads: int,
                 intermediate_size: int, max_position_embeddings: int, type_vocab_size: int = 2,
                 layer_norm_eps: float = 1e-12):
        super().__init__(bert.BertConfig(
            vocab_size=vocab_size, hidden_size=hidden_size, num_hidden_layers=num_hidden_layers,
            num_attention_heads=num_attention_heads, intermediate_size=intermediate_size,
            max_position_embeddings=max_position_embeddings, type_vocab_size=type_vocab_size,
            layer_norm_eps=layer_norm_eps))

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None,
                attention_mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        return super().forward(input_ids, token_type_ids, attention_mask)
