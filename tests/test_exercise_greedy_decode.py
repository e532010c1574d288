"""greedy_decode: correct solutions in other styles pass, realistic wrong ones fail with the reason,
and the reference is the general greedy decoder run over the bigram model as a step function."""

from __future__ import annotations

import pytest
import torch

from grading import failures, verdict_of
from bertstudy.reference import decoding

pytestmark = pytest.mark.slow

CORRECT = {
    "Python max over the ids, probabilities from softmax": """
        import math
        import torch

        def greedy_decode(logits, bos, eos, max_len):
            probs = torch.softmax(logits, dim=1).tolist()
            out, total, prev = [], 0.0, bos
            while len(out) < max_len:
                nxt = max(range(len(probs)), key=lambda b: probs[prev][b])  # first of equals
                out.append(nxt)
                total += math.log(probs[prev][nxt])
                if nxt == eos:
                    break
                prev = nxt
            return out, total
    """,
    "torch.max per row, logsumexp by hand, a tensor running score": """
        import torch

        def greedy_decode(logits, bos, eos, max_len):
            log_probs = logits - logits.logsumexp(dim=1, keepdim=True)
            tokens = []
            score = logits.new_zeros(())
            current = bos
            for _ in range(max_len):
                value, index = log_probs[current].max(dim=0)
                tokens.append(index.item())
                score = score + value
                current = index.item()
                if current == eos:
                    break
            return tokens, score.item()
    """,
    "recursion": """
        import torch

        def greedy_decode(logits, bos, eos, max_len):
            table = torch.log_softmax(logits.double(), -1)

            def go(last, budget):
                if budget == 0:
                    return [], 0.0
                b = int(torch.argmax(table[last]))
                if b == eos:
                    return [b], float(table[last, b])
                rest, s = go(b, budget - 1)
                return [b] + rest, float(table[last, b]) + s

            return go(bos, max_len)
    """,
}

LOOP = """
    import torch

    def greedy_decode(logits, bos, eos, max_len):
        log_probs = torch.log_softmax(logits, dim=-1)
        tokens, score, last = [], 0.0, bos
"""

WRONG = {
    "returns the tokens as a tensor": (LOOP + """
        for _ in range(max_len):
            best = log_probs[last].argmax()
            tokens.append(best)
            score += float(log_probs[last, best])
            if best == eos:
                break
            last = best
        return torch.stack(tokens), score
    """, "output[0] should be a list"),
    "returns the score as a tensor": (LOOP + """
        score = torch.zeros((), dtype=logits.dtype)
        for _ in range(max_len):
            best = int(log_probs[last].argmax())
            tokens.append(best)
            score = score + log_probs[last, best]
            if best == eos:
                break
            last = best
        return tokens, score
    """, "got tensor () float64"),
    "puts bos at the front of the output": (LOOP + """
        tokens = [bos]
        for _ in range(max_len):
            best = int(log_probs[last].argmax())
            tokens.append(best)
            score += float(log_probs[last, best])
            if best == eos:
                break
            last = best
        return tokens, score
    """, "output[0] should be"),
    "breaks ties towards the larger id": (LOOP + """
        for _ in range(max_len):
            row = log_probs[last]
            best = len(row) - 1 - int(row.flip(0).argmax())
            tokens.append(best)
            score += float(row[best])
            if best == eos:
                break
            last = best
        return tokens, score
    """, "output[0] should be [1, 3]"),
    "returns the probability instead of the log-probability": (LOOP + """
        for _ in range(max_len):
            best = int(log_probs[last].argmax())
            tokens.append(best)
            score += float(log_probs[last, best])
            if best == eos:
                break
            last = best
        return tokens, float(torch.tensor(score).exp())
    """, "output[1] should be"),
    "a log_softmax over the whole table": ("""
        import torch

        def greedy_decode(logits, bos, eos, max_len):
            log_probs = torch.log_softmax(logits.flatten(), dim=0).view_as(logits)
            tokens, score, last = [], 0.0, bos
            for _ in range(max_len):
                best = int(log_probs[last].argmax())
                tokens.append(best)
                score += float(log_probs[last, best])
                if best == eos:
                    break
                last = best
            return tokens, score
    """, "output[1] should be"),
    "always reads the bos row": (LOOP + """
        for _ in range(max_len):
            best = int(log_probs[bos].argmax())
            tokens.append(best)
            score += float(log_probs[bos, best])
            if best == eos:
                break
        return tokens, score
    """, "output[0] should be"),
    "normalises logits in place": ("""
        import torch

        def greedy_decode(logits, bos, eos, max_len):
            logits -= logits.logsumexp(dim=-1, keepdim=True)
            tokens, score, last = [], 0.0, bos
            for _ in range(max_len):
                best = int(logits[last].argmax())
                tokens.append(best)
                score += float(logits[last, best])
                if best == eos:
                    break
                last = best
            return tokens, score
    """, "changed its inputs in place"),
}


def test_reference_is_the_step_function_decoder_over_the_table():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(6, 6, generator=gen, dtype=torch.float64) * 2
    log_probs = torch.log_softmax(logits, -1)
    tokens, score = decoding.bigram_greedy_decode(logits, bos=0, eos=5, max_len=7)
    last, total = 0, 0.0
    for i, token in enumerate(tokens):  # each token is its row's argmax, and the score adds them up
        assert token == int(log_probs[last].argmax())
        assert token != 5 or i == len(tokens) - 1
        total += float(log_probs[last, token])
        last = token
    assert tokens[-1] == 5 or len(tokens) == 7
    assert score == pytest.approx(total)


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("greedy_decode", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("greedy_decode", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
