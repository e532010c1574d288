import torch
import torch.nn.functional as F


def skipgram_negative_sampling_loss(center, context, negatives):
    positive = (context * center).sum(dim=-1)
    negative = torch.bmm(negatives, center.unsqueeze(-1)).squeeze(-1)
    return (-torch.log(torch.sigmoid(positive)) - torch.log(torch.sigmoid(-negative)).sum(dim=-1)).mean()
