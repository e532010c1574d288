"""What every correct whole_word_mask output satisfies, and a statistical signature of an output.

Exact rules, row by row: labels hold the original id where a token was chosen and -100 elsewhere;
only chosen tokens change; [CLS] and [SEP] are never chosen; every word is chosen whole or not at
all; at most `budget` tokens are chosen, and no word left out would still have fitted (Google's
rule: a word is skipped only when it would overflow the budget).
Statistics, each within 5.5 standard errors of its expected value (with at most seven per case and
three cases, a correct solution is rejected with probability below 1e-6): the shares of chosen
tokens that became [MASK] and that stayed; how often two neighbouring tokens of a chosen word share
their fate (80/10/10 is drawn per token); the share of chosen tokens in the first half of a row
(the words are visited in a random order). Two bounds with a wide margin: words on either side of
[CLS]/[SEP] are chosen together at most half the time (they are different words), and with enough
random replacements every id of the vocabulary appears.
"""

import math

import torch

Z = 5.5
SPECIAL = ("[CLS]", "[SEP]", "[PAD]")


def _args(args):
    return (args["input_ids"], list(args["vocab"]), args.get("chinese_ref"), args.get("masked_lm_prob", 0.15),
            args.get("max_predictions_per_seq", 20))


def budget_of(length, p, cap):
    return min(cap, max(1, int(round(length * p))))


def words_of(tokens, continues):
    """The contract's words: positions grouped by '##' / chinese_ref, never across [CLS]/[SEP]/[PAD]."""
    words, after_word = [], False
    for i, token in enumerate(tokens):
        if token in SPECIAL:
            after_word = False
            continue
        if (token.startswith("##") or continues[i]) and after_word:
            words[-1].append(i)
        else:
            words.append([i])
        after_word = True
    return words


def glued_pairs(tokens, continues, words):
    """(word before, word after) for each [CLS]/[SEP] that a continuation token follows: the two
    words a grouping that ignores the special token would wrongly join."""
    start_of = {w[0]: k for k, w in enumerate(words)}
    end_of = {w[-1]: k for k, w in enumerate(words)}
    pairs = []
    for i in range(1, len(tokens) - 1):
        if tokens[i] in SPECIAL and (tokens[i + 1].startswith("##") or continues[i + 1]) and i + 1 in start_of:
            before = i - 1
            while before >= 0 and tokens[before] in SPECIAL:
                before -= 1
            if before in end_of:
                pairs.append((end_of[before], start_of[i + 1]))
    return pairs


def _within(name, observed, expected, variance, count, hint):
    if count == 0:
        return None
    bound = Z * math.sqrt(max(variance, 1e-12) / count)
    if abs(observed - expected) <= bound:
        return None
    return f"{name} is {observed:.4f}, expected {expected:.4f} ± {bound:.4f} (over {count}); {hint}"


def _analyse(args, output):
    """One pass over the rows: the first partly chosen word and the first broken budget (as
    messages, or None), and the counts the statistics need."""
    ids, vocab, ref, p, cap = _args(args)
    corrupted, labels = output
    mask_id = vocab.index("[MASK]")
    fates = torch.where(corrupted == mask_id, 0, torch.where(corrupted == ids, 1, 2)).tolist()  # [MASK], kept, other
    chosen = (labels != -100).tolist()
    refs = ref.tolist() if ref is not None else None
    half = ids.shape[-1] // 2
    out = {"partial_word": None, "budget": None, "rows": ids.shape[0], "partial": 0, "touched": 0, "over": 0,
           "not_maximal": 0, "same_fate": 0, "fate_pairs": 0, "first_half": [], "glued": 0, "glued_events": 0}
    for r, ids_row in enumerate(ids.tolist()):
        tokens = [vocab[i] for i in ids_row]
        budget = budget_of(sum(t != "[PAD]" for t in tokens), p, cap)
        continues = refs[r] if refs is not None else [False] * len(tokens)
        words = words_of(tokens, continues)
        row = chosen[r]
        count = sum(row)
        whole = []
        smallest_left_out = None
        for word in words:
            k = sum(row[i] for i in word)
            whole.append(k == len(word))
            if k == 0:
                smallest_left_out = len(word) if smallest_left_out is None else min(smallest_left_out, len(word))
                continue
            out["touched"] += 1
            if k < len(word):
                out["partial"] += 1
                if out["partial_word"] is None:
                    out["partial_word"] = (
                        f"row {r}: the word '{' '.join(tokens[i] for i in word)}' (positions {word[0]}..{word[-1]}) was "
                        f"chosen in part ({k} of {len(word)} tokens); choose every token of a word or none")
                continue
            for a, b in zip(word, word[1:]):
                out["fate_pairs"] += 1
                out["same_fate"] += fates[r][a] == fates[r][b]
        fits = count < budget and smallest_left_out is not None and smallest_left_out <= budget - count
        out["over"] += count > budget
        out["not_maximal"] += fits
        if out["budget"] is None and count > budget:
            out["budget"] = (f"row {r}: {count} tokens were chosen, more than the budget {budget} = "
                             "min(max_predictions_per_seq, max(1, round(n * masked_lm_prob))), n being the row's "
                             "tokens other than [PAD]")
        elif out["budget"] is None and fits:
            out["budget"] = (f"row {r}: only {count} of the budget {budget} tokens were chosen although a word of "
                             f"{smallest_left_out} token(s) would still have fitted; skip a word only when it would "
                             "overflow the budget")
        if count:
            out["first_half"].append(sum(row[:half]) / count)
        for before, after in glued_pairs(tokens, continues, words):
            if whole[before] or whole[after]:
                out["glued_events"] += 1
                out["glued"] += whole[before] and whole[after]
    return out


