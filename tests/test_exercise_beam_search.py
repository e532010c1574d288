"""beam_search: correct solutions in other styles pass, realistic wrong ones fail with the reason,
and the reference is exact where it must be (a beam of one is greedy, a wide beam is brute force)."""

from __future__ import annotations

import itertools

import pytest
import torch

from grading import failures, verdict_of
from bertstudy.reference import decoding

pytestmark = pytest.mark.slow

CORRECT = {
    "tensors: a stable sort of the flattened candidates, scores in the table's dtype": """
        import torch

        def beam_search(logits, bos, eos, max_len, beam_size, alpha):
            log_probs = torch.log_softmax(logits, dim=-1)
            V = log_probs.shape[0]
            seqs = [[]]
            scores = torch.zeros(1, dtype=logits.dtype)
            last = torch.tensor([bos])
            done = []
            for _ in range(max_len):
                cand = (scores[:, None] + log_probs[last]).reshape(-1)
                order = torch.sort(cand, descending=True, stable=True).indices[: beam_size - len(done)]
                new_seqs, new_scores = [], []
                for i in order.tolist():
                    seq = seqs[i // V] + [i % V]
                    if i % V == eos:
                        done.append((seq, cand[i].item()))
                    else:
                        new_seqs.append(seq)
                        new_scores.append(cand[i])
                if not new_seqs:
                    seqs = []
                    break
                seqs, scores = new_seqs, torch.stack(new_scores)
                last = torch.tensor([s[-1] for s in seqs])
            done += [(s, x.item()) for s, x in zip(seqs, scores)] if seqs else []
            best = max(range(len(done)), key=lambda j: (done[j][1] / len(done[j][0]) ** alpha, -j))
            return done[best]
    """,
    "explicit sort keys (score, parent rank, token id)": """
        import torch

        def beam_search(logits, bos, eos, max_len, beam_size, alpha):
            lp = (logits - logits.logsumexp(1, keepdim=True)).tolist()
            beam = [(0.0, [])]
            finished = []
            step = 0
            while beam and step < max_len:
                step += 1
                cands = []
                for rank, (s, toks) in enumerate(beam):
                    prev = toks[-1] if toks else bos
                    for tok, l in enumerate(lp[prev]):
                        cands.append((-(s + l), rank, tok, toks + [tok]))
                cands.sort(key=lambda c: (c[0], c[1], c[2]))
                beam = []
                for neg, _, tok, toks in cands[: beam_size - len(finished)]:
                    if tok == eos:
                        finished.append((toks, -neg))
                    else:
                        beam.append((-neg, toks))
            finished.extend((toks, s) for s, toks in beam)
            best_key, best = None, None
            for toks, s in finished:
                key = s / len(toks) ** alpha
                if best_key is None or key > best_key:
                    best_key, best = key, (toks, s)
            return best
    """,
    "a dict of hypotheses, finished ones kept in the same list": """
        import math
        import torch

        def beam_search(logits, bos, eos, max_len, beam_size, alpha):
            probs = torch.softmax(logits.double(), dim=-1)
            hyps = {(): 0.0}
            ended = []
            for _ in range(max_len):
                if not hyps:
                    break
                grown = []
                for seq, total in hyps.items():
                    prev = seq[-1] if seq else bos
                    for tok in range(probs.shape[1]):
                        grown.append((total + math.log(probs[prev, tok].item()), seq + (tok,)))
                grown.sort(key=lambda g: g[0], reverse=True)
                hyps = {}
                for total, seq in grown[: beam_size - len(ended)]:
                    if seq[-1] == eos:
                        ended.append((total, seq))
                    else:
                        hyps[seq] = total
            ended += [(t, s) for s, t in hyps.items()]
            total, seq = max(ended, key=lambda e: e[0] / len(e[1]) ** alpha)
            return list(seq), total
    """,
}

HEAD = """
    import torch

    def beam_search(logits, bos, eos, max_len, beam_size, alpha):
        log_probs = torch.log_softmax(logits, dim=-1).tolist()
        live, finished = [([], 0.0)], []
"""
EXTEND = """
        for _ in range(max_len):
            candidates = []
            for tokens, score in live:
                last = tokens[-1] if tokens else bos
                for token in range(len(log_probs)):
                    candidates.append((tokens + [token], score + log_probs[last][token]))
            candidates.sort(key=lambda c: c[1], reverse=True)
"""
SPLIT = """
            live = []
            for tokens, score in candidates[:beam_size - len(finished)]:
                (finished if tokens[-1] == eos else live).append((tokens, score))
            if not live:
                break
        finished += live
"""

