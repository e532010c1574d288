def align_ner_labels(word_ids, word_labels):
    labels = []
    previous = None
    for word_id in word_ids:
        if word_id is None:
            labels.append(0)
        elif word_id != previous:
            labels.append(word_labels[word_id])
        else:
            labels.append(-100)
        previous = word_id
    return labels
