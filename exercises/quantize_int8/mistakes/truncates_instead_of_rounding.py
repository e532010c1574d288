import torch


def quantize_int8(w, axis=None, scale=None):
    if scale is None:
        if axis is None:
            scale = w.abs().max() / 127
        else:
            scale = w.abs().movedim(axis, 0).reshape(w.shape[axis], -1).amax(dim=1) / 127
        scale = torch.where(scale == 0, torch.ones_like(scale), scale)
    s = scale
    if axis is not None:
        shape = [1] * w.dim()
        shape[axis] = -1
        s = scale.reshape(shape)
    return (w / s).clamp(-127, 127).to(torch.int8), scale
