"""BERT (Devlin et al. 2019, "BERT: Pre-training of Deep Bidirectional Transformers"), from scratch.

The encoder of Vaswani et al. 2017 ("Attention Is All You Need") as BERT uses it: the sum of
token, segment and position embeddings; a stack of post-LN layers, each
LayerNorm(x + Attention(x)) then LayerNorm(x + FFN(x)) with GELU (Hendrycks & Gimpel 2016, the
exact erf form) and LayerNorm eps 1e-12; a tanh pooler on [CLS]; and the heads: masked-LM with its
decoder tied to the word embeddings (plus a bias of its own), next-sentence prediction, and the
fine-tuning heads for sequence classification, token classification and extractive QA.

Every parameter has the name Hugging Face transformers gives it, so `state_dict()` keys match HF's
BertModel, BertForPreTraining and the task models (`bert.` prefix included) and HF weights load
unchanged (see bert_weights.py). Dropout layers sit where BERT has them; eval() turns them off.
GELU, LayerNorm and (unless its weights are wanted) attention run on PyTorch's fused kernels, each
proven equal to the formula written out in basics.py and attention.py.
Leaves out: losses (see basics.cross_entropy and pretraining.py), relative position embeddings,
decoder use (causal masks, cross-attention, key/value caches), 3-D/4-D attention masks,
inputs_embeds, head pruning and gradient checkpointing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from bertstudy.reference.attention import scaled_dot_product_attention
from bertstudy.reference.masks import to_additive
from bertstudy.reference.basics import gelu, gelu_tanh  # noqa: F401  (the from-scratch definitions, re-exported)


@dataclass
class BertConfig:
    """BERT's hyper-parameters, with Hugging Face's names and defaults (those of bert-base)."""

    vocab_size: int = 30522
    hidden_size: int = 768  # d_model
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072  # d_ff, the FFN's inner width
    hidden_act: str = "gelu"  # "gelu": exact erf GELU; "gelu_new": Google's tanh approximation
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12
    pad_token_id: int = 0
    classifier_dropout: float | None = None  # None: hidden_dropout_prob
    num_labels: int = 2  # sequence and token classification heads

    def __post_init__(self) -> None:
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(f"hidden_size {self.hidden_size} is not a multiple of "
                             f"num_attention_heads {self.num_attention_heads}")
        if self.hidden_act not in ACTIVATIONS:
            raise ValueError(f"hidden_act {self.hidden_act!r} is not one of {sorted(ACTIVATIONS)}")

    @classmethod
    def base(cls, **overrides: Any) -> BertConfig:
        """bert-base: 12 layers, d_model 768, 12 heads, d_ff 3072 (110M parameters)."""
        return cls(**overrides)

    @classmethod
    def large(cls, **overrides: Any) -> BertConfig:
        """bert-large: 24 layers, d_model 1024, 16 heads, d_ff 4096 (340M parameters)."""
        return cls(**{"hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16,
                      "intermediate_size": 4096, **overrides})

    @classmethod
    def tiny(cls, **overrides: Any) -> BertConfig:
        """A toy BERT for tests and demos: 2 layers, d_model 32, 2 heads, d_ff 64, 100 tokens."""
        return cls(**{"vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
                      "intermediate_size": 64, "max_position_embeddings": 64, **overrides})

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> BertConfig:
        """Read the fields this class knows from a dict (e.g. an HF config.json); ignore the rest."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


# GELU and LayerNorm run on PyTorch's fused kernels: the same functions as basics.gelu,
# basics.gelu_tanh and basics.layer_norm (tests/test_reference_basics.py proves them equal), computed
# in one pass over memory instead of five or six, which is most of the gap to transformers' speed.
ACTIVATIONS = {"gelu": F.gelu, "gelu_new": functools.partial(F.gelu, approximate="tanh")}


class LayerNorm(nn.Module):
    """LayerNorm over the last dimension with learnt weight (gamma) and bias (beta): basics.layer_norm."""

    def __init__(self, d_model: int, eps: float = 1e-12):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d_model))
        self.bias = nn.Parameter(torch.zeros(d_model))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(x, x.shape[-1:], self.weight, self.bias, self.eps)  # (..., d_model)


