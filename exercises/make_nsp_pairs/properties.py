"""What every correct make_nsp_pairs output satisfies, and a statistical signature of an output.

The cases' token ids are unique across the corpus, so every token of a pair says where it came from
(document, position); a sentence boundary is a position where a sentence starts or ends.
Let M = max_seq_length - 3. Exact rules, pair by pair:
- layout: [CLS]=101 A [SEP]=102 B [SEP]=102 then zeros; segment ids 0 for [CLS] A [SEP], 1 for
  B [SEP], 0 for padding; labels 0 or 1; A and B non-empty, together at most M tokens;
- A and B are each a contiguous piece of one document; label 0: B comes after A in A's document,
  with a sentence boundary between them; label 1: B comes from another document;
- a pair shorter than M was not truncated: A and B are whole sentences and, for label 0, B starts
  where A ends; with short_seq_prob 0 (the target is always M) such a pair must also end at its
  document's end, since only a document running out stops a chunk, or B, short of the target;
- a truncated segment (one that starts or ends inside a sentence) is at least as long as the other
  minus one: truncate_seq_pair only trims the longer segment;
- the walk: the first pair comes from document 0, each next pair from the same document or the
  next one (cyclically), the next pair of a document starts after the previous pair's A, the first
  pair of a visit starts within its document's first sentences (truncation removes fewer tokens
  than the longest sentence), and the last pair of a visit used up the document.
Statistics: the NotNext share is at least 1/2 (one-sentence chunks are always NotNext) and, with
short_seq_prob 0, exactly 1/2 among the pairs whose A does not lie in a document's last sentence,
within 5.5 standard errors. Bounds with a wide margin (each far from a correct solution's value,
far from a known mistake's): truncation cuts both fronts and backs; NotNext pairs seldom skip a
sentence before the next pair (unused sentences are put back); with short_seq_prob > 0 some pairs
that do not end a document fall short of M; random B segments start at many sentences and come
from many documents; the split point varies.
"""

import math

CLS, SEP, PAD = 101, 102, 0
Z = 5.5


class Corpus:
    """Where each token id sits: its document, its position in the document and its sentence."""

    def __init__(self, documents):
        self.where, self.bounds, self.sentence, self.length, self.last_start = {}, [], [], [], []
        for d, document in enumerate(documents):
            position, bounds, sentence_of = 0, {0}, []
            for s, sentence in enumerate(document):
                for token in sentence:
                    if token in self.where:
                        raise ValueError(f"token id {token} occurs twice; the cases need unique ids")
                    self.where[token] = (d, position)
                    sentence_of.append(s)
                    position += 1
                bounds.add(position)
            self.bounds.append(bounds)
            self.sentence.append(sentence_of)
            self.length.append(position)
            self.last_start.append(position - len(document[-1]))
        self.longest = max(len(s) for document in documents for s in document)


def _span(corpus, tokens):
    """(document, start, end) when `tokens` is a contiguous piece of one document, else None."""
    if not tokens or any(t not in corpus.where for t in tokens):
        return None
    d, start = corpus.where[tokens[0]]
    for k, t in enumerate(tokens):
        if corpus.where[t] != (d, start + k):
            return None
    return d, start, start + len(tokens)


def _parse(row, types, length):
    """(A, B) from one row of input_ids, or a message saying what is wrong with its layout."""
    used = length
    while used and row[used - 1] == PAD:
        used -= 1
    if row[0] != CLS:
        return "does not start with [CLS] (101)"
    if PAD in row[:used]:
        return "has a 0 (padding) before its last [SEP]; padding goes at the end"
    seps = [i for i in range(used) if row[i] == SEP]
    if len(seps) != 2 or seps[1] != used - 1:
        return "is not [CLS] A [SEP] B [SEP] followed by zeros (102 must appear exactly twice, the second time last)"
    first = seps[0]
    a, b = row[1:first], row[first + 1:used - 1]
    if not a or not b:
        return "has an empty segment; A and B each hold at least one token"
    expected = [0] * (first + 1) + [1] * (used - first - 1) + [0] * (length - used)
    if types != expected:
        return "has wrong token_type_ids: 0 for [CLS], A and the first [SEP], 1 for B and the last [SEP], 0 for padding"
    return a, b


