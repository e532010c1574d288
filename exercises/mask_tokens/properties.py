"""What every correct mask_tokens output satisfies, and a statistical signature of an output.

The grader calls `check(args, output)` on each case (None when it holds, else a message) and,
for a failing submission, compares `signature`s with the known mistakes' through `same`.
Statistical bounds: each proportion must lie within 5.5 standard errors of its expected value,
and the per-row variance ratio within 6 of its standard errors. With at most five such statistics
per case and three cases, a correct solution is rejected with probability below 1e-6.
"""

import math

import torch

Z = 5.5


def _args(args):
    return (args["input_ids"], args["special_tokens_mask"], args["mask_token_id"], args["vocab_size"],
            args.get("mlm_probability", 0.15))


def _within(name, observed, expected, count, hint):
    if count == 0:
        return None
    bound = Z * math.sqrt(max(expected * (1 - expected), 1e-12) / count)
    if abs(observed - expected) <= bound:
        return None
    return f"{name} is {observed:.4f}, expected {expected:.4f} ± {bound:.4f} (over {count} tokens); {hint}"


def check(args, output):
    ids, special, mask_id, vocab, p = _args(args)
    corrupted, labels = output
    selected = labels != -100
    if (selected & special).any():
        return "a special token was selected (its label is not -100); never select positions where special_tokens_mask is True"
    unchanged = corrupted == ids
    if not unchanged[~selected].all():
        return "a token that was not selected (label -100) was changed; only selected tokens may be replaced"
    if not (labels[selected] == ids[selected]).all():
        return "labels at selected positions must hold the original token ids"
    if ((corrupted < 0) | (corrupted >= vocab)).any():
        return f"a corrupted id lies outside [0, vocab_size = {vocab})"
    candidates = int((~special).sum())
    problem = _within("the share of selected tokens", float(selected.sum()) / candidates, p, candidates,
                      "select each non-special token independently with probability mlm_probability")
    if problem:
        return problem
    rows = ids.reshape(-1, ids.shape[-1])
    per_row_n = (~special).reshape(rows.shape).sum(-1).double()
    per_row_k = selected.reshape(rows.shape).sum(-1).double()
    ratio = float(((per_row_k - per_row_n * p) ** 2).sum() / (per_row_n * p * (1 - p)).sum())
    if abs(ratio - 1) > 6 * math.sqrt(2 / rows.shape[0]):
        return (f"the number of selected tokens per sequence varies {ratio:.2f} times as much as independent draws "
                "would; select each token with its own Bernoulli draw, not a fixed count per sequence")
    chosen = selected & (ids != mask_id)
    m = int(chosen.sum())
    became_mask = float((corrupted[chosen] == mask_id).sum()) / max(m, 1)
    stayed = float((corrupted[chosen] == ids[chosen]).sum()) / max(m, 1)
    for name, observed, expected, hint in (
        ("the share of selected tokens replaced by [MASK]", became_mask, 0.8 + 0.1 / vocab, "80% of the selected tokens become [MASK]"),
        ("the share of selected tokens left unchanged", stayed, 0.1 + 0.1 / vocab, "10% of the selected tokens stay as they are"),
    ):
        problem = _within(name, observed, expected, m, hint)
        if problem:
            return problem
    replaced = corrupted[chosen & (corrupted != mask_id) & (corrupted != ids)]
    if m * 0.1 / vocab >= 30:  # enough random draws to expect every id
        missing = sorted(set(range(vocab)) - set(replaced.tolist()) - {mask_id})
        if missing:
            return f"random replacements never used the ids {missing[:5]}; draw them uniformly from [0, vocab_size)"
    return None


def signature(args, output):
    ids, special, mask_id, vocab, p = _args(args)
    corrupted, labels = output
    selected = labels != -100
    chosen = selected & (ids != mask_id)
    m = max(int(chosen.sum()), 1)
    rows = ids.reshape(-1, ids.shape[-1])
    per_row_k = selected.reshape(rows.shape).sum(-1).double()
    return {
        "selected": float(selected[~special].float().mean()),
        "special_selected": float(selected[special].float().mean()) if special.any() else 0.0,
        "changed_unselected": float((corrupted != ids)[~selected].float().mean()) if (~selected).any() else 0.0,
        "mask": float((corrupted[chosen] == mask_id).sum()) / m,
        "same": float((corrupted[chosen] == ids[chosen]).sum()) / m,
        "row_spread": float(per_row_k.std() / max(per_row_k.mean(), 1.0)),
        # how often the random replacements hit the largest id, relative to a uniform draw (about 1);
        # only where the draws are plenty
        "top_id": _top_id_rate(ids, corrupted, chosen, mask_id, vocab) if m * 0.1 / vocab >= 30 else 0.0,
    }


def _top_id_rate(ids, corrupted, chosen, mask_id, vocab):
    replaced = corrupted[chosen & (corrupted != mask_id) & (corrupted != ids)]
    return float((replaced == vocab - 1).float().mean()) * vocab if replaced.numel() else 0.0


def same(a, b):
    """Two signatures agree when every statistic is within 0.03 (0.5 for the top id's rate)."""
    return all(abs(a[k] - b[k]) <= (0.5 if k == "top_id" else 0.03) for k in a)
