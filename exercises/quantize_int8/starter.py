import torch


def quantize_int8(w, axis=None, scale=None):
    """Symmetric int8 quantisation, returns (q, scale); the statement: `bertstudy exercise start quantize_int8`."""
    # TODO: if no scale is given: max|w| / 127, over the whole tensor (axis None) or per channel along `axis`
    # TODO: an all-zero channel gets scale 1.0
    # TODO: q = round(w / scale), with the scale broadcast along `axis`; clamp to [-127, 127]; cast to int8
    raise NotImplementedError("write quantize_int8")
