import torch


def dequantize(q, scale, zero_point=0, axis=None):
    if axis is not None:
        shape = [1] * q.dim()
        shape[axis] = -1
        scale = scale.reshape(shape)
    return q.to(scale.dtype) * scale
