import torch


def quantize_int8(w, axis=None, scale=None):
    if scale is None:
        scale = w.abs().max() / 127
        if scale == 0:
            scale = torch.ones_like(scale)
    s = scale
    if scale.dim() == 1:
        shape = [1] * w.dim()
        shape[axis] = -1
        s = scale.reshape(shape)
    return torch.round(w / s).clamp(-127, 127).to(torch.int8), scale
