"""The fine-tuning demos show what they claim (quick runs): frozen random features stay at chance while
full training learns the sentiment set; NER labels align to WordPiece as Hugging Face's tokenizer
splits the words, and the token classifier beats labelling everything O on unseen names; the QA
decoder's answer is the best valid span of a brute-force search, and the naive argmax is invalid."""

from __future__ import annotations

import json
import random
import math
from pathlib import Path

import pytest
import torch

from bertstudy.demos import fine_tune_classify, ner_alignment, qa_span
from bertstudy.reference import pretrained
from bertstudy.reference.finetuning import IGNORE_INDEX

VOCAB = Path(__file__).resolve().parent.parent / "bertstudy" / "data" / "vocab-uncased.txt"


@pytest.fixture(scope="module")
def classify():
    return fine_tune_classify.run(quick=True)


@pytest.fixture(scope="module")
def ner():
    return ner_alignment.run(quick=True)


@pytest.fixture(scope="module")
def qa():
    return qa_span.run(quick=True)


def test_every_demo_returns_json_ready_data(classify, ner, qa):
    for data in (classify, ner, qa):
        assert json.loads(json.dumps(data)) == data


# ---- fine-tune-classify ----------------------------------------------------------------------------


def test_sentiment_data_is_balanced_with_a_held_out_split():
    reviews = fine_tune_classify.load_reviews()
    assert (len(reviews["train"]), len(reviews["test"])) == (240, 60)
    for split in reviews.values():
        labels = [label for _, label in split]
        assert labels.count(0) == labels.count(1)
    texts = [text for split in reviews.values() for text, _ in split]
    assert len(set(texts)) == len(texts), "no review appears twice"
    assert fine_tune_classify.DATA.stat().st_size < 300_000


def test_compact_vocabulary_keeps_every_token(classify):
    tokenizer = fine_tune_classify.BertTokenizer(VOCAB)
    reviews = fine_tune_classify.load_reviews()
    train, test = (fine_tune_classify.encode(tokenizer, reviews[s]) for s in ("train", "test"))
    original = train["input_ids"].clone()
    kept = fine_tune_classify.compact_vocabulary(train, test, keep=(0, 100, 101, 102))
    assert torch.equal(torch.tensor(kept)[train["input_ids"]], original)
    assert len(kept) == classify["vocab_rows"] < 1000


def test_both_runs_start_from_the_same_weights():
    a, b = (fine_tune_classify.build_model(list(range(50)), None).state_dict() for _ in range(2))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_frozen_random_features_stay_at_chance_while_full_training_learns(classify):
    assert classify["encoder"] == "tiny", "the quick run keeps to the tiny random encoder"
    frozen, full = classify["runs"]["frozen"], classify["runs"]["full"]
    assert frozen["test_accuracy"][-1] <= 0.6
    assert min(frozen["loss"]) > 0.6, "the classifier alone cannot fit random [CLS] features"
    assert full["loss"][-1] < 0.3 and full["loss"][-1] < full["loss"][0] / 2
    assert full["train_accuracy"] >= 0.95
    assert full["test_accuracy"][-1] >= 0.65
    assert full["test_accuracy"][-1] >= frozen["test_accuracy"][-1] + 0.1
    assert 0.3 <= classify["initial_test_accuracy"] <= 0.7


def test_examples_show_both_labels(classify):
    assert sorted(e["label"] for e in classify["examples"]) == [0, 0, 0, 1, 1, 1]


@pytest.mark.skipif(not pretrained.available(), reason=f"needs the pretrained model: {pretrained.INSTALL}")
def test_pretrained_features_are_informative_even_frozen():
    encoder = pretrained.load_bert()
    tokenizer = fine_tune_classify.BertTokenizer(pretrained.vocab_path())
    reviews = fine_tune_classify.load_reviews()
    train, test = (fine_tune_classify.encode(tokenizer, reviews[s]) for s in ("train", "test"))
    kept = fine_tune_classify.compact_vocabulary(train, test, keep=(0, 100, 101, 102))
    model = fine_tune_classify.build_model(kept, encoder)
    model.bert.requires_grad_(False)
    plan = fine_tune_classify.Plan(epochs=4, lr_full=0.0, lr_frozen=1e-2, log_every=15)
    result = fine_tune_classify.fine_tune(model, train, test, frozen=True, plan=plan)
    assert result["test_accuracy"][-1] >= 0.75, "a linear classifier on MiniLM's [CLS] features"


# ---- ner-alignment ---------------------------------------------------------------------------------


def test_alignment_tables_follow_the_rules(ner):
    labels = ner["labels"]
    for example in ner["alignment"]:
        tokens, word_ids = example["tokens"], example["word_ids"]
        assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]" and word_ids[0] is None and word_ids[-1] is None
        rebuilt = {}
        for token, word in zip(tokens, word_ids):
            if word is not None:
                rebuilt[word] = rebuilt.get(word, "") + token.removeprefix("##")
        assert [rebuilt[w] for w in range(len(example["words"]))] == [w.lower() for w in example["words"]]
        for i, (word, first, every) in enumerate(zip(word_ids, example["first"], example["all"])):
            if word is None:
                assert first == every == IGNORE_INDEX
            elif word_ids[i - 1] != word:
                assert labels[first] == labels[every] == example["word_labels"][word]
            else:
                assert first == IGNORE_INDEX
                assert labels[every] == example["word_labels"][word].replace("B-", "I-")
        assert any(first == IGNORE_INDEX and word is not None for first, word in zip(example["first"], word_ids)), \
            "every shown sentence has a word of several pieces"


