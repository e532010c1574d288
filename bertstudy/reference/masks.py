"""Attention masks: which keys each query may look at (Vaswani et al. 2017, 3.2.3; Devlin et al. 2019).

Convention used throughout bertstudy: a mask is a bool tensor, True where the query MAY attend to
the key, broadcastable to the scores (B, h, L_q, L_k). It is the convention of
F.scaled_dot_product_attention's bool attn_mask and of attention.scaled_dot_product_attention.
Beware: nn.MultiheadAttention and nn.Transformer* read bool masks the other way round (True = may
NOT attend, for both attn_mask and key_padding_mask); pass them `~mask`.

Two masks do all the work:
- the padding mask hides the padding KEYS of each sequence: (B, L) -> (B, 1, 1, L), the same for
  every head and every query;
- the causal mask hides the future: query i sees keys 0..i, the lower triangle with its diagonal.
Masks combine with a logical AND (broadcasting), before anything is turned into numbers.

An additive mask (what is added to the scores before the softmax) is 0 where a key is allowed and
torch.finfo(dtype).min where it is not, as Hugging Face transformers does. Why not -inf: a row
with every key masked would give softmax(-inf, ..., -inf) = 0/0 = NaN, and the common trick
(1 - m) * -inf gives 0 * -inf = NaN on the allowed keys; the most negative finite number keeps
everything finite, and exp(finfo.min - max) still underflows to exactly 0, so wherever a row keeps
one key the weights equal those of -inf masking. Google's BERT adds -10000.0 instead, which gives
the same weights for ordinary scores but is only a margin of 10000; finfo.min follows the dtype
(-65504 in float16, about -3.4e38 in float32). Convert once, after combining: two finfo.min
added together overflow to -inf.
Leaves out: sliding-window, block-sparse and prefix-LM masks, and the bottom-right aligned causal
mask used with key/value caches (queries that are the last L_q of L_k positions).
"""

from __future__ import annotations

import torch


def causal_mask(length: int, device: torch.device | str | None = None) -> torch.Tensor:
    """(L, L) bool, True on and below the diagonal: query i may attend to keys j <= i."""
    return torch.ones(length, length, dtype=torch.bool, device=device).tril()  # (L_q, L_k), lower triangle


def padding_mask(attention_mask: torch.Tensor) -> torch.Tensor:
    """(B, L) 0/1 or bool, 1 (True) for real tokens -> (B, 1, 1, L) bool, True for the keys every
    head and every query may attend to."""
    return attention_mask.bool()[:, None, None, :]  # (B, 1, 1, L_k): broadcasts over heads and queries


def attention_mask_from_lengths(lengths: torch.Tensor, max_len: int | None = None) -> torch.Tensor:
    """(B,) sequence lengths -> (B, max_len) bool, True at positions < length (real tokens first,
    padding after). max_len defaults to the longest length."""
    if max_len is None:
        max_len = int(lengths.max()) if lengths.numel() else 0
    positions = torch.arange(max_len, device=lengths.device)  # (L,)
    return positions[None, :] < lengths[:, None]  # (B, L)


def combine_masks(*masks: torch.Tensor | None) -> torch.Tensor | None:
    """The logical AND of bool masks, broadcast together: a key is allowed only where every mask
    allows it. None masks are skipped; None when all are None."""
    combined = None
    for mask in masks:
        if mask is not None:
            combined = mask if combined is None else combined & mask  # broadcast, e.g. (B,1,1,L) & (L,L) -> (B,1,L,L)
    return combined


def to_additive(mask: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A bool mask (True = may attend) -> the same shape in `dtype`: 0 where allowed and
    torch.finfo(dtype).min where masked, to be added to the scores before the softmax."""
    additive = torch.zeros(mask.shape, dtype=dtype, device=mask.device)
    return additive.masked_fill(~mask, torch.finfo(dtype).min)


def additive_padding_mask(attention_mask: torch.Tensor, dtype: str | torch.dtype = "float32") -> torch.Tensor:
    """BERT's "extended attention mask", as Hugging Face builds it: attention_mask (B, L), 0/1 or
    bool, 1 (True) for real tokens -> (B, 1, 1, L) in `dtype` (a torch.dtype or its name, e.g.
    "float16"), 0.0 for real tokens and torch.finfo(dtype).min for padding. Added to the scores
    (B, h, L_q, L_k), it broadcasts over heads and queries and removes the padding keys."""
    dtype = getattr(torch, dtype) if isinstance(dtype, str) else dtype
    return to_additive(padding_mask(attention_mask), dtype)  # (B, 1, 1, L)
