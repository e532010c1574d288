"""make_nsp_pairs, graded by its properties: correct solutions in other styles (and other orders of
drawing) pass, realistic wrong ones fail with the reason, beyond the shipped known mistakes; and the
reference obeys the properties and is deterministic (test_reference_pretraining.py shows that it
draws as Google's code does)."""

from __future__ import annotations

import pytest

from grading import PACK, failures, verdict_of

pytestmark = pytest.mark.slow
SOLUTION = (PACK.exercises["make_nsp_pairs"].folder / "solution.py").read_text()


def variant(*edits: tuple[str, str]) -> str:
    """The shipped solution with each (old, new) replaced; old must be there, so that a changed
    solution fails these tests loudly instead of making them test nothing."""
    source = SOLUTION
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new)
    return source


CORRECT = {
    "Google's code on a random.Random seeded from the generator": """
        import random
        import torch

        def truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng):
            while True:
                if len(tokens_a) + len(tokens_b) <= max_num_tokens:
                    break
                trunc_tokens = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
                if rng.random() < 0.5:
                    del trunc_tokens[0]
                else:
                    trunc_tokens.pop()

        def create_instances_from_document(all_documents, document_index, max_seq_length, short_seq_prob, rng):
            document = all_documents[document_index]
            max_num_tokens = max_seq_length - 3
            target_seq_length = max_num_tokens
            if rng.random() < short_seq_prob:
                target_seq_length = rng.randint(2, max_num_tokens)
            instances, current_chunk, current_length, i = [], [], 0, 0
            while i < len(document):
                segment = document[i]
                current_chunk.append(segment)
                current_length += len(segment)
                if i == len(document) - 1 or current_length >= target_seq_length:
                    a_end = 1
                    if len(current_chunk) >= 2:
                        a_end = rng.randint(1, len(current_chunk) - 1)
                    tokens_a = []
                    for j in range(a_end):
                        tokens_a.extend(current_chunk[j])
                    tokens_b = []
                    if len(current_chunk) == 1 or rng.random() < 0.5:
                        is_random_next = True
                        target_b_length = target_seq_length - len(tokens_a)
                        for _ in range(10):
                            random_document_index = rng.randint(0, len(all_documents) - 1)
                            if random_document_index != document_index:
                                break
                        random_document = all_documents[random_document_index]
                        random_start = rng.randint(0, len(random_document) - 1)
                        for j in range(random_start, len(random_document)):
                            tokens_b.extend(random_document[j])
                            if len(tokens_b) >= target_b_length:
                                break
                        i -= len(current_chunk) - a_end
                    else:
                        is_random_next = False
                        for j in range(a_end, len(current_chunk)):
                            tokens_b.extend(current_chunk[j])
                    truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng)
                    instances.append((tokens_a, tokens_b, is_random_next))
                    current_chunk, current_length = [], 0
                i += 1
            return instances

        def make_nsp_pairs(documents, num_pairs, max_seq_length, short_seq_prob=0.1, generator=None):
            rng = random.Random(int(torch.randint(2**62, (), generator=generator)))
            instances, index = [], 0
            while len(instances) < num_pairs:
                instances += create_instances_from_document(documents, index, max_seq_length, short_seq_prob, rng)
                index = (index + 1) % len(documents)
            ids = torch.zeros((num_pairs, max_seq_length), dtype=torch.int64)
            types = torch.zeros((num_pairs, max_seq_length), dtype=torch.int64)
            for n, (a, b, _) in enumerate(instances[:num_pairs]):
                row = [101] + a + [102] + b + [102]
                ids[n, :len(row)] = torch.tensor(row)
                types[n, len(a) + 2:len(row)] = 1
            labels = torch.tensor([int(r) for _, _, r in instances[:num_pairs]])
            return ids, types, labels
    """,
    "other draw order: the label before the split, multinomial documents, bernoulli coins": """
        import torch

        def make_nsp_pairs(documents, num_pairs, max_seq_length, short_seq_prob=0.1, generator=None):
            M = max_seq_length - 3
            coin = lambda p: bool(torch.bernoulli(torch.tensor(float(p)), generator=generator))
            pick = lambda n: int(torch.randint(n, (1,), generator=generator))
            out_ids = torch.zeros(num_pairs, max_seq_length, dtype=torch.long)
            out_types = torch.zeros_like(out_ids)
            labels = torch.zeros(num_pairs, dtype=torch.long)
            count, doc = 0, 0
            while count < num_pairs:
                sentences = documents[doc]
                target = 2 + pick(M - 1) if coin(short_seq_prob) else M
                start = 0
                while start < len(sentences) and count < num_pairs:
                    end, size = start, 0
                    while end < len(sentences):
                        size += len(sentences[end])
                        end += 1
                        if size >= target:
                            break
                    n = end - start
                    random_next = n == 1 or coin(0.5)
                    a_end = 1 + pick(n - 1) if n >= 2 else 1
                    a = [t for s in sentences[start:start + a_end] for t in s]
                    if random_next:
                        weights = torch.ones(len(documents))
                        weights[doc] = 0
                        other = documents[int(torch.multinomial(weights, 1, generator=generator))]
                        b = []
                        for s in other[pick(len(other)):]:
                            b += s
                            if len(b) >= target - len(a):
                                break
                        start += a_end
                    else:
                        b = [t for s in sentences[start + a_end:end] for t in s]
                        start = end
                    while len(a) + len(b) > M:
                        longer = a if len(a) > len(b) else b
                        del longer[0 if coin(0.5) else len(longer) - 1]
                    row = [101, *a, 102, *b, 102]
                    out_ids[count, :len(row)] = torch.tensor(row)
                    out_types[count, len(a) + 2:len(row)] = 1
                    labels[count] = int(random_next)
                    count += 1
                doc = (doc + 1) % len(documents)
            return out_ids, out_types, labels
    """,
    "a generator of pairs per document and deques": """
        from collections import deque
        import torch

        def make_nsp_pairs(documents, num_pairs, max_seq_length, short_seq_prob=0.1, generator=None):
            M = max_seq_length - 3

            def u():
                return float(torch.rand(1, generator=generator))

            def between(lo, hi):
                return lo + int(u() * (hi - lo + 1))

            def pairs_of(d):
                doc = documents[d]
                target = between(2, M) if u() < short_seq_prob else M
                i = 0
                while i < len(doc):
                    chunk = []
                    while i < len(doc):
                        chunk.append(doc[i])
                        i += 1
                        if sum(map(len, chunk)) >= target:
                            break
                    a_end = between(1, len(chunk) - 1) if len(chunk) > 1 else 1
                    a = deque(t for s in chunk[:a_end] for t in s)
                    if len(chunk) == 1 or u() < 0.5:
                        others = [k for k in range(len(documents)) if k != d]
                        other = documents[others[between(0, len(others) - 1)]]
                        b = deque()
                        for s in other[between(0, len(other) - 1):]:
                            b.extend(s)
                            if len(b) >= target - len(a):
                                break
                        i -= len(chunk) - a_end
                        label = 1
                    else:
                        b = deque(t for s in chunk[a_end:] for t in s)
                        label = 0
                    while len(a) + len(b) > M:
                        longer = a if len(a) > len(b) else b
                        longer.popleft() if u() < 0.5 else longer.pop()
                    yield list(a), list(b), label

            made, d = [], 0
            while len(made) < num_pairs:
                for pair in pairs_of(d):
                    made.append(pair)
                    if len(made) == num_pairs:
                        break
                d = (d + 1) % len(documents)
            ids = torch.zeros(num_pairs, max_seq_length, dtype=torch.long)
            types = torch.zeros(num_pairs, max_seq_length, dtype=torch.long)
            for n, (a, b, _) in enumerate(made):
                ids[n, 0], ids[n, 1:len(a) + 1], ids[n, len(a) + 1] = 101, torch.tensor(a), 102
                ids[n, len(a) + 2:len(a) + 2 + len(b)], ids[n, len(a) + len(b) + 2] = torch.tensor(b), 102
                types[n, len(a) + 2:len(a) + len(b) + 3] = 1
            return ids, types, torch.tensor([label for _, _, label in made])
    """,
}

