"""The reference Transformer (masks.py, transformer.py, positions.py) against PyTorch's own modules
on the same weights, in float64 with dropout 0 and eval mode; and the properties a causal decoder
and a padding mask promise."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from bertstudy.reference import masks
from bertstudy.reference.attention import scaled_dot_product_attention
from bertstudy.reference.positions import LearnedPositionalEmbedding
from bertstudy.reference.transformer import (
    MultiHeadAttention,
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
    from_torch_state_dict,
    load_torch_weights,
)

D_MODEL, HEADS, D_FF = 12, 3, 20
SRC_LENGTHS = torch.tensor([6, 4, 1])  # three sources of 6 positions: no padding, 2 padded, 5 padded
TGT_LENGTHS = torch.tensor([5, 3, 5])


def randomise(module: nn.Module, seed: int) -> nn.Module:
    """Every parameter drawn afresh, LayerNorm's too (around 1 and 0), so a swapped norm would show."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            noise = torch.randn(p.shape, generator=gen, dtype=torch.float64)
            *_, owner, leaf = ["", *name.split(".")]
            p.copy_(1 + 0.2 * noise if owner.startswith("norm") and leaf == "weight" else 0.4 * noise)
    return module.eval()


def inputs(seed: int, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_lengths_to_mask_takes_an_empty_batch():
    assert masks.attention_mask_from_lengths(torch.zeros(0, dtype=torch.long)).shape == (0, 0)


def test_masks_follow_the_stated_convention():
    causal = masks.causal_mask(4)
    assert causal.dtype == torch.bool and causal.shape == (4, 4)
    assert causal.tolist() == [[True, False, False, False], [True, True, False, False],
                               [True, True, True, False], [True, True, True, True]]
    attention_mask = masks.attention_mask_from_lengths(torch.tensor([3, 1]), max_len=4)
    assert attention_mask.tolist() == [[True, True, True, False], [True, False, False, False]]
    padding = masks.padding_mask(attention_mask.long())
    assert padding.shape == (2, 1, 1, 4) and padding.dtype == torch.bool
    both = masks.combine_masks(causal, None, padding)
    assert both.shape == (2, 1, 4, 4)
    assert both[0, 0].tolist() == [[True, False, False, False], [True, True, False, False],
                                   [True, True, True, False], [True, True, True, False]]
    assert masks.combine_masks(None, None) is None
    additive = masks.additive_padding_mask(attention_mask, "float16")
    assert additive.dtype == torch.float16 and additive.shape == (2, 1, 1, 4)
    assert additive[1, 0, 0].tolist() == [0.0, -65504.0, -65504.0, -65504.0]


def test_causal_mask_matches_sdpa_is_causal():
    q, k, v = inputs(1, 2, 3, 7, 8), inputs(2, 2, 3, 7, 8), inputs(3, 2, 3, 7, 5)
    theirs = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    mine, weights = scaled_dot_product_attention(q, k, v, masks.causal_mask(7))
    torch.testing.assert_close(mine, theirs)
    assert torch.all(weights.triu(1) == 0), "no query attends to a later key"
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3, 7, dtype=torch.float64))
    # the same mask as an additive float mask and as F.sdpa's own bool mask gives the same result
    additive = masks.to_additive(masks.causal_mask(7), torch.float64)
    torch.testing.assert_close(F.scaled_dot_product_attention(q, k, v, attn_mask=additive), theirs)
    torch.testing.assert_close(F.scaled_dot_product_attention(q, k, v, attn_mask=masks.causal_mask(7)), theirs)


def test_padding_and_causal_combined_match_sdpa():
    q, k, v = inputs(4, 3, 2, 6, 4), inputs(5, 3, 2, 6, 4), inputs(6, 3, 2, 6, 4)
    mask = masks.combine_masks(masks.causal_mask(6), masks.padding_mask(masks.attention_mask_from_lengths(SRC_LENGTHS, 6)))
    mine, weights = scaled_dot_product_attention(q, k, v, mask)
    torch.testing.assert_close(mine, F.scaled_dot_product_attention(q, k, v, attn_mask=mask))
    torch.testing.assert_close(mine, F.scaled_dot_product_attention(q, k, v, attn_mask=masks.to_additive(mask, torch.float64)))
    assert torch.all(weights[1, :, :, 4:] == 0), "padding keys get no weight"


