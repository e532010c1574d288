"""The pre-training data reference: MLM masking (Hugging Face's per-token draws and Google's fixed
count), whole word masking in English and Chinese, and Google's next-sentence pairs.

Statistical tests state their bounds: a proportion p observed over n independent draws must lie
within 5 standard errors sqrt(p (1 - p) / n) of its expected value, n >= 50,000 (a correct
implementation fails one such test with probability about 6e-7). Exact tests cover the counts,
the grouping rules and the pairs' layout; two oracles, Google's code as it reads and Hugging
Face's collator, pin the order of the random draws.
"""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest
import torch

from bertstudy.reference.pretraining import (
    NspPair,
    chinese_word_continuations,
    choose_words,
    create_nsp_pairs,
    make_nsp_pairs,
    mask_tokens,
    mask_tokens_fixed_count,
    nsp_pairs_from_document,
    num_to_predict,
    truncate_seq_pair,
    whole_word_groups,
    whole_word_mask,
)
from bertstudy.reference.tokenization import BertTokenizer, basic_tokenize, shipped_vocab_path

Z = 5.0


def within(observed: float, expected: float, n: int) -> bool:
    return abs(observed - expected) <= Z * math.sqrt(expected * (1 - expected) / n)


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer()


# ---- Hugging Face's per-token masking -----------------------------------------------------------


def test_mask_tokens_equals_hugging_faces_collator(tokenizer):
    """The same draws in the same order as transformers' DataCollatorForLanguageModeling: equal outputs."""
    transformers = pytest.importorskip("transformers")
    hf_tokenizer = transformers.BertTokenizer(vocab=str(shipped_vocab_path()))
    assert len(hf_tokenizer) == 30522
    collator = transformers.DataCollatorForLanguageModeling(hf_tokenizer, mlm_probability=0.15)
    ids = torch.randint(999, 30522, (16, 64), generator=torch.Generator().manual_seed(0))
    special = torch.zeros_like(ids, dtype=torch.bool)
    special[:, 0] = special[:, -1] = True
    for seed in range(3):
        collator.generator = torch.Generator().manual_seed(seed)
        theirs = collator.torch_mask_tokens(ids.clone(), special_tokens_mask=special.clone())
        ours = mask_tokens(ids, special, tokenizer.mask_token_id, len(tokenizer), 0.15, torch.Generator().manual_seed(seed))
        assert torch.equal(ours[0], theirs[0]) and torch.equal(ours[1], theirs[1])


def test_mask_tokens_takes_a_0_1_special_tokens_mask_as_hf_does():
    ids = torch.randint(5, 100, (4, 32), generator=torch.Generator().manual_seed(3))
    special = torch.zeros_like(ids)
    special[:, 0] = special[:, -1] = 1  # int64 0/1, as HF's tokenizers return it
    as_ints = mask_tokens(ids, special, 4, 100, 0.5, torch.Generator().manual_seed(4))
    as_bools = mask_tokens(ids, special.bool(), 4, 100, 0.5, torch.Generator().manual_seed(4))
    assert all(torch.equal(a, b) for a, b in zip(as_ints, as_bools))
    assert (as_ints[1][:, [0, -1]] == -100).all()