class BertEmbeddings(nn.Module):
    """Token + segment + position embeddings, then LayerNorm and dropout."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = LayerNorm(config.hidden_size, config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None,
                position_ids: torch.Tensor | None = None) -> torch.Tensor:
        length = input_ids.size(1)
        if length > self.position_embeddings.num_embeddings:
            raise ValueError(f"sequence length {length} exceeds max_position_embeddings "
                             f"{self.position_embeddings.num_embeddings}")
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)  # (B, L): every token in segment A
        if position_ids is None:
            position_ids = torch.arange(length, device=input_ids.device).unsqueeze(0)  # (1, L), broadcasts over B
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)  # (B, L, D)
        x = x + self.position_embeddings(position_ids)  # (B, L, D)
        return self.dropout(self.LayerNorm(x))  # (B, L, D)


class BertSelfAttention(nn.Module):
    """The h heads' scaled dot-product attention: Q, K, V projections, no output projection.
    With `keep_weights` set, attention.scaled_dot_product_attention (the formula written out) runs
    and the last forward's attention weights stay in `.weights`; otherwise PyTorch's fused kernel
    computes the same function (tests/test_reference_transformer.py proves the two equal) without
    materialising the (B, h, L, L) weights, which is what lets the reference keep pace with HF's SDPA."""

    keep_weights = False

    def __init__(self, config: BertConfig):
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.d_head = config.hidden_size // config.num_attention_heads
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)

    def split_heads(self, t: torch.Tensor) -> torch.Tensor:
        batch, length, _ = t.shape
        return t.view(batch, length, self.num_heads, self.d_head).transpose(1, 2)  # (B, L, D) -> (B, h, L, d_head)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, L, D); mask bool broadcastable to (B, h, L, L), True where a query may attend."""
        batch, length, d_model = x.shape
        q = self.split_heads(self.query(x))  # (B, h, L, d_head)
        k = self.split_heads(self.key(x))  # (B, h, L, d_head)
        v = self.split_heads(self.value(x))  # (B, h, L, d_head)
        if self.keep_weights:
            context, weights = scaled_dot_product_attention(q, k, v, mask, self.dropout)  # (B, h, L, d_head)
            self.weights = weights.detach()  # (B, h, L, L), for demos that draw them
        else:
            dropout = self.dropout.p if self.training else 0.0  # on the weights, inside the kernel
            # An additive finfo.min mask, as the written-out path fills: a row whose keys are all
            # padding then averages V there too (a bool mask would make the kernel return 0).
            additive = None if mask is None else to_additive(mask, q.dtype)  # (B, 1, 1, L)
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=additive, dropout_p=dropout)  # (B, h, L, d_head)
        return context.transpose(1, 2).reshape(batch, length, d_model)  # (B, L, h, d_head) -> (B, L, D)


class BertAddNorm(nn.Module):
    """A sublayer's output: a projection back to D, dropout, then the residual and LayerNorm
    (post-LN). BERT has two: `attention.output` (from D) and `output` (from d_ff, after the FFN)."""

    def __init__(self, config: BertConfig, in_features: int):
        super().__init__()
        self.dense = nn.Linear(in_features, config.hidden_size)
        self.LayerNorm = LayerNorm(config.hidden_size, config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, h: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dropout(self.dense(h)) + residual)  # (B, L, D)


class BertAttention(nn.Module):
    """Multi-head self-attention sublayer: LayerNorm(x + Dropout(W_O · MultiHead(x)))."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertAddNorm(config, config.hidden_size)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.output(self.self(x, mask), x)  # (B, L, D)


class BertIntermediate(nn.Module):
    """The FFN's first half: D -> d_ff, then the activation."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.act = ACTIVATIONS[config.hidden_act]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.dense(x))  # (B, L, d_ff)


