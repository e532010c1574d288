import torch
import torch.nn.functional as F


def skipgram_negative_sampling_loss(center, context, negatives):
    """The mean SGNS loss of B pairs; the statement: `bertstudy exercise start skipgram_negative_sampling_loss`."""
    # TODO: the observed pairs' scores u_o · v_c, shape (B,)
    # TODO: the noise words' scores u_k · v_c, shape (B, K)
    # TODO: per pair: -log σ(positive score) - Σ_k log σ(-noise score), with a stable log σ
    # TODO: return the mean over the B pairs, a 0-dim tensor
    raise NotImplementedError("write skipgram_negative_sampling_loss")
