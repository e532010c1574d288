"""Model compression: making BERT smaller and faster, each method written out so the arithmetic shows.

- Knowledge distillation (Hinton et al. 2015): a small student learns the teacher's softened
  output distribution as well as the true labels; DistilBERT (Sanh et al. 2019) trains its
  student this way.
- int8 quantisation (Jacob et al. 2018; Q8BERT, Zafrir et al. 2019): symmetric codes (zero point
  0, scale = max|w| / 127, codes in [-127, 127]) and affine uint8 codes with a zero point, per
  tensor or per channel; and dynamic quantisation of a model's nn.Linear layers (int8 weights made
  once, activations quantised afresh for every batch), the scheme of PyTorch's
  `quantize_dynamic`.
- Magnitude pruning: zero the weights with the smallest |w|, per layer or over the whole model,
  and structured pruning of whole rows (output neurons).
- Attention heads (Michel et al. 2019, "Are Sixteen Heads Really Better than One?"): a head's
  importance is |∂L/∂ξ_h| for a gate ξ_h that multiplies the head's output, and unimportant heads
  are masked (their weights zeroed) or pruned (their weights sliced away) in the reference
  BertModel, from outside it: bert.py itself has no head mask.

Leaves out: DistilBERT's masked-LM and cosine-embedding terms; static quantisation (activation
scales calibrated ahead of time), quantisation-aware training, 4-bit and float8 formats; sparse
storage formats; iterative pruning with retraining in between; fast integer kernels
(QuantizedLinear accumulates its int8 products exactly in int32 with torch's plain integer
matmul: the arithmetic of an int8 kernel, not its speed).
"""

from __future__ import annotations

import contextlib
import copy
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from bertstudy.reference.attention import scaled_dot_product_attention
from bertstudy.reference.bert import BertEncoder, BertSelfAttention

# ---- knowledge distillation -------------------------------------------------------------------------


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    temperature: float = 2.0,
    alpha: float = 0.5,
) -> torch.Tensor:
    """alpha * T² * KL(p_teacher || p_student) + (1 - alpha) * CE(student_logits, labels).

    student_logits, teacher_logits (B, C) float; labels (B,) int64 in [0, C). p_teacher and
    p_student are softmax(logits / T) with T = temperature; the KL divergence is summed over the
    C classes and averaged over the B examples. The cross-entropy uses the raw student logits
    (T = 1), averaged over the batch. The T² keeps the soft term's gradients the same size as T
    changes. The teacher is frozen: no gradient reaches teacher_logits. Returns a 0-dim tensor.
    """
    teacher_logits = teacher_logits.detach()  # the teacher is a constant
    log_p_student = torch.log_softmax(student_logits / temperature, dim=-1)  # (B, C)
    log_p_teacher = torch.log_softmax(teacher_logits / temperature, dim=-1)  # (B, C)
    kl = (log_p_teacher.exp() * (log_p_teacher - log_p_student)).sum(dim=-1)  # (B,)
    soft = temperature**2 * kl.mean()
    hard = F.cross_entropy(student_logits, labels)  # mean over the batch
    return alpha * soft + (1 - alpha) * hard


# ---- int8 quantisation ------------------------------------------------------------------------------
#
# A code q stands for the real number scale · (q - zero_point). Symmetric int8 fixes zero_point = 0
# and clamps to [-127, 127], not [-128, 127]: with scale = max|w| / 127 the code -128 is never
# needed, the grid is the same on both sides of 0 (so q(-w) = -q(w)), and a sum of two products of
# codes stays within int16 (2 · 127² = 32258 ≤ 32767, while 2 · 128² = 32768 is one too many).
# Q8BERT uses the same range (M = 2^(8-1) - 1 = 127).
# Affine uint8 codes (0..255) with a zero point suit values that are not centred on 0 (the
# activations after a GELU, say); the zero point is the code of the real 0, which stays exact.

INT8_MAX = 127  # symmetric int8 codes lie in [-127, 127]
UINT8_MAX = 255  # affine uint8 codes lie in [0, 255]


def along(t: torch.Tensor, axis: int | None, ndim: int) -> torch.Tensor:
    """A per-channel tensor (C,) reshaped to broadcast along `axis` of an ndim-dimensional tensor
    ((1, ..., C, ..., 1)); a per-tensor value (axis None) comes back unchanged."""
    if axis is None:
        return t
    shape = [1] * ndim
    shape[axis] = -1
    return t.reshape(shape)


