import torch


def mask_tokens(input_ids, special_tokens_mask, mask_token_id, vocab_size, mlm_probability=0.15, generator=None):
    """Return (corrupted_ids, labels); the statement: `bertstudy exercise start mask_tokens`."""
    # TODO: select each non-special position with probability mlm_probability (use `generator`)
    # TODO: labels: the original id where selected, -100 elsewhere
    # TODO: of the selected: 80% -> mask_token_id, 10% -> a random id in [0, vocab_size), 10% unchanged
    raise NotImplementedError("write mask_tokens")
