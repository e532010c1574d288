"""Making BERT's pre-training examples: masked-language-model corruption.

MLM masking as Hugging Face's data collator does it (Devlin et al. 2019, section 3.1): every
non-special token is selected with probability mlm_probability; of the selected, 80% become
[MASK], 10% a uniformly random id, 10% stay; labels keep the original id at selected positions
and -100 (ignored by the loss) elsewhere. Leaves out: Google's fixed-count selection, whole-word
masking and NSP pairs (they come with the pre-training data module).
"""

from __future__ import annotations

import torch


def mask_tokens(
    input_ids: torch.Tensor,
    special_tokens_mask: torch.Tensor,
    mask_token_id: int,
    vocab_size: int,
    mlm_probability: float = 0.15,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Corrupt `input_ids` (any shape, int64) for MLM; returns (corrupted_ids, labels).

    special_tokens_mask is bool of the same shape, True where a token is never selected.
    All randomness comes from `generator`; the inputs are not modified.
    """
    labels = input_ids.clone()
    probability = torch.full(input_ids.shape, mlm_probability)
    probability.masked_fill_(special_tokens_mask, 0.0)
    selected = torch.bernoulli(probability, generator=generator).bool()
    labels[~selected] = -100  # the loss only sees selected positions

    corrupted = input_ids.clone()
    to_mask = torch.bernoulli(torch.full(input_ids.shape, 0.8), generator=generator).bool() & selected
    corrupted[to_mask] = mask_token_id
    # half of the remaining 20% get a random id; the other half stay as they are
    to_random = torch.bernoulli(torch.full(input_ids.shape, 0.5), generator=generator).bool() & selected & ~to_mask
    random_ids = torch.randint(vocab_size, input_ids.shape, generator=generator, dtype=input_ids.dtype)
    corrupted[to_random] = random_ids[to_random]
    return corrupted, labels
