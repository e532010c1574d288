import torch


def mask_tokens(input_ids, special_tokens_mask, mask_token_id, vocab_size, mlm_probability=0.15, generator=None):
    labels = input_ids.clone()
    probability = torch.full(input_ids.shape, mlm_probability).masked_fill(special_tokens_mask, 0.0)
    selected = torch.bernoulli(probability, generator=generator).bool()
    corrupted = input_ids.clone()
    roll = torch.rand(input_ids.shape, generator=generator)
    to_mask = selected & (roll < 0.8)
    to_random = selected & (roll >= 0.8) & (roll < 0.9)
    random_ids = torch.randint(0, vocab_size, input_ids.shape, generator=generator, dtype=input_ids.dtype)
    corrupted[to_mask] = mask_token_id
    corrupted[to_random] = random_ids[to_random]
    return corrupted, labels
