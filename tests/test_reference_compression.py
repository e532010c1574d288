"""The compression reference against PyTorch's own tools on the same numbers.

int8 codes equal torch.quantize_per_tensor / quantize_per_channel's; the affine parameters equal
torch.ao's MinMaxObserver's; the dynamic-quantised Linear stays inside its own rounding bound and
a whole quantised BERT stays close to the float model and to torch.ao.quantization.quantize_dynamic;
magnitude masks equal torch.nn.utils.prune's; head gates, head masking and head pruning agree with
each other, and head importance is the derivative of the loss (checked by finite differences).
torch.ao.quantization and the quantised tensor factories are deprecated in torch 2.13 (they still
work); their warnings are silenced here only.
"""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn
from torch.nn.utils import prune

from bertstudy.reference import compression as C
from bertstudy.reference.bert import BertConfig, BertForMaskedLM, BertForSequenceClassification

pytestmark = [pytest.mark.filterwarnings("ignore:torch.ao.quantization is deprecated:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:torch.quantize_per_tensor, torch.quantize_per_channel:UserWarning")]


def randn(*shape: int, seed: int = 0, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def tiny_classifier(seed: int = 0, dtype: torch.dtype = torch.float32, **overrides) -> BertForSequenceClassification:
    """A tiny BERT classifier in eval mode with every parameter random (LayerNorm gains near 1)."""
    torch.manual_seed(seed)
    config = BertConfig.tiny(num_attention_heads=4, **overrides)
    model = BertForSequenceClassification(config).to(dtype).eval()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g, dtype=torch.float64).to(dtype)
            p.copy_(1 + 0.1 * noise if "LayerNorm.weight" in name else 0.3 * noise / p.shape[-1] ** 0.5)
    return model


def batch(seed: int = 0, size: int = 4, length: int = 10) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    attention_mask = torch.ones(size, length, dtype=torch.int64)
    attention_mask[1, length - 3:] = 0
    return {"input_ids": torch.randint(1, 100, (size, length), generator=g), "attention_mask": attention_mask}


# ---- int8 codes ----------------------------------------------------------------------------------------


def test_per_tensor_codes_equal_torch_quantize_per_tensor():
    w = randn(16, 24)
    q, scale = C.quantize_int8(w)
    assert q.dtype == torch.int8 and scale.dtype == torch.float32 and scale.dim() == 0
    torch.testing.assert_close(scale, w.abs().max() / 127)
    theirs = torch.quantize_per_tensor(w, scale.item(), 0, torch.qint8)  # float32 only
    assert torch.equal(q, theirs.int_repr())
    assert q.abs().max() == 127  # the largest |w| gets the largest code
    torch.testing.assert_close(C.dequantize(q, scale), theirs.dequantize())


def test_float64_weights_give_float64_scales_and_values():
    w = randn(5, 6, dtype=torch.float64)
    for axis in (None, 1):
        q, scale = C.quantize_int8(w, axis=axis)
        assert q.dtype == torch.int8 and scale.dtype == torch.float64
        assert torch.equal(q, torch.round(w / C.along(scale, axis, 2)).to(torch.int8))
        assert C.dequantize(q, scale, axis=axis).dtype == torch.float64


@pytest.mark.parametrize("shape, axis", [((6, 20), 0), ((6, 20), 1), ((3, 5, 7), -1), ((3, 5, 7), 1), ((9,), 0)])
def test_per_channel_codes_equal_torch_quantize_per_channel(shape, axis):
    sizes = C.along(torch.linspace(0.1, 3.0, shape[axis]), axis, len(shape))  # channels of different sizes
    w = randn(*shape, seed=1) * sizes
    q, scale = C.quantize_int8(w, axis=axis)
    assert scale.shape == (shape[axis],)
    torch.testing.assert_close(scale, w.abs().movedim(axis, 0).reshape(shape[axis], -1).amax(dim=1) / 127)
    theirs = torch.quantize_per_channel(w, scale.double(), torch.zeros(shape[axis], dtype=torch.int64),
                                        axis % len(shape), torch.qint8)
    assert torch.equal(q, theirs.int_repr())
    torch.testing.assert_close(C.dequantize(q, scale, axis=axis), theirs.dequantize())


