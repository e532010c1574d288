import torch


def dequantize(q, scale, zero_point=0, axis=None):
    """Back from integer codes to real numbers: scale · (q - zero_point). The statement: `bertstudy exercise start dequantize`."""
    # TODO: per channel (axis given): reshape scale (and a tensor zero_point) to line up with `axis` of q
    # TODO: subtract the zero point in a wide integer type, then convert to scale's dtype
    # TODO: multiply by the scale
    raise NotImplementedError("write dequantize")