def test_finfo_min_stays_finite_where_minus_infinity_gives_nan():
    scores = inputs(7, 2, 4)
    nothing_allowed = torch.zeros(2, 4, dtype=torch.bool)
    with_min = torch.softmax(scores + masks.to_additive(nothing_allowed, torch.float64), dim=-1)
    with_inf = torch.softmax(scores.masked_fill(~nothing_allowed, float("-inf")), dim=-1)
    assert torch.isfinite(with_min).all() and torch.isnan(with_inf).all()
    some_allowed = torch.tensor([[True, False, True, False], [False, False, False, True]])
    torch.testing.assert_close(torch.softmax(scores + masks.to_additive(some_allowed, torch.float64), dim=-1),
                               torch.softmax(scores.masked_fill(~some_allowed, float("-inf")), dim=-1), rtol=0, atol=0)


def torch_mha() -> nn.MultiheadAttention:
    return randomise(nn.MultiheadAttention(D_MODEL, HEADS, dropout=0.0, batch_first=True, dtype=torch.float64), 10)


def mine_like(theirs: nn.Module, mine: nn.Module) -> nn.Module:
    mine = mine.double()
    load_torch_weights(mine, theirs)
    return mine.eval()


@pytest.mark.parametrize("masking", ["none", "padding", "causal", "padding and causal"])
def test_self_attention_matches_nn_multihead_attention(masking):
    theirs = torch_mha()
    mine = mine_like(theirs, MultiHeadAttention(D_MODEL, HEADS))
    x = inputs(11, 3, 6, D_MODEL).requires_grad_(True)
    keep = masks.attention_mask_from_lengths(SRC_LENGTHS, 6)  # (B, L), True for real tokens
    use_padding, use_causal = "padding" in masking, "causal" in masking
    ours_mask = masks.combine_masks(masks.padding_mask(keep) if use_padding else None,
                                    masks.causal_mask(6) if use_causal else None)
    out_theirs, w_theirs = theirs(x, x, x, key_padding_mask=~keep if use_padding else None,  # PyTorch: True = may NOT attend
                                  attn_mask=~masks.causal_mask(6) if use_causal else None, average_attn_weights=False)
    out_mine, w_mine = mine(x, mask=ours_mask)
    torch.testing.assert_close(out_mine, out_theirs)
    torch.testing.assert_close(w_mine, w_theirs)
    probe = inputs(12, *out_mine.shape)
    grad_mine, = torch.autograd.grad((out_mine * probe).sum(), [x])
    grad_theirs, = torch.autograd.grad((out_theirs * probe).sum(), [x])
    torch.testing.assert_close(grad_mine, grad_theirs)


def test_cross_attention_matches_nn_multihead_attention():
    theirs = torch_mha()
    mine = mine_like(theirs, MultiHeadAttention(D_MODEL, HEADS))
    target, memory = inputs(13, 3, 5, D_MODEL), inputs(14, 3, 6, D_MODEL)
    keep = masks.attention_mask_from_lengths(SRC_LENGTHS, 6)
    out_theirs, w_theirs = theirs(target, memory, memory, key_padding_mask=~keep, average_attn_weights=False)
    out_mine, w_mine = mine(target, memory, mask=masks.padding_mask(keep))
    assert out_mine.shape == (3, 5, D_MODEL) and w_mine.shape == (3, HEADS, 5, 6)
    torch.testing.assert_close(out_mine, out_theirs)
    torch.testing.assert_close(w_mine, w_theirs)
    value = inputs(15, 3, 6, D_MODEL)  # keys and values may also differ
    torch.testing.assert_close(mine(target, memory, value)[0], theirs(target, memory, value)[0])


@pytest.mark.parametrize("norm_first", [False, True], ids=["post-LN", "pre-LN"])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer_matches_nn_transformer_encoder_layer(norm_first, activation):
    theirs = randomise(nn.TransformerEncoderLayer(D_MODEL, HEADS, D_FF, dropout=0.0, activation=activation,
                                                  batch_first=True, norm_first=norm_first, dtype=torch.float64), 20)
    mine = mine_like(theirs, TransformerEncoderLayer(D_MODEL, HEADS, D_FF, dropout=0.0, activation=activation,
                                                     norm_first=norm_first))
    x = inputs(21, 3, 6, D_MODEL).requires_grad_(True)  # grad enabled: PyTorch takes its ordinary path
    keep = masks.attention_mask_from_lengths(SRC_LENGTHS, 6)
    torch.testing.assert_close(mine(x), theirs(x))
    torch.testing.assert_close(mine(x, masks.padding_mask(keep)), theirs(x, src_key_padding_mask=~keep))
    torch.testing.assert_close(mine(x, masks.causal_mask(6)), theirs(x, src_mask=~masks.causal_mask(6)))