def test_per_channel_is_finer_than_per_tensor_when_rows_differ_in_scale():
    w = randn(8, 64, seed=2) * torch.logspace(-2, 0, 8)[:, None]  # rows from 0.01 to 1 in size
    per_tensor = C.dequantize(*C.quantize_int8(w))
    per_channel = C.dequantize(*C.quantize_int8(w, axis=0), axis=0)
    small_row = 0
    assert (per_channel - w)[small_row].abs().max() < (per_tensor - w)[small_row].abs().max() / 10


def test_rounding_is_half_to_even_like_torch():
    w = torch.tensor([127.0, 2.5, -0.5, 1.5, -126.5, 0.5, 3.5])  # scale = 127 / 127 = 1 exactly
    q, scale = C.quantize_int8(w)
    assert scale.item() == 1.0
    assert q.tolist() == [127, 2, 0, 2, -126, 0, 4]
    assert torch.equal(q, torch.quantize_per_tensor(w, 1.0, 0, torch.qint8).int_repr())


def test_a_given_scale_saturates_at_plus_and_minus_127():
    w = torch.tensor([-300.0, -127.6, -127.4, 0.0, 127.6, 200.0])
    q, scale = C.quantize_int8(w, scale=torch.tensor(1.0))
    assert q.tolist() == [-127, -127, -127, 0, 127, 127]
    torch_codes = torch.quantize_per_tensor(w, 1.0, 0, torch.qint8).int_repr()  # qint8 allows -128
    assert torch_codes.tolist()[:2] == [-128, -128] and torch.equal(q, torch_codes.clamp(-127, 127))


def test_an_all_zero_channel_gets_scale_one_and_zero_codes():
    w = randn(3, 5, seed=3)
    w[1] = 0.0
    q, scale = C.quantize_int8(w, axis=0)
    assert scale[1].item() == 1.0 and q[1].eq(0).all()
    assert torch.isfinite(C.dequantize(q, scale, axis=0)).all()
    assert C.quantize_int8(torch.zeros(4))[1].item() == 1.0


@pytest.mark.parametrize("axis", [None, 0])
def test_dequantized_weights_are_within_half_a_step(axis):
    w = randn(10, 30, seed=4)
    q, scale = C.quantize_int8(w, axis=axis)
    error = (C.dequantize(q, scale, axis=axis) - w).abs()
    assert (error <= C.along(scale, axis, 2) / 2 + 1e-7).all()


def test_affine_uint8_equals_torch_and_keeps_zero_exact():
    x = randn(5, 40, seed=5) * 2 + 1.5  # mostly positive, not centred on 0
    q, scale, zero_point = C.quantize_uint8(x)
    assert q.dtype == torch.uint8 and zero_point.dtype == torch.int64
    theirs = torch.quantize_per_tensor(x, scale.item(), int(zero_point), torch.quint8)
    assert torch.equal(q, theirs.int_repr())
    assert q.min() == 0 and q.max() == 255  # the whole code range is used
    zero = C.quantize(torch.zeros(1), scale, zero_point, q_min=0, q_max=255, dtype=torch.uint8)
    assert C.dequantize(zero, scale, zero_point).item() == 0.0  # the real 0 is exact

    q, scale, zero_point = C.quantize_uint8(x, axis=0)
    theirs = torch.quantize_per_channel(x, scale.double(), zero_point, 0, torch.quint8)
    assert torch.equal(q, theirs.int_repr())
    torch.testing.assert_close(C.dequantize(q, scale, zero_point, axis=0), theirs.dequantize())


@pytest.mark.parametrize("data", [randn(200, seed=6) * 3 + 1, randn(200, seed=7).abs() + 0.5, -randn(200, seed=8).abs()])
def test_affine_qparams_equal_the_min_max_observer(data):
    from torch.ao.quantization.observer import MinMaxObserver

    observer = MinMaxObserver(dtype=torch.quint8, qscheme=torch.per_tensor_affine)
    observer(data)
    scale, zero_point = observer.calculate_qparams()
    mine_scale, mine_zero_point = C.affine_qparams(data)
    torch.testing.assert_close(mine_scale, scale.squeeze())
    assert int(mine_zero_point) == int(zero_point)


