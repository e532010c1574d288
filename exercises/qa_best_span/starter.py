import torch


def qa_best_span(start_logits, end_logits, context_mask, max_answer_length, null_score_diff_threshold=None):
    """Return the predicted answer span (start, end) as two ints; the statement: `bertstudy exercise start qa_best_span`."""
    # TODO: score every span (i, j) by start_logits[i] + end_logits[j]
    # TODO: keep only valid spans: i <= j, at most max_answer_length tokens, both ends in the passage
    # TODO: the best one (ties: smallest i, then smallest j), as (int, int)
    # TODO: SQuAD 2.0: when a threshold is given, compare with the [CLS] span (0, 0)
    raise NotImplementedError("write qa_best_span")