def test_word_ids_are_what_hf_reports():
    transformers = pytest.importorskip("transformers")
    hf = transformers.BertTokenizerFast(vocab=str(VOCAB), do_lower_case=True)
    ours = ner_alignment.BertTokenizer(VOCAB)
    for words, _ in ner_alignment.SHOWN + ner_alignment.make_sentences(20, True, random.Random(1)):
        tokens, word_ids = ner_alignment.tokenize_words(ours, words)
        encoding = hf(words, is_split_into_words=True)
        assert tokens == hf.convert_ids_to_tokens(encoding["input_ids"])
        assert word_ids == encoding.word_ids()


def test_held_out_names_are_new():
    for kind, (train, test) in ner_alignment.NAMES.items():
        assert not set(" ".join(train).split()) & set(" ".join(test).split()), kind


def test_token_classifier_learns_and_reads_first_sub_tokens(ner):
    assert ner["loss"][-1] < ner["loss"][0] / 2
    assert ner["word_accuracy"] >= ner["o_share"] + 0.1, "better than labelling every word O"
    assert ner["entity_word_accuracy"] >= 0.4
    for sentence in ner["predictions"]:
        assert len(sentence["predicted"]) == len(sentence["words"]) == len(sentence["gold"])
    probe = ner["probe"]
    assert len(probe["probabilities"]) == len(probe["tokens"])
    assert all(math.isclose(sum(row), 1.0, abs_tol=1e-5) for row in probe["probabilities"])


def test_word_predictions_read_the_first_piece():
    logits = torch.zeros(6, 3)
    for position, label in enumerate([0, 1, 2, 2, 1, 0]):
        logits[position, label] = 1.0
    assert ner_alignment.word_predictions(logits, [None, 0, 0, 1, 2, None]) == [1, 2, 1]


# ---- qa-span ---------------------------------------------------------------------------------------


def brute_force(example, max_answer_length):
    start, end, inside = example["start_logits"], example["end_logits"], example["in_passage"]
    valid = [(start[i] + end[j], -i, -j) for i in range(len(start)) for j in range(i, len(start))
             if inside[i] and inside[j] and j - i + 1 <= max_answer_length]
    score, i, j = max(valid)
    return [-i, -j], score, len(valid)


def test_best_span_is_the_brute_force_best_and_naive_argmax_is_invalid(qa):
    for example in qa["examples"]:
        best, score, n_valid = brute_force(example, qa["max_answer_length"])
        assert example["best"] == best and example["n_valid"] == n_valid
        assert example["best_score"] == pytest.approx(score, abs=1e-5)
        start, end = example["start_logits"], example["end_logits"]
        assert example["naive"] == [start.index(max(start)), end.index(max(end))]
    first = qa["examples"][0]
    assert first["naive_problem"] == "end_before_start" and first["naive"] != first["best"]
    assert " ".join(first["tokens"][first["best"][0]:first["best"][1] + 1]) == "october 2018"


def test_top_spans_are_ranked_and_each_invalid_one_says_why(qa):
    first = qa["examples"][0]
    scores = [s["score"] for s in first["top_spans"]]
    assert scores == sorted(scores, reverse=True)
    problems = {s["problem"] for s in first["top_spans"]}
    assert {"end_before_start", "outside_passage", "too_long"} <= problems
    above = [s for s in first["top_spans"] if s["score"] > first["best_score"] + 1e-9]
    assert above and all(s["problem"] is not None for s in above), "every span scoring above the answer is invalid"
    for s in first["top_spans"]:
        i, j = s["start"], s["end"]
        inside = first["in_passage"]
        assert (s["problem"] is None) == (i <= j and inside[i] and inside[j] and j - i + 1 <= qa["max_answer_length"])


def test_no_answer_rule(qa):
    second = qa["examples"][1]
    difference = second["null_score"] - second["best_score"]
    for decision in second["decisions"]:
        expected = [0, 0] if difference > decision["threshold"] else second["best"]
        assert decision["span"] == expected
    assert [0, 0] in [d["span"] for d in second["decisions"]] and second["best"] in [d["span"] for d in second["decisions"]]


@pytest.mark.parametrize("labelled", [False, True])
def test_span_map_marks_the_best_and_the_naive_pair(qa, labelled):
    example = qa["examples"][0]
    lines = qa_span.span_map(example, qa["max_answer_length"], labelled)
    assert len({len(line) for line in lines}) == 1
    assert len(lines) == len(example["tokens"]) + labelled
    text = "".join(lines)
    assert text.count(qa_span.MAP["best"]) == 1 and text.count(qa_span.MAP["naive"]) == 1
    if not labelled:
        assert set(text) <= set(qa_span.MAP.values()), "only the legend's symbols (the PNG colours each one)"
        best, naive = example["best"], example["naive"]
        assert lines[best[0]][best[1]] == qa_span.MAP["best"] and lines[naive[0]][naive[1]] == qa_span.MAP["naive"]