WRONG = {
    "short_seq_prob ignored": (variant(("if uniform() < short_seq_prob:", "if False:")),
                               "shorter than max_seq_length - 3"),
    "always truncates A": (variant(("longer = a if len(a) > len(b) else b", "longer = a if a else b")),
                           "although it is the shorter"),
    "random B from the other document's first sentence": (
        variant(("documents[other][randint(0, len(documents[other]) - 1):]", "documents[other]")),
        "start at their document's first sentence"),
    "a_end always 1": (variant(("a_end = randint(1, len(chunk) - 1) if len(chunk) >= 2 else 1", "a_end = 1")),
                       "is a single sentence"),
    "the other document is always the next one": (
        variant(("other = randint(0, len(documents) - 2)\n", "other = d\n"),
                ("other += other >= d  # any document but this one", "other = (other + 1) % len(documents)")),
        "from the document right after"),
    "the first [SEP] in segment B": (variant(("token_type_ids[row, len(a) + 2:len(tokens)] = 1",
                                              "token_type_ids[row, len(a) + 1:len(tokens)] = 1")),
                                     "token_type_ids"),
    "B is one sentence, not filled to the target": (
        variant(("if len(b) >= target - len(a):", "if True:")),
        "although short_seq_prob is 0"),
    "int32 outputs": (variant(("input_ids = torch.zeros(num_pairs, max_seq_length, dtype=torch.long)",
                               "input_ids = torch.zeros(num_pairs, max_seq_length, dtype=torch.int32)")),
                      "dtype int32"),
    "shuffles the documents in place first, as Google's script shuffles its list": (
        variant(("    max_num_tokens = max_seq_length - 3\n",
                 "    max_num_tokens = max_seq_length - 3\n"
                 "    order = torch.randperm(len(documents), generator=generator).tolist()\n"
                 "    documents[:] = [documents[k] for k in order]\n")),
        "changed its inputs in place"),
    "ignores the generator": (variant(("generator=generator)", "generator=None)")),
                              "two calls with equal seeds gave different results"),
    "NotNext with probability 0.3": (variant(("uniform() < 0.5:", "uniform() < 0.3:")), "are NotNext"),
    "each visit starts at a random sentence": (
        variant(("chunk, length, i = [], 0, 0", "chunk, length, i = [], 0, randint(0, len(document) - 1)")),
        "must start at its first sentence"),
}


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("make_nsp_pairs", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("make_nsp_pairs", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
