"""qa_best_span: correct solutions in other styles pass, realistic wrong ones fail with the reason.
(tests/test_reference_finetuning.py checks the reference itself against a brute-force search.)"""

from __future__ import annotations

import pytest

from grading import failures, verdict_of

pytestmark = pytest.mark.slow
SIGNATURE = "def qa_best_span(start_logits, end_logits, context_mask, max_answer_length, null_score_diff_threshold=None):"

CORRECT = {
    "an (L, L) score matrix, triu/tril band, argmax of the flattened matrix": f"""
        import torch

        {SIGNATURE}
            L = start_logits.shape[0]
            scores = start_logits[:, None] + end_logits[None, :]
            ones = torch.ones(L, L, dtype=torch.bool)
            band = torch.triu(ones) & torch.tril(ones, diagonal=max_answer_length - 1)
            valid = band & context_mask[:, None] & context_mask[None, :]
            scores = torch.where(valid, scores, torch.full_like(scores, float("-inf")))
            flat = int(torch.argmax(scores))
            best_score = float(scores.flatten()[flat])
            start, end = flat // L, flat % L
            if null_score_diff_threshold is not None:
                if float(start_logits[0] + end_logits[0]) - best_score > null_score_diff_threshold:
                    return 0, 0
            return start, end
    """,
    "max() over a list of valid spans (max keeps the first maximum)": f"""
        {SIGNATURE}
            s, e, ok = start_logits.tolist(), end_logits.tolist(), context_mask.tolist()
            spans = [(i, j) for i in range(len(s)) for j in range(i, len(s))
                     if ok[i] and ok[j] and j - i < max_answer_length]
            best = max(spans, key=lambda span: s[span[0]] + e[span[1]])
            best_score = s[best[0]] + e[best[1]]
            if null_score_diff_threshold is not None:
                if float(start_logits[0] + end_logits[0]) - best_score > null_score_diff_threshold:
                    return (0, 0)
            return best
    """,
    "softmax probabilities, best end per start by argmax over a window": f"""
        import torch

        {SIGNATURE}
            p_start, p_end = start_logits.softmax(-1), end_logits.softmax(-1)   # same ranking as logit sums
            best, best_p = None, -1.0
            for i in torch.nonzero(context_mask).flatten().tolist():
                window = p_end[i:i + max_answer_length] * context_mask[i:i + max_answer_length]
                j = i + int(window.argmax())
                p = float(p_start[i] * p_end[j])
                if p > best_p:
                    best, best_p = (i, j), p
            best_score = float(start_logits[best[0]] + end_logits[best[1]])
            if null_score_diff_threshold is not None:
                if float(start_logits[0] + end_logits[0]) - best_score > null_score_diff_threshold:
                    return (0, 0)
            return best
    """,
}

LOOP = f"""
    {SIGNATURE}
        L = len(start_logits)
        best, best_score = None, float("-inf")
        for i in range(L):
            for j in range(i, L):
                if not (context_mask[i] and context_mask[j]):
                    continue
"""

WRONG = {
    "ties go to the last maximum (>=)": (LOOP + """
                if j - i + 1 > max_answer_length:
                    continue
                score = float(start_logits[i] + end_logits[j])
                if score >= best_score:
                    best, best_score = (i, j), score
        return best
    """, "case: ties (integer logits)"),
    "length test too strict (< instead of <=)": (LOOP + """
                if j - i + 1 >= max_answer_length:
                    continue
                score = float(start_logits[i] + end_logits[j])
                if score > best_score:
                    best, best_score = (i, j), score
        return best
    """, "case: the length limit binds"),
    "single-token answers excluded (j > i)": (LOOP + """
                if j == i or j - i + 1 > max_answer_length:
                    continue
                score = float(start_logits[i] + end_logits[j])
                if score > best_score:
                    best, best_score = (i, j), score
        return best
    """, "case: a one-token passage"),
    "returns tensors, not ints": (f"""
        import torch

        {SIGNATURE}
            L = start_logits.shape[0]
            i = torch.arange(L)
            valid = (i[:, None] <= i[None, :]) & (i[None, :] - i[:, None] < max_answer_length)
            valid &= context_mask[:, None] & context_mask[None, :]
            scores = (start_logits[:, None] + end_logits[None, :]).masked_fill(~valid, float("-inf"))
            flat = scores.argmax()
            return flat // L, flat % L
    """, "should be 5, got tensor"),
    "ignores the no-answer threshold": (LOOP + """
                if j - i + 1 > max_answer_length:
                    continue
                score = float(start_logits[i] + end_logits[j])
                if score > best_score:
                    best, best_score = (i, j), score
        return best
    """, "case: SQuAD 2.0: no answer wins"),
    "no-answer rule with the sign flipped": (LOOP + """
                if j - i + 1 > max_answer_length:
                    continue
                score = float(start_logits[i] + end_logits[j])
                if score > best_score:
                    best, best_score = (i, j), score
        if null_score_diff_threshold is not None:
            if best_score - float(start_logits[0] + end_logits[0]) > null_score_diff_threshold:
                return (0, 0)
        return best
    """, "output should be [0, 0], got [8, 9]"),
    "[CLS] as one more candidate span, threshold unused": (LOOP + """
                if j - i + 1 > max_answer_length:
                    continue
                score = float(start_logits[i] + end_logits[j])
                if score > best_score:
                    best, best_score = (i, j), score
        if null_score_diff_threshold is not None and float(start_logits[0] + end_logits[0]) > best_score:
            return (0, 0)
        return best
    """, "case: SQuAD 2.0: a higher threshold keeps the span"),
}


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("qa_best_span", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("qa_best_span", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
