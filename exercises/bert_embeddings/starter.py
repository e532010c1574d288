import torch
from torch import nn


class BertEmbeddings(nn.Module):
    """Word + position + segment embeddings, then LayerNorm; the statement: `bertstudy exercise start bert_embeddings`."""

    def __init__(self, vocab_size, hidden_size, max_position_embeddings, type_vocab_size=2, layer_norm_eps=1e-12):
        super().__init__()
        # TODO: self.word_embeddings, self.position_embeddings, self.token_type_embeddings (nn.Embedding)
        # TODO: self.LayerNorm, with eps=layer_norm_eps

    def forward(self, input_ids, token_type_ids=None):
        # TODO: positions 0..L-1; segment A when token_type_ids is None
        # TODO: sum the three embeddings, then LayerNorm
        raise NotImplementedError("write BertEmbeddings.forward")
