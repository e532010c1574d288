"""The word2vec and n-gram-vs-neural-LM demos show what they claim, at the quick size."""

from __future__ import annotations

import math

import pytest

from bertstudy.reference.language_model import Vocabulary


@pytest.fixture(scope="module")
def word2vec_data():
    from bertstudy.demos import word2vec

    return word2vec.run(quick=True)


@pytest.fixture(scope="module")
def lm_data():
    from bertstudy.demos import ngram_vs_neural_lm

    return ngram_vs_neural_lm.run(quick=True)


def test_the_corpus_holds_every_group_word_often_enough():
    from bertstudy.demos.word2vec import GROUPS, read_corpus

    sentences = read_corpus()
    assert 500 <= len(sentences) <= 1200
    vocab = Vocabulary(sentences)
    counts = vocab.counts([vocab.encode(s) for s in sentences])
    for group, words in GROUPS.items():
        for word in words:
            assert counts[vocab.index[word]] >= 5, f"{word} ({group}) is too rare to learn"


def test_word2vec_loss_starts_at_k_plus_one_ln2_and_falls(word2vec_data):
    losses = word2vec_data["loss"]
    assert losses[0] == pytest.approx((word2vec_data["negatives"] + 1) * math.log(2), rel=1e-5)  # all scores 0
    assert sum(losses[-20:]) / 20 < 0.5 * losses[0]


def test_word2vec_neighbours_share_their_group_far_more_often_than_chance(word2vec_data):
    groups, chance = word2vec_data["groups"], word2vec_data["chance"]
    after, before = word2vec_data["group_share_after"], word2vec_data["group_share_before"]
    overall_chance = sum(chance[g] * len(groups[g]) for g in groups) / sum(len(w) for w in groups.values())
    overall_after = sum(after[g] * len(groups[g]) for g in groups) / sum(len(w) for w in groups.values())
    overall_before = sum(before[g] * len(groups[g]) for g in groups) / sum(len(w) for w in groups.values())
    assert overall_before < 4 * overall_chance, "random initial vectors: neighbours are about as good as chance"
    assert overall_after > 15 * overall_chance and overall_after > 0.6
    assert all(after[g] > 5 * chance[g] for g in groups), after
    for word, neighbours in word2vec_data["neighbours"].items():
        same = [n for n, _ in neighbours if n in groups[word2vec_data["query_groups"][word]]]
        assert len(same) >= 2, (word, neighbours)
        cosines = [c for _, c in neighbours]
        assert cosines == sorted(cosines, reverse=True) and all(-1 <= c <= 1 + 1e-6 for c in cosines)


def test_word2vec_heatmap_is_a_cosine_matrix_with_blocks(word2vec_data):
    words, cosine = word2vec_data["heatmap_words"], word2vec_data["cosine"]
    assert all(c[i] == pytest.approx(1.0, abs=1e-5) for i, c in enumerate(cosine))
    groups = {w: g for g, ws in word2vec_data["groups"].items() for w in ws}
    inside = [cosine[i][j] for i in range(len(words)) for j in range(len(words)) if i != j and groups[words[i]] == groups[words[j]]]
    across = [cosine[i][j] for i in range(len(words)) for j in range(len(words)) if groups[words[i]] != groups[words[j]]]
    assert sum(inside) / len(inside) > sum(across) / len(across) + 0.2


def test_every_model_is_scored_on_the_same_held_out_tokens_and_uniform_gives_v(lm_data):
    from bertstudy.demos.word2vec import read_corpus

    held_out = read_corpus()[::10]
    expected = sum(len(s) + 1 for s in held_out)  # every word and each sentence's </s>
    assert lm_data["test_sentences"] == len(held_out) and lm_data["test_tokens"] == expected
    assert lm_data["scored_tokens"] == {key: expected for key in lm_data["perplexity"] if key != "uniform"}
    ppl = lm_data["perplexity"]
    assert ppl["uniform"] == pytest.approx(lm_data["vocab_size"], rel=1e-12)
    assert all(1 <= value <= lm_data["vocab_size"] * 1.01 for value in ppl.values()), ppl


def test_context_helps_bigram_beats_unigram_and_neural_beats_unigram(lm_data):
    ppl = lm_data["perplexity"]
    assert ppl["unigram-add-one"] < ppl["uniform"]
    assert ppl["bigram-add-one"] < ppl["unigram-add-one"] and ppl["bigram-kn"] < ppl["unigram-add-one"]
    assert ppl["neural"] < ppl["unigram-add-one"] / 3
    assert ppl["trigram-kn"] < ppl["bigram-kn"]


def test_kneser_ney_beats_add_one_and_add_one_trigram_is_worse_than_its_bigram(lm_data):
    ppl = lm_data["perplexity"]
    assert ppl["trigram-kn"] < ppl["trigram-add-one"] / 2
    assert ppl["trigram-add-one"] > ppl["bigram-add-one"], "add-one spreads too much mass over unseen trigrams"


def test_neural_lm_curve_falls_and_samples_use_the_vocabulary(lm_data):
    curve = lm_data["curve"]
    assert curve["train"][-1] < curve["train"][0] - 1.0
    assert curve["held_out"][-1] < curve["held_out"][0] - 1.0
    assert math.exp(curve["held_out"][-1]) == pytest.approx(lm_data["perplexity"]["neural"], rel=1e-4)
    assert lm_data["neural_train_perplexity"] < lm_data["perplexity"]["neural"]
    from bertstudy.demos.word2vec import read_corpus

    words = {w for s in read_corpus() for w in s} | {"<unk>"}
    for model, sentence in lm_data["samples"].items():
        tokens = sentence.split()
        assert len(tokens) <= 20 and set(tokens) <= words, (model, sentence)