WRONG = {
    "keeps beam_size live hypotheses whatever has finished": (HEAD + EXTEND + """
            live = []
            for tokens, score in candidates:
                if tokens[-1] == eos:
                    finished.append((tokens, score))
                elif len(live) < beam_size:
                    live.append((tokens, score))
                if len(live) == beam_size:
                    break
            if not live:
                break
        finished += live
        return max(finished, key=lambda h: h[1] / len(h[0]) ** alpha)
    """, "output[0] should be"),
    "returns the normalised score": (HEAD + EXTEND + SPLIT + """
        tokens, score = max(finished, key=lambda h: h[1] / len(h[0]) ** alpha)
        return tokens, score / len(tokens) ** alpha
    """, "output[1] should be"),
    "puts bos in front of every hypothesis": (HEAD + EXTEND + SPLIT + """
        tokens, score = max(finished, key=lambda h: h[1] / len(h[0]) ** alpha)
        return [bos] + tokens, score
    """, "output[0] should be"),
    "leaves eos out of the length": (HEAD + EXTEND + SPLIT + """
        def length(tokens):
            return len(tokens) - 1 if tokens[-1] == eos else len(tokens)
        return max(finished, key=lambda h: h[1] / length(h[0]) ** alpha)
    """, "ZeroDivisionError"),
    "returns only the tokens": (HEAD + EXTEND + SPLIT + """
        return max(finished, key=lambda h: h[1] / len(h[0]) ** alpha)[0]
    """, "output should be a tuple of 2"),
    "stops at the first hypothesis that finishes": (HEAD + EXTEND + """
            live = []
            for tokens, score in candidates[:beam_size]:
                if tokens[-1] == eos:
                    return tokens, score
                live.append((tokens, score))
        return max(live, key=lambda h: h[1] / len(h[0]) ** alpha)
    """, "output[0] should be"),
    "extends each hypothesis by its own best token after the first step": (HEAD + """
        for step in range(max_len):
            candidates = []
            for tokens, score in live:
                last = tokens[-1] if tokens else bos
                row = sorted(range(len(log_probs)), key=lambda t: -log_probs[last][t])
                for token in (row if step == 0 else row[:1]):
                    candidates.append((tokens + [token], score + log_probs[last][token]))
            candidates.sort(key=lambda c: c[1], reverse=True)""" + SPLIT + """
        return max(finished, key=lambda h: h[1] / len(h[0]) ** alpha)
    """, "output[0] should be"),
    "normalises logits in place": ("""
    import torch

    def beam_search(logits, bos, eos, max_len, beam_size, alpha):
        logits.sub_(logits.logsumexp(dim=-1, keepdim=True))
        log_probs = logits.tolist()
        live, finished = [([], 0.0)], []
""" + EXTEND + SPLIT + """
        return max(finished, key=lambda h: h[1] / len(h[0]) ** alpha)
    """, "changed its inputs in place"),
}


def test_wrong_sources_compile():
    """The WRONG snippets are assembled from pieces; each must at least be valid Python."""
    import textwrap

    for source, _ in WRONG.values():
        compile(textwrap.dedent(source), "<wrong>", "exec")


def _brute_force(logits, bos, eos, max_len, alpha):
    table = torch.log_softmax(logits, -1)
    best = None
    for length in range(1, max_len + 1):
        for seq in itertools.product(range(len(table)), repeat=length):
            if eos in seq[:-1] or (seq[-1] != eos and length < max_len):
                continue
            score = sum(float(table[a, b]) for a, b in zip((bos,) + seq[:-1], seq))
            if best is None or score / length ** alpha > best[1] / len(best[0]) ** alpha:
                best = (list(seq), score)
    return best


@pytest.mark.parametrize("seed", range(4))
def test_reference_is_greedy_at_width_one_and_exhaustive_when_wide(seed):
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(5, 5, generator=gen, dtype=torch.float64) * 2
    greedy = decoding.bigram_greedy_decode(logits, bos=0, eos=4, max_len=4)
    assert decoding.bigram_beam_search(logits, bos=0, eos=4, max_len=4, beam_size=1, alpha=0.5) == greedy
    tokens, score = decoding.bigram_beam_search(logits, bos=0, eos=4, max_len=4, beam_size=5 ** 4, alpha=0.5)
    best_tokens, best_score = _brute_force(logits, 0, 4, 4, 0.5)
    assert tokens == best_tokens
    assert score == pytest.approx(best_score)


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("beam_search", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("beam_search", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