def channels(x: torch.Tensor, axis: int) -> torch.Tensor:
    """x with `axis` moved first and the rest flattened: (C, everything else)."""
    return x.movedim(axis, 0).reshape(x.shape[axis], -1)  # (C, N / C)


def symmetric_scale(w: torch.Tensor, axis: int | None = None) -> torch.Tensor:
    """scale = max|w| / 127: one for the whole tensor (0-dim) or one per channel along `axis` (C,).

    An all-zero channel would get scale 0 (and 0 / 0 codes); any positive scale maps it to codes 0,
    so it gets 1.0. The scale has w's dtype.
    """
    max_abs = w.abs().amax() if axis is None else channels(w.abs(), axis).amax(dim=1)  # () or (C,)
    scale = max_abs / INT8_MAX
    return torch.where(scale > 0, scale, torch.ones_like(scale))


def affine_qparams(x: torch.Tensor, axis: int | None = None, q_min: int = 0, q_max: int = UINT8_MAX,
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """(scale, zero_point) that map [min(x), max(x)] onto the codes [q_min, q_max].

    The range is widened to include 0, so the real 0 has an exact code (padding and ReLU zeros stay
    exactly 0): lo = min(min x, 0), hi = max(max x, 0), scale = (hi - lo) / (q_max - q_min),
    zero_point = q_min - round(lo / scale), clamped into [q_min, q_max]. Per tensor (0-dim results)
    or per channel along `axis` ((C,) results); zero_point is int64. A constant-zero range gets
    scale 1.0, as in symmetric_scale.
    """
    if axis is None:
        lo, hi = x.amin().clamp(max=0), x.amax().clamp(min=0)  # () each
    else:
        lo, hi = channels(x, axis).amin(dim=1).clamp(max=0), channels(x, axis).amax(dim=1).clamp(min=0)  # (C,) each
    scale = (hi - lo) / (q_max - q_min)
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))
    zero_point = (q_min - torch.round(lo / scale)).clamp(q_min, q_max).to(torch.int64)
    return scale, zero_point


def quantize(x: torch.Tensor, scale: torch.Tensor, zero_point: int | torch.Tensor = 0, axis: int | None = None,
             q_min: int = -INT8_MAX, q_max: int = INT8_MAX, dtype: torch.dtype = torch.int8) -> torch.Tensor:
    """q = clamp(round(x / scale) + zero_point, q_min, q_max) as integers of `dtype`.

    scale (and zero_point, when a tensor) are 0-dim for one per tensor, or (C,) for one per
    channel along `axis`. round is torch.round: halves go to the even neighbour (2.5 -> 2,
    3.5 -> 4), as torch.quantize_per_tensor does. Values beyond the codes' range saturate.
    """
    scale = along(scale, axis, x.dim())  # () or (1, .., C, .., 1)
    zero_point = along(torch.as_tensor(zero_point), axis, x.dim())
    q = torch.round(x / scale) + zero_point  # x's shape, still float
    return q.clamp(q_min, q_max).to(dtype)


def dequantize(q: torch.Tensor, scale: torch.Tensor, zero_point: int | torch.Tensor = 0,
               axis: int | None = None) -> torch.Tensor:
    """x̂ = scale · (q - zero_point), in scale's dtype.

    q integer codes (int8, uint8, ...); scale a float tensor, 0-dim (per tensor) or (C,) (per
    channel along `axis`); zero_point an int or an integer tensor of scale's shape. The codes are
    widened to int32 before the subtraction: in uint8, 3 - 128 would wrap around to 131.
    """
    zero_point = along(torch.as_tensor(zero_point), axis, q.dim())
    scale = along(scale, axis, q.dim())
    return (q.to(torch.int32) - zero_point).to(scale.dtype) * scale  # q's shape