def test_make_nsp_pairs_needs_room_for_both_segments():
    documents = [[[1, 2], [3, 4]], [[5, 6], [7]]]
    with pytest.raises(ValueError, match="no room for A and B"):
        make_nsp_pairs(documents, 4, max_seq_length=4, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("vocab_size", [30522, 20])
def test_mask_tokens_proportions(vocab_size):
    ids = torch.randint(3, vocab_size, (500, 128), generator=torch.Generator().manual_seed(1))  # 64,000 tokens
    special = torch.zeros_like(ids, dtype=torch.bool)
    special[:, 0] = special[:, -1] = True
    corrupted, labels = mask_tokens(ids, special, 2, vocab_size, 0.15, torch.Generator().manual_seed(2))
    selected = labels != -100
    assert not (selected & special).any()
    assert torch.equal(labels[selected], ids[selected]) and torch.equal(corrupted[~selected], ids[~selected])
    n = int((~special).sum())
    assert n >= 50_000 and within(float(selected.sum()) / n, 0.15, n)
    m = int(selected.sum())
    for observed, expected in (
        (corrupted[selected] == 2, 0.8 + 0.1 / vocab_size),  # a random id may be [MASK] (id 2) itself
        (corrupted[selected] == ids[selected], 0.1 + 0.1 / vocab_size),  # or the original token
    ):
        assert within(float(observed.sum()) / m, expected, m)
    again = mask_tokens(ids, special, 2, vocab_size, 0.15, torch.Generator().manual_seed(2))
    assert torch.equal(again[0], corrupted) and torch.equal(again[1], labels)


# ---- Google's fixed-count masking ---------------------------------------------------------------


def google_masked_lm_predictions(tokens, masked_lm_prob, max_predictions_per_seq, vocab_words, rng, do_whole_word_mask):
    """Google's create_masked_lm_predictions as its code reads (the oracle)."""
    cand_indexes = []
    for i, token in enumerate(tokens):
        if token == "[CLS]" or token == "[SEP]":
            continue
        if do_whole_word_mask and len(cand_indexes) >= 1 and token.startswith("##"):
            cand_indexes[-1].append(i)
        else:
            cand_indexes.append([i])
    rng.shuffle(cand_indexes)
    output_tokens = list(tokens)
    num = min(max_predictions_per_seq, max(1, int(round(len(tokens) * masked_lm_prob))))
    masked_lms, covered_indexes = [], set()
    for index_set in cand_indexes:
        if len(masked_lms) >= num:
            break
        if len(masked_lms) + len(index_set) > num:
            continue
        if any(index in covered_indexes for index in index_set):
            continue
        for index in index_set:
            covered_indexes.add(index)
            if rng.random() < 0.8:
                masked_token = "[MASK]"
            else:
                if rng.random() < 0.5:
                    masked_token = tokens[index]
                else:
                    masked_token = vocab_words[rng.randint(0, len(vocab_words) - 1)]
            output_tokens[index] = masked_token
            masked_lms.append((index, tokens[index]))
    masked_lms.sort()
    return output_tokens, [i for i, _ in masked_lms], [t for _, t in masked_lms]


SENTENCES = [
    ("the man jumped up, put his basket on philammon's head", "unaffable hugs are rarer than embroidered tablecloths"),
    ("johanson's house is unaffordable", "tokenization splits words into wordpieces"),
]


@pytest.mark.parametrize("whole_words", [False, True])
def test_fixed_count_draws_as_google_does(tokenizer, whole_words):
    """With random.Random the same seed gives Google's output, for per-token and whole word masking."""
    vocab_words = list(tokenizer.vocab)
    for a, b in SENTENCES:
        tokens = ["[CLS]", *tokenizer.tokenize(a), "[SEP]", *tokenizer.tokenize(b), "[SEP]"]
        for seed in range(20):
            ours = mask_tokens_fixed_count(tokens, vocab_words, random.Random(seed), 0.15, 20, whole_words)
            theirs = google_masked_lm_predictions(tokens, 0.15, 20, vocab_words, random.Random(seed), whole_words)
            assert tuple(ours) == theirs


@pytest.mark.parametrize("length, prob, cap, expected", [
    (128, 0.15, 20, 19), (512, 0.15, 20, 20), (512, 0.15, 80, 77), (3, 0.15, 20, 1), (64, 0.15, 20, 10),
])
def test_num_to_predict(length, prob, cap, expected):
    assert num_to_predict(length, prob, cap) == expected


def test_fixed_count_is_exact_and_its_proportions_hold():
    """Exactly num_to_predict positions per sequence (specials counted in the length, never chosen),
    then 80/10/10 over more than 50,000 chosen tokens."""
    rng = random.Random(7)
    vocab_words = [f"w{i}" for i in range(50)] + ["[CLS]", "[SEP]", "[MASK]"]
    kinds = Counter()
    for _ in range(5000):
        length = rng.randint(60, 128)
        tokens = ["[CLS]"] + [f"w{rng.randint(0, 49)}" for _ in range(length - 2)] + ["[SEP]"]
        tokens[rng.randint(1, length - 2)] = "[SEP]"
        out, positions, labels = mask_tokens_fixed_count(tokens, vocab_words, rng)
        assert len(positions) == num_to_predict(length) and positions == sorted(set(positions))
        assert labels == [tokens[i] for i in positions]
        assert all(tokens[i] not in ("[CLS]", "[SEP]") for i in positions)
        assert all(out[i] == tokens[i] for i in range(length) if i not in positions)
        kinds.update("mask" if out[i] == "[MASK]" else "kept" if out[i] == tokens[i] else "random" for i in positions)
    n = sum(kinds.values())
    assert n >= 50_000
    v = len(vocab_words)
    assert within(kinds["mask"] / n, 0.8 + 0.1 / v, n)
    assert within(kinds["kept"] / n, 0.1 + 0.1 / v, n)


def test_a_word_that_would_overflow_is_skipped_whole():
    assert choose_words([[0, 1, 2], [3, 4], [5], [6, 7]], budget=3) == [0, 1, 2]
    assert choose_words([[0, 1], [2, 3], [4], [5]], budget=3) == [0, 1, 4]  # [2, 3] skipped, [4] still fits
    assert choose_words([[0, 1, 2, 3]], budget=2) == []


# ---- whole words ----------------------------------------------------------------------------------


def test_whole_word_groups_follow_the_hash_rule():
    tokens = ["[CLS]", "phil", "##am", "##mon", "'", "s", "[SEP]", "##bab", "##ility", "un", "##aff", "[SEP]"]
    assert whole_word_groups(tokens) == [[1, 2, 3], [4], [5], [7, 8], [9, 10]]
    assert whole_word_groups(["##a", "##b", "c"]) == [[0, 1], [2]]  # a leading piece starts a word
    assert whole_word_groups(["使", "用", "语", "言"], [False, True, False, True]) == [[0, 1], [2, 3]]


def test_chinese_words_mark_their_later_characters():
    """The Chinese-BERT-wwm README's example: 使用 语言 模型 来 预测 下 一个 词 的 probability 。"""
    words = ["使用", "语言", "模型", "来", "预测", "下", "一个", "词", "的", "probability", "。"]
    tokens = list("使用语言模型来预测下一个词的") + ["pro", "##bab", "##ility", "。"]
    marks = chinese_word_continuations(tokens, words)
    assert [t for t, m in zip(tokens, marks) if m] == ["用", "言", "型", "测", "个"]
    groups = whole_word_groups(tokens, marks)
    assert [[tokens[i] for i in g] for g in groups][:4] == [["使", "用"], ["语", "言"], ["模", "型"], ["来"]]
    assert [tokens[i] for i in groups[-2]] == ["pro", "##bab", "##ility"]
    # greedy: the longest word the characters spell wins
    assert chinese_word_continuations(list("语言模型"), ["语言", "模型", "语言模型"]) == [False, True, True, True]


def test_whole_word_masking_never_cuts_a_word(tokenizer):
    """English ('##') and Chinese (segmenter words) whole word masking: every word of the sentence is
    chosen whole or not at all, over many seeds, and only chosen tokens change."""
    english = ["[CLS]", *tokenizer.tokenize("philammon's unaffable johanson embroidered tablecloths"), "[SEP]"]
    words = ["使用", "语言", "模型", "来", "预测", "下", "一个", "词", "的", "概率"]
    chinese = ["[CLS]", *basic_tokenize("".join(words)), "[SEP]"]  # one token per character
    marks = chinese_word_continuations(chinese, words)
    vocab_words = list(tokenizer.vocab)
    for tokens, continues in ((english, None), (chinese, marks)):
        groups = whole_word_groups(tokens, continues)
        assert any(len(g) > 1 for g in groups)
        for seed in range(200):
            out, positions, _ = mask_tokens_fixed_count(tokens, vocab_words, random.Random(seed), 0.3, 20, True, continues)
            chosen = set(positions)
            assert all(set(g) <= chosen or not set(g) & chosen for g in groups)
            assert len(positions) <= num_to_predict(len(tokens), 0.3, 20)
            assert all(out[i] == tokens[i] for i in range(len(tokens)) if i not in chosen)


def test_whole_word_budget_leaves_the_padding_out():
    """A short row padded to a long batch gets the budget of its own tokens, as Google's unpadded
    sequences do, not the padded length's."""
    vocab = ["[PAD]", "[UNK]", "[MASK]", "[CLS]", "[SEP]"] + [f"w{i}" for i in range(20)]
    real = [3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 4]  # [CLS] 14 words [SEP]: 16 tokens
    ids = torch.tensor([real + [0] * 112, real + list(range(5, 25)) * 5 + [5] * 12])  # (2, 128)
    _, labels = whole_word_mask(ids, vocab, generator=torch.Generator().manual_seed(0))
    chosen = (labels != -100).sum(dim=1).tolist()
    assert chosen == [num_to_predict(16), num_to_predict(128)] == [2, 19]
    assert not (labels[0, 16:] != -100).any(), "padding is never chosen"


def test_whole_word_mask_on_ids_proportions():
    """The batched version: whole words only, the budget exact where the words allow, and 80/10/10
    per token over more than 50,000 chosen tokens."""
    vocab = ["[PAD]", "[UNK]", "[MASK]", "[CLS]", "[SEP]", "a", "b", "c", "d", "##x", "##y", "##z"]
    ids = torch.randint(3, len(vocab), (2800, 128), generator=torch.Generator().manual_seed(3))
    corrupted, labels = whole_word_mask(ids, vocab, generator=torch.Generator().manual_seed(4))
    selected = labels != -100
    assert torch.equal(labels[selected], ids[selected]) and torch.equal(corrupted[~selected], ids[~selected])
    budget = num_to_predict(128)
    for row in range(0, 2800, 7):
        tokens = [vocab[i] for i in ids[row].tolist()]
        chosen = selected[row].tolist()
        groups = whole_word_groups(tokens)
        assert all(len({chosen[i] for i in g}) == 1 for g in groups)
        count = sum(chosen)
        left = [len(g) for g in groups if not chosen[g[0]]]
        assert count <= budget and (count == budget or min(left) > budget - count)
    m = int(selected.sum())
    assert m >= 50_000
    v = len(vocab)
    assert within(float((corrupted[selected] == 2).sum()) / m, 0.8 + 0.1 / v, m)
    assert within(float((corrupted[selected] == ids[selected]).sum()) / m, 0.1 + 0.1 / v, m)


# ---- next-sentence pairs -------------------------------------------------------------------------


def corpus(seed: int = 0, documents: int = 12) -> list[list[list[tuple[int, int, int]]]]:
    """Documents of sentences whose tokens say where they come from: (document, sentence, k)."""
    rng = random.Random(seed)
    return [[[(d, s, k) for k in range(rng.randint(2, 9))] for s in range(rng.randint(1, 25))] for d in range(documents)]


def google_pairs(documents, index, max_seq_length, short_seq_prob, rng):
    """Google's create_instances_from_document without the masking, as its code reads (the oracle)."""
    document = documents[index]
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
            if current_chunk:
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
                        random_document_index = rng.randint(0, len(documents) - 1)
                        if random_document_index != index:
                            break
                    random_document = documents[random_document_index]
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
                while True:
                    if len(tokens_a) + len(tokens_b) <= max_num_tokens:
                        break
                    trunc_tokens = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
                    if rng.random() < 0.5:
                        del trunc_tokens[0]
                    else:
                        trunc_tokens.pop()
                instances.append((tokens_a, tokens_b, is_random_next))
            current_chunk, current_length = [], 0
        i += 1
    return instances


@pytest.mark.parametrize("seed, max_seq_length, short_seq_prob", [(0, 32, 0.1), (1, 20, 0.5), (12345, 128, 0.1)])
def test_nsp_pairs_draw_as_google_does(seed, max_seq_length, short_seq_prob):
    documents = corpus(seed)
    ours = create_nsp_pairs(documents, random.Random(seed), max_seq_length, short_seq_prob, dupe_factor=3)
    rng = random.Random(seed)
    theirs = [p for _ in range(3) for d in range(len(documents))
              for p in google_pairs(documents, d, max_seq_length, short_seq_prob, rng)]
    assert [tuple(p) for p in ours] == theirs


def test_nsp_pairs_obey_the_rules():
    """Every pair: A and B non-empty and within the budget, each from one document; IsNext: B's first
    sentence follows A's last in A's document; NotNext: B from another document."""
    documents = corpus(1)
    for short_seq_prob in (0.0, 0.1, 1.0):
        pairs = create_nsp_pairs(documents, random.Random(2), 32, short_seq_prob, dupe_factor=20)
        for tokens_a, tokens_b, is_random_next in pairs:
            assert tokens_a and tokens_b and len(tokens_a) + len(tokens_b) <= 29
            (doc_a,), (doc_b,) = {t[0] for t in tokens_a}, {t[0] for t in tokens_b}
            if is_random_next:
                assert doc_b != doc_a
            else:
                assert doc_b == doc_a and tokens_a[-1][1] < tokens_b[0][1]


def test_nsp_label_is_a_fair_coin():
    """NotNext in a little over half the pairs (one-sentence chunks always are), and in exactly half
    of those whose chunk had two or more sentences, over more than 50,000 pairs (5 standard errors).
    With the target always 29 tokens and sentences of 2 to 9, only a chunk that starts at a
    document's last sentence holds one sentence."""
    documents = corpus(1, documents=30)
    pairs = create_nsp_pairs(documents, random.Random(3), 32, short_seq_prob=0.0, dupe_factor=600)
    assert sum(p.is_random_next for p in pairs) / len(pairs) > 0.5
    last = [len(d) - 1 for d in documents]
    fair = [p.is_random_next for p in pairs if p.tokens_a[0][1] != last[p.tokens_a[0][0]]]
    assert len(fair) >= 50_000 and within(sum(fair) / len(fair), 0.5, len(fair))


def test_unused_sentences_are_put_back():
    """After a NotNext pair the next chunk starts right after A's sentences; after an IsNext pair,
    right after B's. Sentences of 10 tokens: truncation (less than one sentence) never hides one."""
    documents = [[[(d, s, k) for k in range(10)] for s in range(3 + 2 * d)] for d in range(8)]
    for d in range(len(documents)):
        pairs = nsp_pairs_from_document(documents, d, 45, 0.0, random.Random(d))
        assert pairs[0].tokens_a[0][1] == 0
        for before, after in zip(pairs, pairs[1:]):
            used = before.tokens_a if before.is_random_next else before.tokens_b
            assert after.tokens_a[0][1] == used[-1][1] + 1
        end = pairs[-1].tokens_b if not pairs[-1].is_random_next else pairs[-1].tokens_a
        assert end[-1][1] == len(documents[d]) - 1, "the document is used up"


def test_short_targets_shorten_the_pairs():
    documents = corpus(5)
    full = create_nsp_pairs(documents, random.Random(0), 64, short_seq_prob=0.0, dupe_factor=20)
    short = create_nsp_pairs(documents, random.Random(0), 64, short_seq_prob=1.0, dupe_factor=20)
    mean = lambda pairs: sum(len(p.tokens_a) + len(p.tokens_b) for p in pairs) / len(pairs)
    assert mean(short) < 0.75 * mean(full)
    assert all(len(p.tokens_a) + len(p.tokens_b) <= 61 for p in short)


def test_truncate_seq_pair_trims_the_longer_from_either_end():
    rng = random.Random(0)
    a, b = [1, 2, 3], [4, 5, 6]
    truncate_seq_pair(a, b, 5, rng)
    assert len(a) == 3 and len(b) == 2  # a tie trims B
    fronts = 0
    n = 50_000
    for _ in range(n):
        a, b = list(range(10)), list(range(100, 103))
        truncate_seq_pair(a, b, 12, rng)
        assert len(a) == 9 and b == [100, 101, 102]
        fronts += a[0] == 1
    assert within(fronts / n, 0.5, n)


def test_make_nsp_pairs_lays_out_bert_inputs():
    documents = [[[1000 + 10 * d + s for _ in range(1)] for s in range(4)] for d in range(3)]
    ids, types, labels = make_nsp_pairs(documents, 7, 12, 0.0, torch.Generator().manual_seed(0))
    assert ids.shape == types.shape == (7, 12) and labels.shape == (7,)
    assert ids.dtype == types.dtype == labels.dtype == torch.int64
    for row, kinds in zip(ids.tolist(), types.tolist()):
        first, second = [i for i, t in enumerate(row) if t == 102]
        assert row[0] == 101 and all(t == 0 for t in row[second + 1:])
        assert kinds == [0] * (first + 1) + [1] * (second - first) + [0] * (11 - second)
    again = make_nsp_pairs(documents, 7, 12, 0.0, torch.Generator().manual_seed(0))
    assert all(torch.equal(x, y) for x, y in zip(again, (ids, types, labels)))


def test_nsp_pair_is_a_named_tuple():
    assert NspPair([1], [2], True).is_random_next