def check(args, output):
    ids, vocab, ref, p, cap = _args(args)
    corrupted, labels = output
    V = len(vocab)
    mask_id = vocab.index("[MASK]")
    selected = labels != -100
    if not (labels[selected] == ids[selected]).all():
        return "labels at chosen positions must hold the original token ids (and -100 everywhere else)"
    if not (corrupted[~selected] == ids[~selected]).all():
        return "a token that was not chosen (label -100) was changed; only chosen tokens may be replaced"
    if ((corrupted < 0) | (corrupted >= V)).any():
        return f"a corrupted id lies outside [0, len(vocab) = {V})"
    if (selected & _special(ids, vocab)).any():
        return "a [CLS] or [SEP] token was chosen; they belong to no word and are never masked"
    stats = _analyse(args, output)
    if stats["partial_word"]:
        return stats["partial_word"]
    problem = _spread_over_the_row(stats)
    if problem:
        return problem
    if stats["glued_events"] >= 20 and stats["glued"] > 0.5 * stats["glued_events"]:
        return (f"the words on the two sides of a [CLS]/[SEP] were chosen together {stats['glued']} times out of "
                f"{stats['glued_events']}; a '##' token (or a chinese_ref character) right after a special token has no "
                "word before it: it starts a word of its own")
    if stats["budget"]:
        return stats["budget"]
    chosen = selected & (ids != mask_id)
    m = int(chosen.sum())
    became_mask = float((corrupted[chosen] == mask_id).sum()) / max(m, 1)
    stayed = float((corrupted[chosen] == ids[chosen]).sum()) / max(m, 1)
    a, b = 0.8 + 0.1 / V, 0.1 + 0.1 / V  # a random id may happen to be [MASK] or the original
    c = 1 - a - b
    same = a * a + b * b + c * c
    for name, observed, expected, variance, count, hint in (
        ("the share of chosen tokens replaced by [MASK]", became_mask, a, a * (1 - a), m,
         "80% of the chosen tokens become [MASK]"),
        ("the share of chosen tokens left unchanged", stayed, b, b * (1 - b), m,
         "10% of the chosen tokens stay as they are"),
        # neighbouring pairs of one word overlap (a, b), (b, c): twice the binomial variance covers it
        ("the share of neighbouring tokens of a chosen word with the same fate",
         stats["same_fate"] / max(stats["fate_pairs"], 1), same, 2 * same * (1 - same), stats["fate_pairs"],
         "whole word masking chooses words together, but each chosen token gets its own 80/10/10 draw"),
    ):
        problem = _within(name, observed, expected, variance, count, hint)
        if problem:
            return problem
    replaced = corrupted[chosen & (corrupted != mask_id) & (corrupted != ids)]
    if m * 0.1 / V >= 15:  # enough random draws to expect every id
        missing = sorted(set(range(V)) - set(replaced.tolist()) - {mask_id})
        if missing:
            return f"random replacements never used the ids {missing[:5]}; draw them uniformly from [0, len(vocab))"
    return None


def _spread_over_the_row(stats):
    """Whether the chosen tokens lie in the first half of their rows about half the time."""
    halves = stats["first_half"]
    if len(halves) < 2:
        return None
    mean = sum(halves) / len(halves)
    spread = math.sqrt(sum((h - mean) ** 2 for h in halves) / (len(halves) - 1))
    return _within("the share of chosen tokens in the first half of a row", mean, 0.5, max(spread, 0.05) ** 2,
                   len(halves), "visit the words in a uniformly random order (a random permutation)")


def _special(ids, vocab):
    special = torch.zeros(ids.shape, dtype=torch.bool)
    for name in SPECIAL:
        special |= ids == vocab.index(name)
    return special


def signature(args, output):
    ids, vocab, ref, p, cap = _args(args)
    corrupted, labels = output
    selected = labels != -100
    mask_id = vocab.index("[MASK]")
    chosen = selected & (ids != mask_id)
    m = max(int(chosen.sum()), 1)
    special = _special(ids, vocab)
    stats = _analyse(args, output)
    rows = stats["rows"]
    return {
        "special_chosen": float((selected & special).sum()) / max(int(special.sum()), 1),
        "changed_unchosen": float((corrupted != ids)[~selected].float().mean()) if (~selected).any() else 0.0,
        "partial": stats["partial"] / max(stats["touched"], 1),
        "over_budget": stats["over"] / rows,
        "not_maximal": stats["not_maximal"] / rows,
        "mask": float((corrupted[chosen] == mask_id).sum()) / m,
        "same": float((corrupted[chosen] == ids[chosen]).sum()) / m,
        "same_fate": stats["same_fate"] / max(stats["fate_pairs"], 1),
        "first_half": sum(stats["first_half"]) / max(len(stats["first_half"]), 1),
        "glued": stats["glued"] / max(stats["glued_events"], 1),
    }


TOLERANCE = {"glued": 0.1, "same_fate": 0.08}  # the noisier statistics (a few hundred events each)


def same(a, b):
    """Two signatures agree when every statistic is within 0.05 (0.1 and 0.08 for the noisier two);
    the partial-word share within 0.015 plus a tenth of the larger, so that cutting one word per row
    (about 3% of the words) differs from never cutting one."""
    for key in a:
        tolerance = 0.015 + 0.1 * max(a[key], b[key]) if key == "partial" else TOLERANCE.get(key, 0.05)
        if abs(a[key] - b[key]) > tolerance:
            return False
    return True