@pytest.mark.parametrize("norm_first", [False, True], ids=["post-LN", "pre-LN"])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_decoder_layer_matches_nn_transformer_decoder_layer(norm_first, activation):
    theirs = randomise(nn.TransformerDecoderLayer(D_MODEL, HEADS, D_FF, dropout=0.0, activation=activation,
                                                  batch_first=True, norm_first=norm_first, dtype=torch.float64), 30)
    mine = mine_like(theirs, TransformerDecoderLayer(D_MODEL, HEADS, D_FF, dropout=0.0, activation=activation,
                                                     norm_first=norm_first))
    target = inputs(31, 3, 5, D_MODEL).requires_grad_(True)
    memory = inputs(32, 3, 6, D_MODEL)
    src_keep = masks.attention_mask_from_lengths(SRC_LENGTHS, 6)
    tgt_keep = masks.attention_mask_from_lengths(TGT_LENGTHS, 5)
    causal = masks.causal_mask(5)
    expected = theirs(target, memory, tgt_mask=~causal, tgt_key_padding_mask=~tgt_keep, memory_key_padding_mask=~src_keep)
    got = mine(target, memory, masks.combine_masks(causal, masks.padding_mask(tgt_keep)), masks.padding_mask(src_keep))
    torch.testing.assert_close(got, expected)
    torch.testing.assert_close(mine(target, memory), theirs(target, memory))


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning")  # nn.Transformer's own remark
@pytest.mark.parametrize("norm_first", [False, True], ids=["post-LN", "pre-LN"])
def test_stacks_load_nn_transformer_weights(norm_first):
    """nn.Transformer always ends each stack with a LayerNorm; final_norm=True gives ours one too."""
    theirs = randomise(nn.Transformer(D_MODEL, HEADS, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=D_FF,
                                      dropout=0.0, batch_first=True, norm_first=norm_first, dtype=torch.float64), 40)
    encoder = mine_like(theirs.encoder, TransformerEncoder(2, D_MODEL, HEADS, D_FF, 0.0, norm_first=norm_first, final_norm=True))
    decoder = mine_like(theirs.decoder, TransformerDecoder(2, D_MODEL, HEADS, D_FF, 0.0, norm_first=norm_first, final_norm=True))
    src, tgt = inputs(41, 3, 6, D_MODEL).requires_grad_(True), inputs(42, 3, 5, D_MODEL)
    src_keep = masks.attention_mask_from_lengths(SRC_LENGTHS, 6)
    causal = masks.causal_mask(5)
    expected = theirs(src, tgt, tgt_mask=~causal, src_key_padding_mask=~src_keep, memory_key_padding_mask=~src_keep)
    memory = encoder(src, masks.padding_mask(src_keep))
    torch.testing.assert_close(decoder(tgt, memory, causal, masks.padding_mask(src_keep)), expected)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning")
def test_the_whole_transformer_takes_nn_transformers_stacks():
    theirs = nn.Transformer(D_MODEL, HEADS, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=D_FF, batch_first=True)
    ours = Transformer(11, 11, D_MODEL, HEADS, 2, 2, D_FF, final_norm=True)
    ours.encoder.load_state_dict(from_torch_state_dict(theirs.encoder.state_dict()))
    ours.decoder.load_state_dict(from_torch_state_dict(theirs.decoder.state_dict()))
    without = Transformer(11, 11, D_MODEL, HEADS, 2, 2, D_FF)  # post-LN: no final norm unless asked
    assert without.encoder.norm is None and without.decoder.norm is None


def test_in_proj_weight_is_split_into_q_k_v_in_order():
    mha = torch_mha()
    renamed = from_torch_state_dict(mha.state_dict())
    assert set(renamed) == {f"w_{p}.{k}" for p in "qkvo" for k in ("weight", "bias")}
    for i, part in enumerate("qkv"):
        torch.testing.assert_close(renamed[f"w_{part}.weight"], mha.in_proj_weight[i * D_MODEL:(i + 1) * D_MODEL])
        torch.testing.assert_close(renamed[f"w_{part}.bias"], mha.in_proj_bias[i * D_MODEL:(i + 1) * D_MODEL])
    names = from_torch_state_dict(nn.TransformerDecoderLayer(D_MODEL, HEADS, D_FF).state_dict())
    assert "cross_attn.w_k.weight" in names and "ff.w_2.bias" in names and "norm3.weight" in names


