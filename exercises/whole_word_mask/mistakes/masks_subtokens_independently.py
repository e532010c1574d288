import torch


def whole_word_mask(input_ids, vocab, chinese_ref=None, masked_lm_prob=0.15, max_predictions_per_seq=20, generator=None):
    mask_id = vocab.index("[MASK]")
    corrupted = input_ids.clone()
    labels = torch.full_like(input_ids, -100)
    batch, seq_len = input_ids.shape
    budget = min(max_predictions_per_seq, max(1, round(seq_len * masked_lm_prob)))
    for row in range(batch):
        # every non-special token is a candidate of its own
        candidates = [i for i, t in enumerate(input_ids[row].tolist()) if vocab[t] not in ("[CLS]", "[SEP]")]
        order = torch.randperm(len(candidates), generator=generator).tolist()
        for i in [candidates[k] for k in order[:budget]]:
            labels[row, i] = input_ids[row, i]
            roll = torch.rand((), generator=generator)
            if roll < 0.8:
                corrupted[row, i] = mask_id
            elif roll < 0.9:
                corrupted[row, i] = torch.randint(len(vocab), (), generator=generator)
    return corrupted, labels
