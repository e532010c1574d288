import math

import torch
import torch.nn.functional as F
from torch import nn

# Your BertEmbeddings (exercise bert_embeddings) and TransformerEncoderLayer (exercise
# transformer_encoder_layer) go here: this file must hold everything it uses. Once both have
# passed, `bertstudy exercise start capstone_bert` (or `exercise reset capstone_bert`) copies your
# own files in, in place of the next line; otherwise paste your classes over it.
# bertstudy: your parts


class BertModel(nn.Module):
    """Your parts assembled into BERT; the statement: `bertstudy exercise start capstone_bert`."""

    def __init__(self, vocab_size, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size,
                 max_position_embeddings, type_vocab_size=2, layer_norm_eps=1e-12):
        super().__init__()
        # TODO: self.embeddings, self.encoder.layer (an nn.ModuleList), self.pooler.dense

    def forward(self, input_ids, token_type_ids=None, attention_mask=None):
        # TODO: embeddings, every layer with the attention mask, then the pooler on position 0
        raise NotImplementedError("write BertModel.forward")
