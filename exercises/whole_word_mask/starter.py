import torch


def whole_word_mask(input_ids, vocab, chinese_ref=None, masked_lm_prob=0.15, max_predictions_per_seq=20, generator=None):
    """Return (corrupted_ids, labels); the statement: `bertstudy exercise start whole_word_mask`."""
    # TODO: for each row, group the positions into words ('##' or chinese_ref continue a word;
    #       [CLS]/[SEP]/[PAD] belong to none, and the token after one starts a new word)
    # TODO: budget = min(max_predictions_per_seq, max(1, round(n * masked_lm_prob))), n = the row's
    #       tokens other than [PAD]
    # TODO: visit the words in a random order (use `generator`); take each word that fits whole
    # TODO: each chosen token: 80% [MASK], 10% a random id in [0, len(vocab)), 10% unchanged;
    #       labels: the original id where chosen, -100 elsewhere
    raise NotImplementedError("write whole_word_mask")