def test_dequantize_widens_uint8_codes_before_subtracting():
    q = torch.tensor([3, 128, 255], dtype=torch.uint8)
    assert C.dequantize(q, torch.tensor(0.5), 128).tolist() == [-62.5, 0.0, 63.5]
    assert (q - 128).tolist() == [131, 0, 127]  # what a uint8 subtraction would give


# ---- dynamic quantisation ---------------------------------------------------------------------------


@pytest.mark.parametrize("per_channel", [True, False])
def test_quantized_linear_stays_within_its_rounding_bound(per_channel):
    linear = nn.Linear(48, 20)
    with torch.no_grad():
        linear.weight.copy_(randn(20, 48, seed=9) * torch.logspace(-1, 0, 20)[:, None])
    x = randn(3, 7, 48, seed=10) + 0.5
    quantized = C.QuantizedLinear.from_linear(linear, per_channel)
    assert quantized.weight_q.dtype == torch.int8
    error = (quantized(x) - linear(x)).abs()
    bound = quantized.error_bound(x)
    assert (error <= bound + 1e-5).all()
    assert error.max() > bound.max() / 50, "the bound is a real one, not a vacuous one"
    assert error.max() < 0.02 * linear(x).abs().max()
    empty = quantized(x[:0])  # an empty batch has nothing to quantise
    assert empty.shape == (0, 7, 20)


def test_our_dynamic_quantisation_is_close_to_torch_ao():
    from torch.ao.quantization import quantize_dynamic

    model = tiny_classifier(seed=11, hidden_size=64, intermediate_size=256)
    inputs = batch(seed=12, size=16)
    with torch.no_grad():
        full = model(**inputs)
        ours = C.quantize_dynamic(model)(**inputs)
        theirs = quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)(**inputs)

    def relative(a: torch.Tensor, b: torch.Tensor) -> float:
        return ((a - b).norm() / b.norm()).item()

    assert relative(ours, full) < 0.02  # both quantised models stay within 2% of the float one
    assert relative(theirs, full) < 0.02
    assert relative(ours, theirs) < 0.03
    assert relative(ours, full) > 1e-5, "the quantised model really computes with rounded numbers"
    assert torch.equal(model(**inputs), full), "quantize_dynamic leaves the model it copies alone"


def test_dynamic_quantisation_shrinks_the_linear_layers_about_fourfold():
    from torch.ao.quantization import quantize_dynamic

    model = tiny_classifier(seed=13, hidden_size=128, intermediate_size=512, vocab_size=30)
    linear_bytes = 4 * sum(m.weight.numel() + m.bias.numel() for m in model.modules() if isinstance(m, nn.Linear))
    full, ours, theirs = (C.serialized_size(m) for m in (model, C.quantize_dynamic(model),
                                                        quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)))
    assert linear_bytes > 0.9 * full  # a model made almost only of Linear layers...
    assert 0.25 < ours / full < 0.35  # ...shrinks to a little over a quarter (float biases and scales remain)
    assert abs(ours - theirs) < 0.1 * theirs
    quantized = C.quantize_dynamic(model)
    assert not any(isinstance(m, nn.Linear) for m in quantized.modules())
    assert sum(isinstance(m, C.QuantizedLinear) for m in quantized.modules()) == 2 * 6 + 2


# ---- magnitude pruning --------------------------------------------------------------------------------


@pytest.mark.parametrize("sparsity", [0.0, 0.3, 0.5, 0.77, 0.9, 1.0])
def test_magnitude_prune_equals_l1_unstructured(sparsity):
    linear = nn.Linear(13, 11)
    w = linear.weight.detach().clone()
    pruned, mask = C.magnitude_prune(w, sparsity)
    prune.l1_unstructured(linear, "weight", amount=sparsity)
    assert mask.dtype == torch.bool and torch.equal(mask, linear.weight_mask.bool())
    assert torch.equal(pruned, linear.weight.detach())
    assert int((~mask).sum()) == round(sparsity * w.numel())
    assert (pruned[mask] == w[mask]).all() and (pruned[~mask] == 0).all()


