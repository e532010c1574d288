def qa_best_span(start_logits, end_logits, context_mask, max_answer_length, null_score_diff_threshold=None):
    """The best valid answer span by start + end score; (0, 0) when SQuAD 2.0's no-answer rule says so."""
    length = len(start_logits)
    best, best_score = None, float("-inf")
    for i in range(length):
        if not context_mask[i]:
            continue
        for j in range(i, min(length, i + max_answer_length)):  # j - i + 1 <= max_answer_length
            if not context_mask[j]:
                continue
            score = float(start_logits[i] + end_logits[j])
            if score > best_score:  # strictly greater: the first maximum wins ties
                best, best_score = (i, j), score
    if null_score_diff_threshold is not None:
        null_score = float(start_logits[0] + end_logits[0])  # the [CLS] span means "no answer"
        if null_score - best_score > null_score_diff_threshold:
            return (0, 0)
    return best