def small_transformer(**overrides) -> Transformer:
    torch.manual_seed(0)
    settings = dict(d_model=16, num_heads=2, num_encoder_layers=2, num_decoder_layers=2, d_ff=32, dropout=0.0, max_len=32)
    return Transformer(11, 13, **{**settings, **overrides}).eval()


@pytest.mark.parametrize("norm_first", [False, True], ids=["post-LN", "pre-LN"])
def test_full_model_runs_and_learns_a_step(norm_first):
    model = small_transformer(norm_first=norm_first).train()
    src, tgt = torch.randint(0, 11, (4, 7)), torch.randint(0, 13, (4, 6))
    src_keep = masks.attention_mask_from_lengths(torch.tensor([7, 5, 3, 7]), 7)
    logits = model(src, tgt, src_keep)
    assert logits.shape == (4, 6, 13) and torch.isfinite(logits).all()
    assert model.out.weight is model.tgt_embed.weight, "tied output projection"
    loss = F.cross_entropy(logits.reshape(-1, 13), tgt.roll(-1, 1).reshape(-1))
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())
    assert model.src_embed.weight.grad.abs().sum() > 0
    untied = small_transformer(tie_output=False)
    assert untied.out.weight is not untied.tgt_embed.weight


def test_embeddings_are_scaled_by_sqrt_d_model_plus_positions():
    model = small_transformer()
    ids = torch.tensor([[3, 4, 5]])
    expected = model.tgt_embed.weight[ids] * math.sqrt(16) + model.positions[:3]
    torch.testing.assert_close(model.embed(ids, model.tgt_embed), expected)


def test_decoder_position_t_ignores_later_target_tokens():
    model = small_transformer()
    src = torch.randint(0, 11, (2, 7))
    tgt = torch.randint(0, 13, (2, 6))
    memory = model.encode(src)
    before = model.decode(tgt, memory)
    for t in range(6):
        changed = tgt.clone()
        changed[:, t + 1:] = (changed[:, t + 1:] + 5) % 13  # every later token replaced
        after = model.decode(changed, memory)
        torch.testing.assert_close(after[:, :t + 1], before[:, :t + 1])
        if t < 5:
            assert not torch.allclose(after[:, t + 1:], before[:, t + 1:]), "later positions do see the change"


def test_padded_source_tokens_change_nothing():
    model = small_transformer()
    src, tgt = torch.randint(0, 11, (2, 7)), torch.randint(0, 13, (2, 4))
    keep = masks.attention_mask_from_lengths(torch.tensor([4, 6]), 7)
    other = torch.where(keep, src, (src + 3) % 11)  # different tokens in the padding only
    torch.testing.assert_close(model(other, tgt, keep), model(src, tgt, keep))
    torch.testing.assert_close(model.encode(other, keep)[keep], model.encode(src, keep)[keep])


def test_greedy_generation_is_the_argmax_of_teacher_forcing():
    model = small_transformer()
    src = torch.randint(0, 11, (3, 5))
    new = model.generate(src, bos_id=1, max_new_tokens=6)
    assert new.shape == (3, 6)
    prefix = torch.cat([torch.ones(3, 1, dtype=torch.long), new[:, :-1]], dim=1)  # BOS, then what it generated
    assert torch.equal(model(src, prefix).argmax(-1), new)


def test_generation_stops_and_repeats_eos():
    model = small_transformer()
    src = torch.randint(0, 11, (3, 5))
    free = model.generate(src, bos_id=1, max_new_tokens=8)
    eos = int(free[0, 2])  # pretend the third token of the first sequence is the end
    new = model.generate(src, bos_id=1, max_new_tokens=8, eos_id=eos)
    for row in new.tolist():
        if eos in row:
            first = row.index(eos)
            assert row[first:] == [eos] * (len(row) - first)
    assert new.shape[1] <= 8 and new[0, 2] == eos


def test_learned_positional_embedding_adds_one_vector_per_position():
    torch.manual_seed(0)
    positions = LearnedPositionalEmbedding(max_len=8, d_model=4)
    x = torch.zeros(2, 5, 4)
    out = positions(x)
    torch.testing.assert_close(out[0], positions.position_embeddings.weight[:5])
    torch.testing.assert_close(out[1], out[0])
    assert 0.005 < positions.position_embeddings.weight.std().item() < 0.05
    with pytest.raises(ValueError, match="exceeds max_len"):
        positions(torch.zeros(1, 9, 4))
