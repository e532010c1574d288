import torch


def dequantize(q, scale, zero_point=0, axis=None):
    zero_point = torch.as_tensor(zero_point)
    return (q.to(torch.int64) - zero_point).to(scale.dtype) * scale