class BertLayer(nn.Module):
    """One encoder layer: the attention sublayer, then the feed-forward sublayer."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertAddNorm(config, config.intermediate_size)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        a = self.attention(x, mask)  # (B, L, D)
        return self.output(self.intermediate(a), a)  # (B, L, D)


class BertEncoder(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(config) for _ in range(config.num_hidden_layers))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        for layer in self.layer:
            x = layer(x, mask)  # (B, L, D)
        return x


class BertPooler(nn.Module):
    """tanh(W h_[CLS] + b): the sentence vector NSP and sequence classification read."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(self, sequence_output: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.dense(sequence_output[:, 0]))  # (B, L, D) -> (B, D), the first token


def init_bert_weights(model: nn.Module, config: BertConfig) -> None:
    """BERT's initialisation: Linear and Embedding weights ~ N(0, initializer_range²), biases 0, the
    padding token's embedding 0, LayerNorm weight 1 and bias 0. (Google's code truncates the normal
    at 2σ; HF does not, nor do we.)"""
    for module in model.modules():
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, std=config.initializer_range)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, std=config.initializer_range)
            if module.padding_idx is not None:
                with torch.no_grad():
                    module.weight[module.padding_idx].zero_()
        elif isinstance(module, LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
        elif isinstance(module, BertLMPredictionHead):
            nn.init.zeros_(module.bias)


class BertModel(nn.Module):
    """The BERT encoder: embeddings, num_hidden_layers post-LN layers and (optionally) the pooler.

    forward returns (sequence_output (B, L, D), pooled_output (B, D) or None without a pooler).
    """

    def __init__(self, config: BertConfig, add_pooling_layer: bool = True):
        super().__init__()
        self.config = config
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None
        init_bert_weights(self, config)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None,
                attention_mask: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """input_ids (B, L) int64; token_type_ids (B, L), 0 for segment A and 1 for B (default all 0);
        attention_mask (B, L), 1 (True) for real tokens and 0 (False) for padding, which no query
        attends to; position_ids (B, L) or (1, L) (default 0..L-1)."""
        mask = None
        if attention_mask is not None:
            mask = attention_mask.bool()[:, None, None, :]  # (B, 1, 1, L): the same keys for every head and query
        x = self.embeddings(input_ids, token_type_ids, position_ids)  # (B, L, D)
        sequence_output = self.encoder(x, mask)  # (B, L, D)
        pooled_output = self.pooler(sequence_output) if self.pooler is not None else None  # (B, D)
        return sequence_output, pooled_output


# ---- pre-training heads (Devlin et al. 2019, section 3.1) ------------------------------------------


class BertPredictionHeadTransform(nn.Module):
    """dense, activation, LayerNorm: applied to every position before the MLM decoder."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.act = ACTIVATIONS[config.hidden_act]
        self.LayerNorm = LayerNorm(config.hidden_size, config.layer_norm_eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.act(self.dense(x)))  # (B, L, D)


class BertLMPredictionHead(nn.Module):
    """The MLM head: transform, then logits = h Eᵀ + b over the vocabulary.

    decoder.weight is tied to the word embeddings E by the model that owns both; decoder.bias is
    the same Parameter as `bias` (the checkpoints' `cls.predictions.bias`).
    """

    def __init__(self, config: BertConfig):
        super().__init__()
        self.transform = BertPredictionHeadTransform(config)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))
        self.decoder.bias = self.bias  # one bias, two names

    def forward(self, sequence_output: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.transform(sequence_output))  # (B, L, D) -> (B, L, V)


class BertOnlyMLMHead(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.predictions = BertLMPredictionHead(config)

    def forward(self, sequence_output: torch.Tensor) -> torch.Tensor:
        return self.predictions(sequence_output)  # (B, L, V)


class BertOnlyNSPHead(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.seq_relationship = nn.Linear(config.hidden_size, 2)

    def forward(self, pooled_output: torch.Tensor) -> torch.Tensor:
        return self.seq_relationship(pooled_output)  # (B, 2); class 0 = IsNext, 1 = NotNext


class BertPreTrainingHeads(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.predictions = BertLMPredictionHead(config)
        self.seq_relationship = nn.Linear(config.hidden_size, 2)

    def forward(self, sequence_output: torch.Tensor, pooled_output: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        return self.predictions(sequence_output), self.seq_relationship(pooled_output)  # (B, L, V), (B, 2)


def tie_mlm_decoder(bert: BertModel, head: BertLMPredictionHead) -> None:
    """Make the MLM decoder's weight the very Parameter of the word embeddings (V, D)."""
    head.decoder.weight = bert.embeddings.word_embeddings.weight


class BertForPreTraining(nn.Module):
    """BERT with both pre-training heads; forward returns (MLM logits (B, L, V), NSP logits (B, 2))."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config)
        self.cls = BertPreTrainingHeads(config)
        init_bert_weights(self.cls, config)
        tie_mlm_decoder(self.bert, self.cls.predictions)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None,
                attention_mask: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor]:
        sequence_output, pooled_output = self.bert(input_ids, token_type_ids, attention_mask, position_ids)
        return self.cls(sequence_output, pooled_output)  # (B, L, V), (B, 2)


class BertForMaskedLM(nn.Module):
    """BERT (no pooler) with the MLM head only; forward returns logits (B, L, V)."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config, add_pooling_layer=False)
        self.cls = BertOnlyMLMHead(config)
        init_bert_weights(self.cls, config)
        tie_mlm_decoder(self.bert, self.cls.predictions)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None,
                attention_mask: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                ) -> torch.Tensor:
        sequence_output, _ = self.bert(input_ids, token_type_ids, attention_mask, position_ids)
        return self.cls(sequence_output)  # (B, L, V)


class BertForNextSentencePrediction(nn.Module):
    """BERT with the NSP head only; forward returns logits (B, 2), class 0 = IsNext."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config)
        self.cls = BertOnlyNSPHead(config)
        init_bert_weights(self.cls, config)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None,
                attention_mask: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                ) -> torch.Tensor:
        _, pooled_output = self.bert(input_ids, token_type_ids, attention_mask, position_ids)
        return self.cls(pooled_output)  # (B, 2)


# ---- fine-tuning heads (Devlin et al. 2019, section 4) ---------------------------------------------


def classifier_dropout(config: BertConfig) -> nn.Dropout:
    p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
    return nn.Dropout(p)


class BertForSequenceClassification(nn.Module):
    """A linear classifier on the pooled [CLS] vector; forward returns logits (B, num_labels)."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config)
        self.dropout = classifier_dropout(config)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        init_bert_weights(self.classifier, config)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None,
                attention_mask: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                ) -> torch.Tensor:
        _, pooled_output = self.bert(input_ids, token_type_ids, attention_mask, position_ids)
        return self.classifier(self.dropout(pooled_output))  # (B, num_labels)


class BertForTokenClassification(nn.Module):
    """A linear classifier on every token (NER, tagging); forward returns logits (B, L, num_labels)."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config, add_pooling_layer=False)
        self.dropout = classifier_dropout(config)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        init_bert_weights(self.classifier, config)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None,
                attention_mask: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                ) -> torch.Tensor:
        sequence_output, _ = self.bert(input_ids, token_type_ids, attention_mask, position_ids)
        return self.classifier(self.dropout(sequence_output))  # (B, L, num_labels)


class BertForQuestionAnswering(nn.Module):
    """Extractive QA (SQuAD): a start and an end score for every token.

    forward returns (start_logits (B, L), end_logits (B, L)); the answer span is the best
    start <= end pair.
    """

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config, add_pooling_layer=False)
        self.qa_outputs = nn.Linear(config.hidden_size, 2)
        init_bert_weights(self.qa_outputs, config)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None,
                attention_mask: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor]:
        sequence_output, _ = self.bert(input_ids, token_type_ids, attention_mask, position_ids)
        logits = self.qa_outputs(sequence_output)  # (B, L, 2)
        start_logits, end_logits = logits.unbind(dim=-1)  # (B, L) each
        return start_logits, end_logits
