IGNORE_INDEX = -100  # the cross-entropy's ignore_index


def align_ner_labels(word_ids, word_labels):
    """First-sub-token labelling: a word's label on its first piece, -100 everywhere else."""
    labels = []
    previous = None
    for word_id in word_ids:
        if word_id is not None and word_id != previous:
            labels.append(word_labels[word_id])
        else:
            labels.append(IGNORE_INDEX)
        previous = word_id
    return labels
