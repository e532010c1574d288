import torch


def whole_word_mask(input_ids, vocab, chinese_ref=None, masked_lm_prob=0.15, max_predictions_per_seq=20, generator=None):
    """Return (corrupted_ids, labels): whole words chosen together, 80/10/10 per chosen token."""
    mask_id = vocab.index("[MASK]")
    corrupted = input_ids.clone()
    labels = torch.full_like(input_ids, -100)
    for row in range(input_ids.size(0)):
        n = sum(vocab[t] != "[PAD]" for t in input_ids[row].tolist())  # padding is not part of the sequence
        budget = min(max_predictions_per_seq, max(1, round(n * masked_lm_prob)))
        # 1. the words, as lists of positions
        words = []
        previous_in_word = False
        for i, token_id in enumerate(input_ids[row].tolist()):
            token = vocab[token_id]
            if token in ("[CLS]", "[SEP]", "[PAD]"):
                previous_in_word = False
                continue
            continues = token.startswith("##") or (chinese_ref is not None and bool(chinese_ref[row, i]))
            if continues and previous_in_word:
                words[-1].append(i)
            else:
                words.append([i])
            previous_in_word = True
        # 2. visit the words in a random order and take each one that still fits whole
        chosen = []
        for k in torch.randperm(len(words), generator=generator).tolist():
            if len(chosen) + len(words[k]) <= budget:
                chosen.extend(words[k])
        # 3. every chosen token gets its own 80/10/10 draw
        for i in chosen:
            labels[row, i] = input_ids[row, i]
            roll = torch.rand((), generator=generator)
            if roll < 0.8:
                corrupted[row, i] = mask_id
            elif roll < 0.9:
                corrupted[row, i] = torch.randint(len(vocab), (), generator=generator)
    return corrupted, labels
