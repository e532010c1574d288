"""The Transformer of Vaswani et al. 2017 ("Attention Is All You Need"), from scratch.

Multi-head attention as a module (self-attention, and cross-attention whose keys and values come
from another sequence), the position-wise feed-forward network, encoder and decoder layers, their
stacks, and the full encoder-decoder: embeddings scaled by √d_model plus sinusoidal positions, an
output projection that may share the target embeddings' weight, and greedy generation.

Each layer comes in both orders of LayerNorm:
- post-LN (`norm_first=False`, the paper's and BERT's): x = LayerNorm(x + Dropout(Sublayer(x)));
- pre-LN (`norm_first=True`, Xiong et al. 2020, GPT-2 and most models since):
  x = x + Dropout(Sublayer(LayerNorm(x))), and the stack ends with one more LayerNorm.
The layers compute exactly what PyTorch's nn.TransformerEncoderLayer / nn.TransformerDecoderLayer
compute with `batch_first=True` (every tensor here is (B, L, D)); `from_torch_state_dict` renames those modules' parameters (and nn.MultiheadAttention's,
whose in_proj_weight holds W_Q, W_K and W_V stacked) to the names used here.

Masks are bool, True where a query may attend to a key (see masks.py), broadcastable to the
scores (B, h, L_q, L_k). Leaves out: key/value caches (generate recomputes the whole prefix at
every step), beam search, label smoothing, the warm-up learning-rate schedule, and embeddings
shared between source and target.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import torch
from torch import nn

from bertstudy.reference.attention import scaled_dot_product_attention
from bertstudy.reference.bert import LayerNorm, gelu
from bertstudy.reference.masks import causal_mask, combine_masks, padding_mask
from bertstudy.reference.positions import sinusoidal_positional_encoding

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {"relu": torch.relu, "gelu": gelu}


class MultiHeadAttention(nn.Module):
    """MultiHead(Q, K, V) = Concat(head_1, ..., head_h) W_O, head_j = Attention(Q W_Q^j, K W_K^j, V W_V^j).

    The h heads share one (D, D) projection each for queries, keys and values: head j owns the
    features j·d_head .. (j+1)·d_head - 1 of its output, with d_head = D / h.
    """

    def __init__(self, d_model: int, num_heads: int, dropout: float = 0.0):
        super().__init__()
        if d_model % num_heads:
            raise ValueError(f"d_model {d_model} is not a multiple of num_heads {num_heads}")
        self.num_heads = num_heads
        self.d_head = d_model // num_heads
        self.w_q = nn.Linear(d_model, d_model)
        self.w_k = nn.Linear(d_model, d_model)
        self.w_v = nn.Linear(d_model, d_model)
        self.w_o = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(dropout)  # on the attention weights, as in BERT and nn.MultiheadAttention

    def split_heads(self, t: torch.Tensor) -> torch.Tensor:
        batch, length, _ = t.shape
        return t.view(batch, length, self.num_heads, self.d_head).transpose(1, 2)  # (B, L, D) -> (B, h, L, d_head)

    def forward(self, query: torch.Tensor, key: torch.Tensor | None = None, value: torch.Tensor | None = None,
                mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """query (B, L_q, D); key and value (B, L_k, D), by default the query itself (self-attention;
        a decoder's cross-attention passes the encoder's output for both). mask bool, broadcastable
        to (B, h, L_q, L_k), True where a query may attend. Returns the output (B, L_q, D) and each
        head's weights (B, h, L_q, L_k), before dropout."""
        key = query if key is None else key
        value = key if value is None else value
        batch, length_q, d_model = query.shape
        q = self.split_heads(self.w_q(query))  # (B, h, L_q, d_head)
        k = self.split_heads(self.w_k(key))  # (B, h, L_k, d_head)
        v = self.split_heads(self.w_v(value))  # (B, h, L_k, d_head)
        context, weights = scaled_dot_product_attention(q, k, v, mask, self.dropout)  # (B, h, L_q, d_head)
        concat = context.transpose(1, 2).reshape(batch, length_q, d_model)  # (B, L_q, h, d_head) -> (B, L_q, D)
        return self.w_o(concat), weights  # (B, L_q, D)


