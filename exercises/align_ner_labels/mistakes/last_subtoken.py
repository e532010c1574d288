def align_ner_labels(word_ids, word_labels):
    position_of = {word_id: i for i, word_id in enumerate(word_ids) if word_id is not None}
    labels = [-100] * len(word_ids)
    for word_id, i in position_of.items():
        labels[i] = word_labels[word_id]
    return labels
