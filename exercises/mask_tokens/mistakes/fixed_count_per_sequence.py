import torch


def mask_tokens(input_ids, special_tokens_mask, mask_token_id, vocab_size, mlm_probability=0.15, generator=None):
    labels = input_ids.clone()
    scores = torch.rand(input_ids.shape, generator=generator).masked_fill(special_tokens_mask, 2.0)
    count = torch.round(mlm_probability * (~special_tokens_mask).sum(-1, keepdim=True))  # a fixed count per row
    rank = scores.argsort(-1).argsort(-1)
    selected = rank < count
    labels[~selected] = -100
    corrupted = input_ids.clone()
    roll = torch.rand(input_ids.shape, generator=generator)
    to_mask = selected & (roll < 0.8)
    to_random = selected & (roll >= 0.8) & (roll < 0.9)
    random_ids = torch.randint(0, vocab_size, input_ids.shape, generator=generator, dtype=input_ids.dtype)
    corrupted[to_mask] = mask_token_id
    corrupted[to_random] = random_ids[to_random]
    return corrupted, labels