class FeedForward(nn.Module):
    """FFN(x) = act(x W_1 + b_1) W_2 + b_2, the same two-layer network at every position
    (ReLU in the paper, GELU in BERT); dropout sits after the activation, as in PyTorch."""

    def __init__(self, d_model: int, d_ff: int, dropout: float = 0.0, activation: str = "relu"):
        super().__init__()
        self.w_1 = nn.Linear(d_model, d_ff)
        self.w_2 = nn.Linear(d_ff, d_model)
        self.dropout = nn.Dropout(dropout)
        self.act = ACTIVATIONS[activation]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w_2(self.dropout(self.act(self.w_1(x))))  # (B, L, D) -> (B, L, d_ff) -> (B, L, D)


def residual(x: torch.Tensor, sublayer: Callable[[torch.Tensor], torch.Tensor], norm: nn.Module,
             dropout: nn.Module, norm_first: bool) -> torch.Tensor:
    """One residual sublayer: pre-LN x + Dropout(Sublayer(LN(x))), or post-LN LN(x + Dropout(Sublayer(x)))."""
    if norm_first:
        return x + dropout(sublayer(norm(x)))  # (B, L, D): the residual path never passes a LayerNorm
    return norm(x + dropout(sublayer(x)))  # (B, L, D)


class TransformerEncoderLayer(nn.Module):
    """Self-attention, then the feed-forward network, each a residual sublayer."""

    def __init__(self, d_model: int, num_heads: int, d_ff: int, dropout: float = 0.1, activation: str = "relu",
                 norm_first: bool = False, eps: float = 1e-5):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, num_heads, dropout)
        self.ff = FeedForward(d_model, d_ff, dropout, activation)
        self.norm1 = LayerNorm(d_model, eps)
        self.norm2 = LayerNorm(d_model, eps)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.norm_first = norm_first

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, L, D); mask bool broadcastable to (B, h, L, L), e.g. padding_mask (B, 1, 1, L)."""
        x = residual(x, lambda h: self.self_attn(h, mask=mask)[0], self.norm1, self.dropout1, self.norm_first)
        return residual(x, self.ff, self.norm2, self.dropout2, self.norm_first)  # (B, L, D)


class TransformerDecoderLayer(nn.Module):
    """Masked self-attention over the target, cross-attention to the encoder's output (the
    memory), then the feed-forward network: three residual sublayers."""

    def __init__(self, d_model: int, num_heads: int, d_ff: int, dropout: float = 0.1, activation: str = "relu",
                 norm_first: bool = False, eps: float = 1e-5):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, num_heads, dropout)
        self.cross_attn = MultiHeadAttention(d_model, num_heads, dropout)
        self.ff = FeedForward(d_model, d_ff, dropout, activation)
        self.norm1 = LayerNorm(d_model, eps)
        self.norm2 = LayerNorm(d_model, eps)
        self.norm3 = LayerNorm(d_model, eps)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.dropout3 = nn.Dropout(dropout)
        self.norm_first = norm_first

    def forward(self, x: torch.Tensor, memory: torch.Tensor, tgt_mask: torch.Tensor | None = None,
                memory_mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, L_t, D) the target so far; memory (B, L_s, D) the encoder's output. tgt_mask
        broadcastable to (B, h, L_t, L_t), usually causal (and padding); memory_mask to
        (B, h, L_t, L_s), usually the source's padding mask (B, 1, 1, L_s)."""
        x = residual(x, lambda h: self.self_attn(h, mask=tgt_mask)[0], self.norm1, self.dropout1, self.norm_first)
        x = residual(x, lambda h: self.cross_attn(h, memory, mask=memory_mask)[0], self.norm2, self.dropout2,
                     self.norm_first)  # queries from the target, keys and values from the source
        return residual(x, self.ff, self.norm3, self.dropout3, self.norm_first)  # (B, L_t, D)


class TransformerEncoder(nn.Module):
    """num_layers encoder layers; a final LayerNorm when `final_norm` (default: for pre-LN, whose
    residual stream is never normalised otherwise)."""

    def __init__(self, num_layers: int, d_model: int, num_heads: int, d_ff: int, dropout: float = 0.1,
                 activation: str = "relu", norm_first: bool = False, eps: float = 1e-5,
                 final_norm: bool | None = None):
        super().__init__()
        self.layers = nn.ModuleList(TransformerEncoderLayer(d_model, num_heads, d_ff, dropout, activation, norm_first, eps)
                                    for _ in range(num_layers))
        self.norm = LayerNorm(d_model, eps) if (norm_first if final_norm is None else final_norm) else None

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x, mask)  # (B, L, D)
        return self.norm(x) if self.norm is not None else x