def quantize_int8(w: torch.Tensor, axis: int | None = None, scale: torch.Tensor | None = None,
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric int8 quantisation: (q int8, scale).

    w float (any shape). axis None: one scale for the whole tensor (0-dim); an int: one scale per
    channel along that axis ((C,), C = w.shape[axis]; axis 0 of a Linear weight (out, in) gives
    one per output neuron). scale None: max|w| / 127 (see symmetric_scale); or a given scale
    (e.g. calibrated on other data), in which case values beyond ±127·scale saturate.
    q = clamp(round(w / scale), -127, 127). The scale returned has w's dtype.
    """
    if scale is None:
        scale = symmetric_scale(w, axis)
    return quantize(w, scale, 0, axis, -INT8_MAX, INT8_MAX, torch.int8), scale


def quantize_uint8(x: torch.Tensor, axis: int | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Affine (asymmetric) uint8 quantisation: (q uint8, scale, zero_point int64), see affine_qparams."""
    scale, zero_point = affine_qparams(x, axis)
    return quantize(x, scale, zero_point, axis, 0, UINT8_MAX, torch.uint8), scale, zero_point


# ---- dynamic quantisation of a model's Linear layers ------------------------------------------------


class QuantizedLinear(nn.Module):
    """nn.Linear with int8 weights and activations quantised on the fly (dynamic quantisation).

    The weights are quantised once, symmetric int8, with one scale per output neuron (per_channel,
    axis 0 of the (out, in) weight) or one for the whole matrix. The input is quantised afresh for
    every call, affine uint8 per tensor, from that batch's own min and max: no calibration data is
    needed, which is what "dynamic" means. The products of codes are summed exactly in int32, then
    one multiplication brings them back to real numbers:

        y_i = s_x · s_w,i · Σ_j (q_x,j - z_x) · q_w,ij + b_i

    The bias stays in float, as in PyTorch's dynamic Linear. (PyTorch's default differs in two
    ways: one scale for the whole weight matrix, and activations squeezed into 7 bits,
    reduce_range=True, so that its x86 kernels cannot overflow.)
    """

    def __init__(self, weight_q: torch.Tensor, weight_scale: torch.Tensor, bias: torch.Tensor | None):
        super().__init__()
        self.out_features, self.in_features = weight_q.shape
        self.register_buffer("weight_q", weight_q)  # (out, in) int8
        self.register_buffer("weight_scale", weight_scale)  # (out,) per channel, or () per tensor
        self.register_buffer("bias", bias)  # (out,) float, or None

    @classmethod
    def from_linear(cls, linear: nn.Linear, per_channel: bool = True) -> QuantizedLinear:
        weight = linear.weight.detach()  # (out, in)
        weight_q, weight_scale = quantize_int8(weight, axis=0 if per_channel else None)
        bias = linear.bias.detach().clone() if linear.bias is not None else None
        return cls(weight_q, weight_scale, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.numel() == 0:  # an empty batch has no range to quantise
            y = x.new_zeros(*x.shape[:-1], self.weight_q.size(0))  # (..., out)
            return y + self.bias if self.bias is not None else y
        q_x, s_x, z_x = quantize_uint8(x)  # (..., in) uint8, this batch's scale and zero point
        codes = q_x.to(torch.int32) - z_x.to(torch.int32)  # (..., in), in [-255, 255]
        acc = codes @ self.weight_q.to(torch.int32).T  # (..., out) int32: exact sums of code products
        y = acc.to(x.dtype) * (s_x * self.weight_scale).to(x.dtype)  # (..., out), back to real numbers
        return y + self.bias if self.bias is not None else y

    def error_bound(self, x: torch.Tensor) -> torch.Tensor:
        """An upper bound on |forward(x) - x Wᵀ - b| from rounding alone, elementwise (..., out).

        With x̂ = x + e_x (|e_x| ≤ s_x / 2) and ŵ = w + e_w (|e_w,ij| ≤ s_w,i / 2),
        x̂ ŵᵀ - x wᵀ = e_x ŵᵀ + x e_wᵀ, so |error_i| ≤ s_x/2 · Σ_j |ŵ_ij| + s_w,i/2 · Σ_j |x_j|
        (plus float rounding, far smaller). x must lie within its own range, as in forward.
        """
        _, s_x, _ = quantize_uint8(x)
        w_hat = dequantize(self.weight_q, self.weight_scale, 0, 0 if self.weight_scale.dim() else None)  # (out, in)
        from_x = s_x / 2 * w_hat.abs().sum(dim=1)  # (out,): the input's rounding, through ŵ
        from_w = x.abs().sum(dim=-1, keepdim=True) * self.weight_scale / 2  # (..., out): the weights' rounding
        return from_x + from_w  # (..., out)

    def extra_repr(self) -> str:
        scheme = "per-channel" if self.weight_scale.dim() else "per-tensor"
        return f"in_features={self.in_features}, out_features={self.out_features}, weights int8 {scheme}"


def quantize_dynamic(model: nn.Module, per_channel: bool = True) -> nn.Module:
    """A copy of `model` in which every nn.Linear is a QuantizedLinear; the model itself is untouched.

    Everything else (embeddings, LayerNorm) stays in float, as with
    torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8). A Linear whose
    weight is tied to an embedding (BERT's MLM decoder) gets its own int8 copy. (torch.ao.quantization
    still works in torch 2.13 but is deprecated; its successor is the separate torchao package:
    `quantize_(model, Int8DynamicActivationInt8WeightConfig())`, int8 weights per channel and int8
    activations per token.)
    """
    quantized = copy.deepcopy(model)
    for parent in list(quantized.modules()):
        for name, child in parent.named_children():
            if isinstance(child, nn.Linear):
                setattr(parent, name, QuantizedLinear.from_linear(child, per_channel))
    return quantized


def serialized_size(model: nn.Module) -> int:
    """Bytes of torch.save(model.state_dict()): the size on disk, as PyTorch's quantisation
    tutorial measures it (tensor data plus a little pickling overhead per entry)."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.tell()


# ---- magnitude pruning ------------------------------------------------------------------------------


def prune_count(sparsity: float, n: int) -> int:
    """How many of n entries a sparsity prunes: round(sparsity · n), with Python's round (as
    torch.nn.utils.prune does), so 0.28 of 25 is 7 although 0.28 · 25 = 7.000000000000001."""
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"sparsity must lie in [0, 1], got {sparsity}")
    return round(sparsity * n)


def smallest_first_mask(scores: torch.Tensor, k: int) -> torch.Tensor:
    """A bool mask of scores' shape that is False at the k smallest scores and True elsewhere.
    Ties go by position: among equal scores the one with the lower flat index is pruned first."""
    order = torch.argsort(scores.flatten(), stable=True)  # (N,), smallest first, stable among ties
    keep = torch.ones(scores.numel(), dtype=torch.bool, device=scores.device)
    keep[order[:k]] = False
    return keep.view(scores.shape)


def magnitude_prune(w: torch.Tensor, sparsity: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Unstructured magnitude pruning of one tensor: (pruned, mask).

    w float (any shape); sparsity in [0, 1], the fraction of entries to set to zero: the
    k = round(sparsity · w.numel()) entries with the smallest |w|, ties broken by flat position
    (the lower index goes first). mask is bool of w's shape, True where the weight is kept;
    pruned = w where kept, 0 elsewhere (w's dtype, differentiable through the kept entries).
    """
    mask = smallest_first_mask(w.detach().abs(), prune_count(sparsity, w.numel()))  # w's shape
    return w.masked_fill(~mask, 0.0), mask


def magnitude_masks(weights: dict[str, torch.Tensor], sparsity: float, scope: str = "global",
                    ) -> dict[str, torch.Tensor]:
    """Keep-masks for several weight tensors at one sparsity.

    scope "layer": each tensor loses round(sparsity · its size) entries, its own smallest |w|.
    scope "global": the smallest |w| over all tensors together go, round(sparsity · total) of them,
    so layers with many small weights lose more (ties: earlier tensor, then lower index, first).
    """
    if scope == "layer":
        return {name: magnitude_prune(w, sparsity)[1] for name, w in weights.items()}
    if scope != "global":
        raise ValueError(f"scope must be 'global' or 'layer', got {scope!r}")
    flat = torch.cat([w.detach().abs().flatten() for w in weights.values()])  # (total,)
    keep = smallest_first_mask(flat, prune_count(sparsity, flat.numel()))  # (total,)
    pieces = keep.split([w.numel() for w in weights.values()])
    return {name: piece.view(w.shape) for (name, w), piece in zip(weights.items(), pieces)}


def linear_weights(model: nn.Module) -> dict[str, nn.Parameter]:
    """The weight of every nn.Linear, by name ("encoder.layer.0.intermediate.dense.weight"),
    leaving out a weight tied to an embedding table (BERT's MLM decoder): pruning it would prune
    the embeddings."""
    embedding = {id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}
    return {f"{name}.weight": m.weight for name, m in model.named_modules()
            if isinstance(m, nn.Linear) and id(m.weight) not in embedding}


def prune_linear_layers(model: nn.Module, sparsity: float, scope: str = "global") -> dict[str, torch.Tensor]:
    """Zero the smallest-|w| weights of every nn.Linear of `model` in place; returns the keep-masks
    by weight name. Biases, embeddings and LayerNorms are left alone (they are small)."""
    weights = linear_weights(model)
    masks = magnitude_masks(weights, sparsity, scope)
    with torch.no_grad():
        for name, w in weights.items():
            w.mul_(masks[name])
    return masks


def row_prune_mask(w: torch.Tensor, sparsity: float) -> torch.Tensor:
    """Structured pruning of a Linear weight (out, in): a bool mask (out,) that drops the
    round(sparsity · out) rows (output neurons) with the smallest L2 norm; ties by index."""
    norms = w.detach().norm(dim=1)  # (out,)
    return smallest_first_mask(norms, prune_count(sparsity, w.shape[0]))


# ---- attention heads: importance, masking and pruning -----------------------------------------------


def encoder_of(model: nn.Module) -> BertEncoder:
    """The BertEncoder inside a reference BertModel or any model that holds one."""
    return next(m for m in model.modules() if isinstance(m, BertEncoder))


def head_slice(head: int, d_head: int) -> slice:
    """The features of head `head` in Q, K, V and in the concatenation before W_O."""
    return slice(head * d_head, (head + 1) * d_head)


def head_features(heads: Sequence[int], d_head: int) -> torch.Tensor:
    """The feature indices of `heads`, in order: (len(heads) · d_head,) int64."""
    return torch.tensor([f for h in heads for f in range(h * d_head, (h + 1) * d_head)], dtype=torch.int64)


@contextlib.contextmanager
def gated_heads(model: nn.Module) -> Iterator[torch.Tensor]:
    """Gates ξ (n_layers, max heads), all 1 and requiring grad, that multiply each head's output
    (in the model's dtype).

    Inside the `with`, head h of layer i contributes ξ[i, h] · head_h to the attention output:
    a forward pre-hook on the layer's output projection W_O scales the head's d_head features of
    the concatenation. ξ = 1 leaves the model unchanged; ξ[i, h] = 0 removes the head. (The hooks
    do from outside what a head_mask argument would do inside bert.py.) A layer with fewer heads
    (after prune_heads) uses the first entries of its row.
    """
    encoder = encoder_of(model)
    layers = list(encoder.layer)
    max_heads = max(layer.attention.self.num_heads for layer in layers)
    weight = next(encoder.parameters())
    gates = torch.ones(len(layers), max_heads, dtype=weight.dtype, device=weight.device, requires_grad=True)
    handles = []
    for i, layer in enumerate(layers):
        attention = layer.attention.self

        def scale_heads(module: nn.Module, inputs: tuple[torch.Tensor, ...], i: int = i,
                        attention: BertSelfAttention = attention) -> tuple[torch.Tensor, ...]:
            gate = gates[i, :attention.num_heads].repeat_interleave(attention.d_head)  # (h · d_head,)
            return (inputs[0] * gate,)  # (B, L, h · d_head): head j's features times ξ[i, j]

        handles.append(layer.attention.output.dense.register_forward_pre_hook(scale_heads))
    try:
        yield gates
    finally:
        for handle in handles:
            handle.remove()


def head_importance(model: nn.Module, batches: Iterable[Any], loss_fn: Callable[[nn.Module, Any], torch.Tensor],
                    normalize: bool = True) -> torch.Tensor:
    """Michel et al. 2019: I_h = E |∂L/∂ξ_h|, the sensitivity of the loss to head h's gate.

    For each batch, loss_fn(model, batch) returns the loss (a 0-dim tensor); its gradient with
    respect to the gates at ξ = 1 (see gated_heads) is the first-order estimate of how much the
    loss would change if the head were removed. The absolute gradients are averaged over the
    batches (a batch of one example each gives the paper's expectation over examples). With
    normalize, each layer's scores are divided by their L2 norm, as Michel et al. do, so that
    heads can be ranked across layers. Returns (n_layers, max heads); in a layer that prune_heads
    has left with fewer heads, the entries past its last head are inf (no head there to remove).
    Put the model in eval() mode first so dropout does not blur the scores. The model's
    parameters get no gradients.
    """
    total, count = None, 0
    with gated_heads(model) as gates:
        for batch in batches:
            (grad,) = torch.autograd.grad(loss_fn(model, batch), gates)  # (n_layers, heads)
            total = grad.abs() if total is None else total + grad.abs()
            count += 1
    if total is None:
        raise ValueError("head_importance needs at least one batch")
    importance = total / count
    if normalize:
        importance = importance / importance.norm(dim=-1, keepdim=True).clamp_min(1e-20)
    for i, layer in enumerate(encoder_of(model).layer):
        importance[i, layer.attention.self.num_heads:] = float("inf")  # padding, not heads
    return importance


def heads_to_remove(importance: torch.Tensor, fraction: float) -> dict[int, list[int]]:
    """The round(fraction · all heads) least important heads over the whole model, as
    {layer: [heads]} for mask_heads or prune_heads (ties by position, as in pruning). Entries that
    are inf (past a pruned layer's last head) are not heads and are never chosen."""
    heads = int(torch.isfinite(importance).sum())
    keep = smallest_first_mask(importance, prune_count(fraction, heads))  # (n_layers, heads)
    return {i: [h for h in range(keep.shape[1]) if not keep[i, h]] for i in range(keep.shape[0])
            if not keep[i].all()}


def mask_heads(model: nn.Module, heads: dict[int, Sequence[int]]) -> None:
    """Switch heads off in place by zeroing their weights: {layer: [heads]}.

    The head's rows of W_Q, W_K, W_V (and their biases) and its columns of W_O become 0, so its
    share of the attention output is exactly 0, the same as a gate ξ_h = 0. The matrices keep their
    shape, so nothing gets faster; prune_heads makes them smaller.
    """
    layers = encoder_of(model).layer
    with torch.no_grad():
        for i, removed in heads.items():
            attention = layers[i].attention
            for h in removed:
                cols = head_slice(h, attention.self.d_head)
                for projection in (attention.self.query, attention.self.key, attention.self.value):
                    projection.weight[cols] = 0.0  # the head's rows: its q, k, v features
                    projection.bias[cols] = 0.0
                attention.output.dense.weight[:, cols] = 0.0  # W_O no longer reads the head


class PrunedSelfAttention(BertSelfAttention):
    """A BertSelfAttention left with fewer heads: Q, K, V produce num_heads · d_head < hidden_size
    features. Built from an existing layer; its forward merges the heads back to
    num_heads · d_head features (BertSelfAttention.forward assumes hidden_size)."""

    def __init__(self, old: BertSelfAttention, keep: Sequence[int]):
        nn.Module.__init__(self)
        self.num_heads = len(keep)
        self.d_head = old.d_head
        index = head_features(keep, old.d_head)  # (h' · d_head,)
        self.query = sliced_linear(old.query, index, dim=0)  # D -> h' · d_head
        self.key = sliced_linear(old.key, index, dim=0)
        self.value = sliced_linear(old.value, index, dim=0)
        self.dropout = old.dropout

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        batch, length, _ = x.shape
        q = self.split_heads(self.query(x))  # (B, h', L, d_head)
        k = self.split_heads(self.key(x))  # (B, h', L, d_head)
        v = self.split_heads(self.value(x))  # (B, h', L, d_head)
        context, _ = scaled_dot_product_attention(q, k, v, mask, self.dropout)  # (B, h', L, d_head)
        return context.transpose(1, 2).reshape(batch, length, self.num_heads * self.d_head)  # (B, L, h' · d_head)


def sliced_linear(linear: nn.Linear, index: torch.Tensor, dim: int) -> nn.Linear:
    """A new nn.Linear keeping the output features `index` (dim 0) or the input features (dim 1)."""
    weight = linear.weight.detach().index_select(dim, index)  # (out', in) or (out, in')
    new = nn.Linear(1, 1, bias=linear.bias is not None, dtype=weight.dtype)  # sizes and values set below
    new.out_features, new.in_features = weight.shape
    new.weight = nn.Parameter(weight)
    if linear.bias is not None:
        new.bias = nn.Parameter(linear.bias.detach()[index] if dim == 0 else linear.bias.detach().clone())
    return new


def prune_heads(model: nn.Module, heads: dict[int, Sequence[int]]) -> None:
    """Remove heads in place, {layer: [heads]}: slice their rows out of W_Q, W_K, W_V and their
    columns out of W_O, so the matrices shrink and the layer computes fewer heads.

    The outputs equal those of mask_heads with the same heads (up to float rounding). The heads
    that stay keep their order; indices always refer to the layer's current heads.
    """
    layers = encoder_of(model).layer
    for i, removed in heads.items():
        attention = layers[i].attention
        old = attention.self
        keep = [h for h in range(old.num_heads) if h not in set(removed)]
        attention.self = PrunedSelfAttention(old, keep)
        attention.output.dense = sliced_linear(attention.output.dense, head_features(keep, old.d_head),
                                               dim=1)  # W_O reads only the kept heads' features