def test_pruning_breaks_ties_by_position_and_keeps_gradients():
    w = torch.tensor([[0.5, -0.1, 0.1], [0.1, -2.0, -0.1]], requires_grad=True)  # four weights tie at |w| = 0.1
    pruned, mask = C.magnitude_prune(w, 0.5)  # round(0.5 · 6) = 3
    assert mask.tolist() == [[True, False, False], [False, True, True]]
    pruned.sum().backward()
    assert torch.equal(w.grad, mask.float())  # gradients flow through the kept weights only
    with pytest.raises(ValueError, match="sparsity"):
        C.magnitude_prune(w, 1.2)


def test_global_masks_equal_global_unstructured():
    layers = [nn.Linear(10, 20), nn.Linear(20, 5), nn.Linear(5, 3)]
    with torch.no_grad():
        layers[1].weight.mul_(5)  # one layer of larger weights loses fewer of them
    weights = {f"l{i}": layer.weight.detach().clone() for i, layer in enumerate(layers)}
    masks = C.magnitude_masks(weights, 0.6, scope="global")
    prune.global_unstructured([(layer, "weight") for layer in layers], pruning_method=prune.L1Unstructured, amount=0.6)
    for i, layer in enumerate(layers):
        assert torch.equal(masks[f"l{i}"], layer.weight_mask.bool())
    total = sum(w.numel() for w in weights.values())
    assert sum(int((~m).sum()) for m in masks.values()) == round(0.6 * total)
    assert (~masks["l1"]).float().mean() < (~masks["l0"]).float().mean()


def test_per_layer_masks_prune_each_layer_to_the_same_sparsity():
    weights = {"a": randn(10, 20, seed=14), "b": randn(20, 5, seed=15) * 5}
    masks = C.magnitude_masks(weights, 0.4, scope="layer")
    assert [int((~m).sum()) for m in masks.values()] == [80, 40]
    with pytest.raises(ValueError, match="scope"):
        C.magnitude_masks(weights, 0.4, scope="model")


def test_row_pruning_equals_ln_structured():
    linear = nn.Linear(12, 10)
    mask = C.row_prune_mask(linear.weight, 0.3)
    prune.ln_structured(linear, "weight", amount=0.3, n=2, dim=0)
    assert torch.equal(mask, linear.weight_mask[:, 0].bool())
    assert linear.weight_mask.eq(linear.weight_mask[:, :1]).all()  # whole rows go
    assert int((~mask).sum()) == 3


def test_prune_linear_layers_zeroes_in_place_and_spares_tied_embeddings():
    torch.manual_seed(16)
    model = BertForMaskedLM(BertConfig.tiny())
    embeddings = model.bert.embeddings.word_embeddings.weight.detach().clone()
    names = set(C.linear_weights(model))
    assert "cls.predictions.decoder.weight" not in names and "cls.predictions.transform.dense.weight" in names
    masks = C.prune_linear_layers(model, 0.5)
    assert set(masks) == names
    weights = C.linear_weights(model)
    assert all(torch.equal(weights[n] == 0, ~masks[n]) for n in names)
    assert torch.equal(model.bert.embeddings.word_embeddings.weight, embeddings)


# ---- attention heads --------------------------------------------------------------------------------


def test_gates_at_one_change_nothing_and_are_removed_afterwards():
    model = tiny_classifier(seed=17)
    inputs = batch(seed=18)
    before = model(**inputs)
    with C.gated_heads(model) as gates:
        assert gates.shape == (2, 4) and gates.requires_grad
        torch.testing.assert_close(model(**inputs), before, rtol=0, atol=0)
        with torch.no_grad():
            gates.zero_()
        assert not torch.allclose(model(**inputs), before)
    torch.testing.assert_close(model(**inputs), before, rtol=0, atol=0)


