def qa_best_span(start_logits, end_logits, context_mask, max_answer_length, null_score_diff_threshold=None):
    length = len(start_logits)
    best, best_score = None, float("-inf")
    for i in range(length):
        for j in range(i, length):
            if not (context_mask[i] and context_mask[j]) or j - i > max_answer_length:
                continue
            score = float(start_logits[i] + end_logits[j])
            if score > best_score:
                best, best_score = (i, j), score
    if null_score_diff_threshold is not None:
        if float(start_logits[0] + end_logits[0]) - best_score > null_score_diff_threshold:
            return (0, 0)
    return best
