import torch


def qa_best_span(start_logits, end_logits, context_mask, max_answer_length, null_score_diff_threshold=None):
    outside = ~context_mask
    start = int(start_logits.masked_fill(outside, float("-inf")).argmax())
    end = int(end_logits.masked_fill(outside, float("-inf")).argmax())
    if null_score_diff_threshold is not None:
        null_score = float(start_logits[0] + end_logits[0])
        if null_score - float(start_logits[start] + end_logits[end]) > null_score_diff_threshold:
            return (0, 0)
    return (start, end)