def test_masking_gating_and_pruning_heads_agree():
    model = tiny_classifier(seed=19)
    inputs = batch(seed=20)
    heads = {0: [1, 3], 1: [0]}
    masked, pruned = copy.deepcopy(model), copy.deepcopy(model)
    C.mask_heads(masked, heads)
    C.prune_heads(pruned, heads)
    with C.gated_heads(model) as gates, torch.no_grad():
        gates[0, 1] = gates[0, 3] = gates[1, 0] = 0.0
        gated = model(**inputs)
    torch.testing.assert_close(masked(**inputs), gated)
    torch.testing.assert_close(pruned(**inputs), gated)
    assert not torch.allclose(gated, model(**inputs))
    layer0 = pruned.bert.encoder.layer[0].attention
    d_head = 32 // 4
    assert layer0.self.num_heads == 2 and layer0.self.query.weight.shape == (2 * d_head, 32)
    assert layer0.output.dense.weight.shape == (32, 2 * d_head)
    removed = sum(p.numel() for p in model.parameters()) - sum(p.numel() for p in pruned.parameters())
    assert removed == 3 * (4 * 32 * d_head + 3 * d_head)  # per head: Q, K, V rows and biases, W_O columns


def test_a_layer_can_lose_every_head():
    model = tiny_classifier(seed=21)
    inputs = batch(seed=22)
    masked, pruned = copy.deepcopy(model), copy.deepcopy(model)
    C.mask_heads(masked, {1: [0, 1, 2, 3]})
    C.prune_heads(pruned, {1: [0, 1, 2, 3]})
    torch.testing.assert_close(pruned(**inputs), masked(**inputs))
    assert pruned.bert.encoder.layer[1].attention.self.num_heads == 0


def test_importance_after_pruning_never_names_a_head_that_is_gone():
    model = tiny_classifier(seed=28)
    C.prune_heads(model, {0: [0, 1]})  # layer 0 keeps 2 of its 4 heads
    labels = torch.tensor([1, 0, 0, 1])
    importance = C.head_importance(model, [batch(seed=29)], lambda m, b: nn.functional.cross_entropy(m(**b), labels))
    assert torch.isinf(importance[0, 2:]).all() and torch.isfinite(importance[0, :2]).all()
    chosen = C.heads_to_remove(importance, 0.5)  # 3 of the 6 heads left
    assert sum(len(h) for h in chosen.values()) == 3 and all(h < 2 for h in chosen.get(0, []))


def test_head_importance_is_the_loss_derivative_by_finite_differences():
    model = tiny_classifier(seed=23, dtype=torch.float64)
    inputs = batch(seed=24)
    labels = torch.tensor([0, 1, 1, 0])

    def loss_fn(m: nn.Module, b: dict[str, torch.Tensor]) -> torch.Tensor:
        return nn.functional.cross_entropy(m(**b), labels)

    importance = C.head_importance(model, [inputs], loss_fn, normalize=False)
    eps = 1e-6
    for layer, head in [(0, 0), (0, 2), (1, 3)]:
        losses = []
        for delta in (eps, -eps):
            with C.gated_heads(model) as gates, torch.no_grad():
                gates[layer, head] += delta
                losses.append(loss_fn(model, inputs).item())
        slope = (losses[0] - losses[1]) / (2 * eps)
        assert importance[layer, head].item() == pytest.approx(abs(slope), rel=1e-5, abs=1e-9)
    assert all(p.grad is None for p in model.parameters())


def test_normalised_importance_ranks_heads_and_picks_the_least_important():
    model = tiny_classifier(seed=25)
    batches = [batch(seed=s) for s in (26, 27)]
    labels = torch.tensor([1, 0, 0, 1])
    importance = C.head_importance(model, batches, lambda m, b: nn.functional.cross_entropy(m(**b), labels))
    torch.testing.assert_close(importance.norm(dim=-1), torch.ones(2))
    chosen = C.heads_to_remove(importance, 0.25)  # 2 of the 8 heads
    assert sum(len(h) for h in chosen.values()) == 2
    chosen_scores = [importance[i, h] for i, hs in chosen.items() for h in hs]
    others = [importance[i, h] for i in range(2) for h in range(4) if h not in chosen.get(i, [])]
    assert max(chosen_scores) <= min(others)
    with pytest.raises(ValueError, match="at least one batch"):
        C.head_importance(model, [], lambda m, b: m(**b).sum())
