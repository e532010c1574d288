"""The fine-tuning reference (bertstudy/reference/finetuning.py) against independent answers:
the classification head against transformers' BertForSequenceClassification on the same random
weights; the NER alignment against the HF tokenizer's own word-to-token map on real WordPiece
splits; the QA span search against a brute-force loop over every span."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import torch

from bertstudy.reference import bert
from bertstudy.reference.finetuning import (IGNORE_INDEX, align_ner_labels, decode_answer, pooler_and_classifier,
                                             qa_best_span, span_scores)

transformers = pytest.importorskip("transformers")

VOCAB = Path(__file__).resolve().parent.parent / "bertstudy" / "data" / "vocab-uncased.txt"


# ---- pooler_and_classifier ----------------------------------------------------------------------


def tiny_hf_classifier(num_labels: int, seed: int):
    config = transformers.BertConfig(vocab_size=120, hidden_size=24, num_hidden_layers=2, num_attention_heads=3,
                                     intermediate_size=48, max_position_embeddings=32, num_labels=num_labels)
    torch.manual_seed(seed)
    model = transformers.BertForSequenceClassification(config).eval()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():  # non-trivial values everywhere: no mistake hides behind a zero bias
        for p in model.parameters():
            p.add_(0.2 * torch.randn(p.shape, generator=g))
    return model


@pytest.mark.parametrize("num_labels,seed", [(2, 0), (5, 1)])
def test_pooler_and_classifier_equals_hf_sequence_classification(num_labels, seed):
    model = tiny_hf_classifier(num_labels, seed)
    g = torch.Generator().manual_seed(seed + 10)
    input_ids = torch.randint(1, 120, (4, 9), generator=g)
    attention_mask = torch.ones(4, 9, dtype=torch.long)
    attention_mask[2, 6:] = 0
    with torch.no_grad():
        expected = model(input_ids=input_ids, attention_mask=attention_mask).logits  # (B, K)
        hidden_states = model.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # (B, L, D)
        logits = pooler_and_classifier(hidden_states, model.bert.pooler.dense.weight, model.bert.pooler.dense.bias,
                                       model.classifier.weight, model.classifier.bias)
    assert logits.shape == (4, num_labels)
    torch.testing.assert_close(logits, expected, atol=1e-5, rtol=0)


def test_pooler_and_classifier_equals_the_reference_model_and_its_gradients():
    config = bert.BertConfig.tiny(num_labels=3)
    torch.manual_seed(3)
    model = bert.BertForSequenceClassification(config).eval()
    input_ids = torch.randint(1, config.vocab_size, (2, 7), generator=torch.Generator().manual_seed(4))
    hidden_states, _ = model.bert(input_ids)
    hidden_states = hidden_states.detach().requires_grad_(True)
    params = [model.bert.pooler.dense.weight, model.bert.pooler.dense.bias, model.classifier.weight, model.classifier.bias]
    ours = pooler_and_classifier(hidden_states, *params)
    theirs = model.classifier(model.dropout(model.bert.pooler(hidden_states)))
    torch.testing.assert_close(ours, theirs)
    probe = torch.randn(ours.shape, generator=torch.Generator().manual_seed(5))
    mine = torch.autograd.grad((ours * probe).sum(), [hidden_states, *params])
    expected = torch.autograd.grad((theirs * probe).sum(), [hidden_states, *params])
    for a, b in zip(mine, expected):
        torch.testing.assert_close(a, b)
    assert mine[0][:, 1:].abs().max() == 0, "only the [CLS] position may receive a gradient"


# ---- align_ner_labels ---------------------------------------------------------------------------

# label ids: 0 O, 1 B-PER, 2 I-PER, 3 B-LOC, 4 I-LOC, 5 B-ORG, 6 I-ORG
B_TO_I = {1: 2, 3: 4, 5: 6}
SENTENCES = [
    (["Johanson", "lives", "in", "Reykjavik", "."], [1, 0, 0, 3, 0]),
    (["Hugging", "Face", "hired", "Chidi", "Okonkwo", "in", "Zhangjiakou"], [5, 6, 0, 1, 2, 0, 3]),
    (["Unaffable", "Tchaikovsky", "visited", "Kraków", "yesterday"], [0, 1, 0, 3, 0]),
    (["The", "Bundesliga", "club", "Borussia", "Mönchengladbach", "won"], [0, 5, 0, 5, 6, 0]),
]


@pytest.fixture(scope="module")
def tokenizer():
    return transformers.BertTokenizerFast(vocab=str(VOCAB), do_lower_case=True)


def expected_alignment(encoding, word_labels, all_pieces: bool, sequence_index: int = 0) -> list[int]:
    """Built from the tokenizer's word -> token spans, independently of word_ids' order."""
    labels = [IGNORE_INDEX] * len(encoding.input_ids)
    for w, label in enumerate(word_labels):
        span = encoding.word_to_tokens(w, sequence_index=sequence_index)
        labels[span.start] = label
        if all_pieces:
            for t in range(span.start + 1, span.end):
                labels[t] = B_TO_I.get(label, label)
    return labels


@pytest.mark.parametrize("words,word_labels", SENTENCES)
def test_alignment_matches_the_hf_tokenizer(tokenizer, words, word_labels):
    encoding = tokenizer(words, is_split_into_words=True, padding="max_length", max_length=24)
    word_ids = encoding.word_ids()
    assert word_ids[-1] is None, "padding positions have no word"
    pieces = [len(range(*encoding.word_to_tokens(w))) for w in range(len(words))]
    assert any(n > 1 for n in pieces), "every sentence must have a word split into several pieces"
    assert align_ner_labels(word_ids, word_labels) == expected_alignment(encoding, word_labels, all_pieces=False)
    assert (align_ner_labels(word_ids, word_labels, label_all_subtokens=True, b_to_i=B_TO_I)
            == expected_alignment(encoding, word_labels, all_pieces=True))


def test_alignment_on_a_sentence_pair_where_word_ids_restart(tokenizer):
    """In a pair, word ids restart at 0 after [SEP]; here the second sentence is the labelled one."""
    question, (words, word_labels) = ["who", "lives", "there", "?"], SENTENCES[0]
    encoding = tokenizer(question, words, is_split_into_words=True)
    word_ids = [w if s == 1 else None for w, s in zip(encoding.word_ids(), encoding.sequence_ids())]
    assert align_ner_labels(word_ids, word_labels) == expected_alignment(encoding, word_labels, False, sequence_index=1)


def test_alignment_details():
    word_ids = [None, 0, 0, 0, 1, 2, 2, None, None]
    assert align_ner_labels(word_ids, [1, 0, 3]) == [-100, 1, -100, -100, 0, 3, -100, -100, -100]
    assert align_ner_labels(word_ids, [1, 0, 3], label_all_subtokens=True) == [-100, 1, 1, 1, 0, 3, 3, -100, -100]
    assert align_ner_labels(word_ids, [1, 0, 3], True, B_TO_I) == [-100, 1, 2, 2, 0, 3, 4, -100, -100]
    assert align_ner_labels([None, None], []) == [-100, -100]
    inputs = list(word_ids)
    align_ner_labels(inputs, [1, 0, 3])
    assert inputs == word_ids, "the inputs are left as they were"


# ---- qa_best_span -------------------------------------------------------------------------------


def brute_force(start_logits, end_logits, context_mask, max_answer_length):
    """Every (i, j) in order, keeping the first strictly better valid one: the stated tie rule."""
    best, best_score = None, float("-inf")
    length = len(start_logits)
    for i, j in itertools.product(range(length), range(length)):
        if not (context_mask[i] and context_mask[j] and i <= j and j - i + 1 <= max_answer_length):
            continue
        score = float(start_logits[i]) + float(end_logits[j])
        if score > best_score:
            best, best_score = (i, j), score
    return best, best_score


def random_example(seed: int, integer_logits: bool = False):
    g = torch.Generator().manual_seed(seed)
    length = int(torch.randint(6, 20, (), generator=g))
    question = int(torch.randint(1, length - 3, (), generator=g))  # [CLS] q1..q_n [SEP] passage [SEP] pad
    padding = int(torch.randint(0, 3, (), generator=g))
    mask = torch.zeros(length, dtype=torch.bool)
    mask[question + 2:length - 1 - padding] = True
    if not mask.any():
        mask[length - 2] = True
    if integer_logits:  # few distinct values: many ties
        start, end = (torch.randint(-2, 3, (length,), generator=g).float() for _ in range(2))
    else:
        start, end = (torch.randn(length, generator=g, dtype=torch.float64) * 3 for _ in range(2))
    max_answer_length = int(torch.randint(1, 8, (), generator=g))
    return start, end, mask, max_answer_length


@pytest.mark.parametrize("integer_logits", [False, True])
def test_best_span_equals_brute_force(integer_logits):
    for seed in range(300):
        start, end, mask, max_len = random_example(seed, integer_logits)
        (i, j), score = brute_force(start.tolist(), end.tolist(), mask.tolist(), max_len)
        got = qa_best_span(start, end, mask, max_len)
        assert got == (i, j), f"seed {seed}"
        assert all(type(v) is int for v in got)
        answer = decode_answer(start, end, mask, max_len)
        assert answer.best_score == pytest.approx(score)
        assert answer.null_score == pytest.approx(float(start[0] + end[0]))


def test_null_answer_rule():
    for seed in range(200):
        start, end, mask, max_len = random_example(seed)
        (i, j), best = brute_force(start.tolist(), end.tolist(), mask.tolist(), max_len)
        null = float(start[0] + end[0])
        for threshold in (-2.0, 0.0, 1.5):
            expected = (0, 0) if null - best > threshold else (i, j)
            assert qa_best_span(start, end, mask, max_len, threshold) == expected
    # the boundary: a difference equal to the threshold still answers with the span
    start = torch.tensor([3.0, 0.0, 0.0, 1.0, 0.0])
    end = torch.tensor([1.0, 0.0, 0.0, 0.0, 2.0])
    mask = torch.tensor([False, False, True, True, True])
    assert qa_best_span(start, end, mask, 5) == (3, 4)  # best 3.0, null 4.0
    assert qa_best_span(start, end, mask, 5, null_score_diff_threshold=1.0) == (3, 4)
    assert qa_best_span(start, end, mask, 5, null_score_diff_threshold=0.5) == (0, 0)
    answer = decode_answer(start, end, mask, 5, 0.5)
    assert answer.is_null and (answer.best_start, answer.best_end, answer.best_score) == (3, 4, 3.0)


def test_span_scores_marks_exactly_the_invalid_spans():
    start, end, mask, max_len = random_example(7)
    scores = span_scores(start, end, mask, max_len)
    for i, j in itertools.product(range(len(start)), repeat=2):
        valid = bool(mask[i] and mask[j]) and i <= j and j - i + 1 <= max_len
        assert torch.isfinite(scores[i, j]) == valid
        if valid:
            assert scores[i, j] == start[i] + end[j]


def test_no_valid_span_is_an_error():
    with pytest.raises(ValueError, match="no passage token"):
        qa_best_span(torch.zeros(4), torch.zeros(4), torch.zeros(4, dtype=torch.bool), 3)
    with pytest.raises(ValueError, match="at least 1"):
        qa_best_span(torch.zeros(4), torch.zeros(4), torch.ones(4, dtype=torch.bool), 0)
