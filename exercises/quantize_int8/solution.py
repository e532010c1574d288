import torch


def quantize_int8(w, axis=None, scale=None):
    """Symmetric int8 codes q = clamp(round(w / scale), -127, 127) and the scale max|w| / 127."""
    if axis is not None:
        axis = axis % w.dim()  # -1 -> the last axis
    if scale is None:
        if axis is None:
            max_abs = w.abs().max()  # 0-dim: one scale for the whole tensor
        else:
            others = [d for d in range(w.dim()) if d != axis]
            max_abs = w.abs().amax(dim=others) if others else w.abs()  # (C,): one per channel
        scale = max_abs / 127
        scale = torch.where(scale == 0, torch.ones_like(scale), scale)  # an all-zero channel
    # broadcast a per-channel scale along `axis`: shape (1, ..., C, ..., 1)
    shape = [1] * w.dim()
    if axis is not None:
        shape[axis] = -1
    s = scale.reshape(shape) if axis is not None else scale
    q = torch.round(w / s).clamp(-127, 127).to(torch.int8)  # round half to even, then saturate
    return q, scale
