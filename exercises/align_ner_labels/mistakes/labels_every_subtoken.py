def align_ner_labels(word_ids, word_labels):
    labels = []
    for word_id in word_ids:
        if word_id is None:
            labels.append(-100)
        else:
            labels.append(word_labels[word_id])
    return labels