def _analyse(args, output):
    """Every exact rule's first violation (a message) and the counts behind the statistics."""
    documents = args["documents"]
    corpus = Corpus(documents)
    M = args["max_seq_length"] - 3
    short_prob = args.get("short_seq_prob", 0.1)
    input_ids, token_type_ids, labels = output
    rows, types, labels = input_ids.tolist(), token_type_ids.tolist(), labels.tolist()
    st = {"problem": None, "pairs": len(rows), "layout": 0, "long": 0, "same_doc_negative": 0, "not_next": 0,
          "label1": 0, "whole": 0, "unfilled": 0, "rate_n": 0, "rate_1": 0, "front": 0, "back": 0, "wrong_side": 0, "walk": 0,
          "follows": 0, "skips": 0, "short": 0, "short_n": 0, "b_first": 0, "b_next_doc": 0, "random_n": 0,
          "a_one": 0, "b_one": 0, "whole_next": 0}

    def fail(r, message, key):
        st[key] += 1
        if st["problem"] is None:
            st["problem"] = f"pair {r}: {message}"

    previous = None  # the previous pair: (document, where its chunk was used up to, label, whether it ended the visit)
    for r, (row, kinds, label) in enumerate(zip(rows, types, labels)):
        parsed = _parse(row, kinds, len(row))
        if isinstance(parsed, str):
            fail(r, f"the row {parsed}", "layout")
            previous = None
            continue
        if label not in (0, 1):
            fail(r, f"the label is {label}; use 0 for IsNext and 1 for NotNext", "layout")
            previous = None
            continue
        a, b = parsed
        total = len(a) + len(b)
        if total > M:
            fail(r, f"A and B hold {total} tokens, more than max_seq_length - 3 = {M}; truncate the pair", "long")
        span_a, span_b = _span(corpus, a), _span(corpus, b)
        if span_a is None or span_b is None:
            fail(r, f"segment {'A' if span_a is None else 'B'} is not a contiguous piece of one document", "layout")
            previous = None
            continue
        (da, sa, ea), (db, sb, eb) = span_a, span_b
        st["label1"] += label
        aligned = {"A": (sa in corpus.bounds[da], ea in corpus.bounds[da]), "B": (sb in corpus.bounds[db], eb in corpus.bounds[db])}
        if label == 1 and db == da:
            fail(r, "a NotNext pair (label 1) takes B from A's own document; take it from another document", "same_doc_negative")
        if label == 0 and (db != da or sb < ea or not any(ea <= x <= sb for x in corpus.bounds[da])):
            fail(r, "an IsNext pair (label 0) must continue A's document: B starts after A, at a sentence boundary "
                    "(label 0 means IsNext, 1 NotNext)", "not_next")
        if total < M:
            if not all(aligned["A"] + aligned["B"]) or (label == 0 and sb != ea):
                fail(r, f"the pair has {total} < {M} tokens, so nothing was truncated, yet A or B is not made of whole "
                        "sentences (or B does not start where A ends)", "whole")
            elif short_prob == 0 and eb != corpus.length[db]:
                fail(r, f"the pair has {total} < {M} tokens although short_seq_prob is 0: add whole sentences until the "
                        "target length is reached (for A's chunk, and for a random B) or the document ends", "unfilled")
        for side, mine, other in (("A", a, b), ("B", b, a)):
            start_ok, end_ok = aligned[side]
            st["front"] += not start_ok
            st["back"] += not end_ok
            if not (start_ok and end_ok) and len(mine) < len(other) - 1:
                fail(r, f"segment {side} was truncated although it is the shorter ({len(mine)} against {len(other)} tokens); "
                        "truncate_seq_pair trims the longer segment (B on a tie)", "wrong_side")
        # the walk over the documents
        if previous is not None:
            pd, p_end, p_label, p_last = previous
            if da == pd:
                if sa < p_end:
                    fail(r, "this pair comes from the same document as the previous one but does not start after it "
                            "(after its A for a NotNext pair, after its B for an IsNext pair)", "walk")
                if p_label == 1:
                    st["follows"] += 1
                    # the first sentence boundary after A's end: where the next chunk should start
                    resume = min(x for x in corpus.bounds[da] if x >= p_end)
                    later = [x for x in corpus.bounds[da] if x > resume]
                    st["skips"] += bool(later) and sa >= min(later)
            elif da != (pd + 1) % len(documents):
                fail(r, f"the pair comes from document {da} right after one from document {pd}; walk the documents in "
                        "order, from the first again after the last", "walk")
            elif not p_last:
                fail(r - 1, "the walk left its document before using it up; make pairs until the document's last "
                            "sentence is used (unused sentences put back after a NotNext pair count as unused)", "walk")
        elif r == 0 and da != 0:
            fail(r, "the first pair must come from document 0; walk the documents in order", "walk")
        starts_visit = (r == 0) if previous is None else da != previous[0]
        if starts_visit and M > corpus.longest and sa >= corpus.longest:  # a pair loses fewer tokens than that
            fail(r, "the first pair from a document must start at its first sentence (only truncation may cut a few "
                    "tokens off its front)", "walk")
        a_in_last = sa >= corpus.last_start[da]  # A lies in its document's last sentence
        used_up = (label == 0 and eb > corpus.last_start[db]) or (label == 1 and a_in_last)
        previous = (da, ea if label == 1 else eb, label, used_up)
        # statistics
        if short_prob == 0 and not a_in_last:
            st["rate_n"] += 1
            st["rate_1"] += label
        ends_document = eb > corpus.last_start[db]
        if not ends_document:
            st["short_n"] += 1
            st["short"] += total < M
        if label == 1:
            st["random_n"] += 1
            st["b_first"] += corpus.sentence[db][sb] == 0
            st["b_next_doc"] += db == (da + 1) % len(documents)
        elif all(aligned["A"] + aligned["B"]):
            st["whole_next"] += 1
            st["a_one"] += corpus.sentence[da][sa] == corpus.sentence[da][ea - 1]
            st["b_one"] += corpus.sentence[db][sb] == corpus.sentence[db][eb - 1]
    st["short_prob"] = short_prob
    return st