class TransformerDecoder(nn.Module):
    """num_layers decoder layers, each attending to the same memory; a final LayerNorm as in
    TransformerEncoder."""

    def __init__(self, num_layers: int, d_model: int, num_heads: int, d_ff: int, dropout: float = 0.1,
                 activation: str = "relu", norm_first: bool = False, eps: float = 1e-5,
                 final_norm: bool | None = None):
        super().__init__()
        self.layers = nn.ModuleList(TransformerDecoderLayer(d_model, num_heads, d_ff, dropout, activation, norm_first, eps)
                                    for _ in range(num_layers))
        self.norm = LayerNorm(d_model, eps) if (norm_first if final_norm is None else final_norm) else None

    def forward(self, x: torch.Tensor, memory: torch.Tensor, tgt_mask: torch.Tensor | None = None,
                memory_mask: torch.Tensor | None = None) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x, memory, tgt_mask, memory_mask)  # (B, L_t, D)
        return self.norm(x) if self.norm is not None else x


class Transformer(nn.Module):
    """The encoder-decoder Transformer for sequence-to-sequence tasks (translation, copying).

    Token ids are embedded, multiplied by √d_model and added to the sinusoidal position codes (then
    dropout); the encoder reads the source; the decoder reads the target shifted right (it starts
    with a BOS token) under a causal mask and attends to the encoder's output; a linear layer gives
    logits over the target vocabulary. With `tie_output` that layer's weight is the target
    embedding matrix (section 3.4 of the paper). Initialisation: Xavier-uniform on every matrix
    (nn.Transformer applies it to the stacked (3D, D) in_proj_weight, so its W_Q, W_K and W_V start
    √2 narrower than ours); embeddings N(0, 1/d_model), so that the scaled embeddings have unit
    variance. `final_norm` as in TransformerEncoder; nn.Transformer always has one (final_norm=True),
    so its weights load only then.
    """

    def __init__(self, src_vocab_size: int, tgt_vocab_size: int, d_model: int = 512, num_heads: int = 8,
                 num_encoder_layers: int = 6, num_decoder_layers: int = 6, d_ff: int = 2048, dropout: float = 0.1,
                 activation: str = "relu", norm_first: bool = False, max_len: int = 512, tie_output: bool = True,
                 eps: float = 1e-5, final_norm: bool | None = None):
        super().__init__()
        self.d_model = d_model
        self.src_embed = nn.Embedding(src_vocab_size, d_model)
        self.tgt_embed = nn.Embedding(tgt_vocab_size, d_model)
        self.register_buffer("positions", sinusoidal_positional_encoding(max_len, d_model), persistent=False)
        self.dropout = nn.Dropout(dropout)
        layer_settings = (d_model, num_heads, d_ff, dropout, activation, norm_first, eps)
        self.encoder = TransformerEncoder(num_encoder_layers, *layer_settings, final_norm=final_norm)
        self.decoder = TransformerDecoder(num_decoder_layers, *layer_settings, final_norm=final_norm)
        self.out = nn.Linear(d_model, tgt_vocab_size)
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
        for embedding in (self.src_embed, self.tgt_embed):
            nn.init.normal_(embedding.weight, std=d_model ** -0.5)
        if tie_output:
            self.out.weight = self.tgt_embed.weight  # one (V, D) matrix, two uses

    def embed(self, ids: torch.Tensor, embedding: nn.Embedding) -> torch.Tensor:
        length = ids.size(1)
        if length > self.positions.size(0):
            raise ValueError(f"sequence length {length} exceeds max_len {self.positions.size(0)}")
        x = embedding(ids) * math.sqrt(self.d_model)  # (B, L, D)
        return self.dropout(x + self.positions[:length].to(x.dtype))  # (B, L, D) + (L, D)

    def encode(self, src_ids: torch.Tensor, src_attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """src_ids (B, L_s); src_attention_mask (B, L_s), 1 for real tokens and 0 for padding.
        Returns the memory (B, L_s, D)."""
        mask = None if src_attention_mask is None else padding_mask(src_attention_mask)  # (B, 1, 1, L_s)
        return self.encoder(self.embed(src_ids, self.src_embed), mask)

    def decode(self, tgt_ids: torch.Tensor, memory: torch.Tensor, src_attention_mask: torch.Tensor | None = None,
               tgt_attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """tgt_ids (B, L_t), the target shifted right. Returns the decoder's output (B, L_t, D);
        position t depends on tgt_ids[:, :t+1] only."""
        length = tgt_ids.size(1)
        tgt_padding = None if tgt_attention_mask is None else padding_mask(tgt_attention_mask)  # (B, 1, 1, L_t)
        tgt_mask = combine_masks(causal_mask(length, tgt_ids.device), tgt_padding)  # (L_t, L_t) or (B, 1, L_t, L_t)
        memory_mask = None if src_attention_mask is None else padding_mask(src_attention_mask)  # (B, 1, 1, L_s)
        return self.decoder(self.embed(tgt_ids, self.tgt_embed), memory, tgt_mask, memory_mask)

    def forward(self, src_ids: torch.Tensor, tgt_ids: torch.Tensor, src_attention_mask: torch.Tensor | None = None,
                tgt_attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Teacher forcing: logits (B, L_t, V) for the next token at every target position."""
        memory = self.encode(src_ids, src_attention_mask)  # (B, L_s, D)
        return self.out(self.decode(tgt_ids, memory, src_attention_mask, tgt_attention_mask))  # (B, L_t, V)

    @torch.no_grad()
    def generate(self, src_ids: torch.Tensor, bos_id: int, max_new_tokens: int, eos_id: int | None = None,
                 src_attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Greedy decoding: start from BOS and append the most likely next token, max_new_tokens
        times or until every sequence has produced eos_id (after which it repeats eos_id).
        Returns the new tokens (B, n), BOS not included. Call eval() first, or dropout stays on."""
        memory = self.encode(src_ids, src_attention_mask)  # (B, L_s, D), computed once
        tokens = torch.full((src_ids.size(0), 1), bos_id, dtype=torch.long, device=src_ids.device)  # (B, 1)
        finished = torch.zeros(src_ids.size(0), dtype=torch.bool, device=src_ids.device)  # (B,)
        for _ in range(max_new_tokens):
            hidden = self.decode(tokens, memory, src_attention_mask)  # (B, t, D)
            next_token = self.out(hidden[:, -1]).argmax(dim=-1)  # (B,): the last position predicts the next token
            if eos_id is not None:
                next_token = next_token.masked_fill(finished, eos_id)
                finished |= next_token == eos_id
            tokens = torch.cat([tokens, next_token[:, None]], dim=1)  # (B, t + 1)
            if eos_id is not None and bool(finished.all()):
                break
        return tokens[:, 1:]


# ---- PyTorch's parameter names -> ours ------------------------------------------------------------

RENAMES = {"out_proj": "w_o", "multihead_attn": "cross_attn", "linear1": "ff.w_1", "linear2": "ff.w_2"}


def from_torch_state_dict(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The state dict of nn.MultiheadAttention, nn.TransformerEncoderLayer, nn.TransformerDecoderLayer,
    nn.TransformerEncoder / nn.TransformerDecoder (their `layers.N.` prefixes are ours too) or
    nn.Transformer's encoder and decoder, renamed for the modules above: each `in_proj_weight`
    (3D, D) and `in_proj_bias` (3D,) is cut into W_Q, W_K, W_V (the rows in that order),
    `out_proj` becomes `w_o`, `multihead_attn` `cross_attn`, and `linear1`/`linear2` `ff.w_1`/`ff.w_2`.
    Only the same-dimension layout (no kdim/vdim, no bias_k/bias_v) is covered."""
    out = {}
    for name, tensor in state_dict.items():
        *path, leaf = name.split(".")
        path = [RENAMES.get(part, part) for part in path]
        if leaf in ("in_proj_weight", "in_proj_bias"):
            kind = "weight" if leaf == "in_proj_weight" else "bias"
            for part, chunk in zip(("w_q", "w_k", "w_v"), tensor.chunk(3, dim=0)):  # rows: W_Q, then W_K, then W_V
                out[".".join([*path, part, kind])] = chunk
        else:
            out[".".join([*path, leaf])] = tensor
    return out


def load_torch_weights(module: nn.Module, torch_module: nn.Module) -> None:
    """Copy the weights of a PyTorch Transformer module into the matching module of this file."""
    module.load_state_dict(from_torch_state_dict(torch_module.state_dict()))
