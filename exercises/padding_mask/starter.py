import torch


def padding_mask(attention_mask, dtype):
    """Additive mask (B, 1, 1, L): 0 for real tokens, torch.finfo(dtype).min for padding; the statement: `bertstudy exercise start padding_mask`."""
    # TODO: get the torch.dtype from its name
    # TODO: give the (B, L) mask the shape that lines up with the KEYS of scores (B, h, L_q, L_k)
    # TODO: 0.0 where attention_mask is 1 (True), torch.finfo(dtype).min where it is 0 (False)
    raise NotImplementedError("write padding_mask")