def _bound(expected, n):
    return Z * math.sqrt(expected * (1 - expected) / n) if n else 0.0


def check(args, output):
    st = _analyse(args, output)
    if st["problem"]:
        return st["problem"]
    n = st["pairs"]
    share = st["label1"] / n
    if share < 0.5 - _bound(0.5, n):
        return (f"only {share:.3f} of the pairs are NotNext (label 1); at least half should be: a chunk is NotNext with "
                "probability 0.5, and always when it holds a single sentence")
    if st["rate_n"]:
        rate = st["rate_1"] / st["rate_n"]
        bound = _bound(0.5, st["rate_n"])
        if abs(rate - 0.5) > bound:
            return (f"among the {st['rate_n']} pairs whose chunk held two or more sentences, {rate:.3f} are NotNext; "
                    f"expected 0.5 ± {bound:.3f}: decide with probability 0.5")
    cuts = st["front"] + st["back"]
    if cuts >= 40 and not 0.2 <= st["front"] / cuts <= 0.8:
        where = "the back" if st["front"] < st["back"] else "the front"
        return (f"of {cuts} truncated segment ends, {max(st['front'], st['back'])} were cut at {where}; drop each token "
                "from the front or the back with probability 1/2 each")
    if st["follows"] >= 30 and st["skips"] > 0.5 * st["follows"]:
        return (f"after {st['skips']} of {st['follows']} NotNext pairs the next pair skipped the chunk's unused sentences; "
                "put them back: the next chunk starts right after A")
    if st["short_prob"] > 0 and st["short_n"] >= 200 and st["short"] < 0.1 * st["short_prob"] * st["short_n"]:
        return (f"only {st['short']} of {st['short_n']} pairs that do not end a document are shorter than max_seq_length - 3, "
                f"with short_seq_prob {st['short_prob']}; with that probability a document's target length is a random "
                "integer in [2, max_seq_length - 3]")
    if st["random_n"] >= 100:
        if st["b_first"] > 0.5 * st["random_n"]:
            return (f"{st['b_first']} of {st['random_n']} random B segments start at their document's first sentence; "
                    "start at a uniformly random sentence of the other document")
        if st["b_next_doc"] > 0.5 * st["random_n"]:
            return (f"{st['b_next_doc']} of {st['random_n']} random B segments come from the document right after A's; "
                    "choose the other document uniformly at random")
    if st["whole_next"] >= 50:
        for key, side in (("a_one", "A"), ("b_one", "B")):
            if st[key] > 0.95 * st["whole_next"]:
                return (f"in {st[key]} of {st['whole_next']} untruncated IsNext pairs segment {side} is a single sentence; "
                        "split the chunk at a uniformly random point a_end in [1, len(chunk) - 1]")
    return None


def signature(args, output):
    st = _analyse(args, output)
    n = max(st["pairs"], 1)
    cuts = max(st["front"] + st["back"], 1)
    return {
        "layout": st["layout"] / n, "long": st["long"] / n, "same_doc_negative": st["same_doc_negative"] / n,
        "not_next": st["not_next"] / n, "wrong_side": st["wrong_side"] / n, "walk": st["walk"] / n,
        "whole": st["whole"] / n, "unfilled": st["unfilled"] / n,
        "label1": st["label1"] / n, "front": st["front"] / cuts,
        "skips": st["skips"] / max(st["follows"], 1), "short": st["short"] / max(st["short_n"], 1),
        "b_first": st["b_first"] / max(st["random_n"], 1),
    }


TOLERANCE = {"label1": 0.08, "front": 0.1, "skips": 0.1, "short": 0.1, "b_first": 0.1}


def same(a, b):
    """Two signatures agree when every rate of broken rules is within 0.02 and every statistic
    within its tolerance (0.08 for the NotNext share, 0.1 for the rest)."""
    return all(abs(a[k] - b[k]) <= TOLERANCE.get(k, 0.02) for k in a)
