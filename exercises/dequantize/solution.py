import torch


def dequantize(q, scale, zero_point=0, axis=None):
    """x̂ = scale · (q - zero_point), per tensor or per channel along `axis`."""
    zero_point = torch.as_tensor(zero_point)
    if axis is not None:
        shape = [1] * q.dim()
        shape[axis] = -1  # (1, ..., C, ..., 1): one value per index along `axis`
        scale = scale.reshape(shape)
        if zero_point.dim() > 0:
            zero_point = zero_point.reshape(shape)
    centred = q.to(torch.int64) - zero_point  # wide integers: no wrap-around
    return centred.to(scale.dtype) * scale
