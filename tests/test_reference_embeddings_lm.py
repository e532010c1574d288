"""The word2vec and language-model references against direct computations, autograd, PyTorch's own
cross-entropy and hand-worked examples: the SGNS loss and its gradients, the noise distribution,
subsampling and window pairs, perplexity, and n-gram distributions that sum to 1."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from bertstudy.reference.language_model import (
    FeedForwardLM, NGramModel, Vocabulary, ngram_windows, perplexity, perplexity_of_log_probs, sample_sentence,
)
from bertstudy.reference.word2vec import (
    SkipGram, keep_probabilities, nearest_neighbours, noise_distribution, sgns_loss, skipgram_pairs, subsample,
    train_skipgram,
)


def sgns_inputs(batch=5, k=3, dim=4, scale=1.0, seed=0):
    gen = torch.Generator().manual_seed(seed)
    shapes = [(batch, dim), (batch, dim), (batch, k, dim)]
    return [(torch.randn(s, generator=gen, dtype=torch.float64) * scale).requires_grad_() for s in shapes]


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# ---------------------------------------------------------------- skip-gram with negative sampling

def test_sgns_loss_equals_the_formula_written_out_pair_by_pair():
    center, context, negatives = sgns_inputs()
    total = 0.0
    for b in range(5):
        v = center[b].tolist()
        dot = lambda u: sum(x * y for x, y in zip(u, v))  # noqa: E731
        total += -math.log(sigmoid(dot(context[b].tolist())))
        total += -sum(math.log(sigmoid(-dot(u))) for u in negatives[b].tolist())
    loss = sgns_loss(center, context, negatives)
    assert loss.shape == () and loss.dtype == torch.float64
    assert loss.item() == pytest.approx(total / 5, rel=1e-12)


def test_sgns_autograd_gradients_match_the_derivation():
    center, context, negatives = sgns_inputs(batch=4, k=3, dim=6, seed=1)
    loss = sgns_loss(center, context, negatives)
    g_center, g_context, g_negatives = torch.autograd.grad(loss, [center, context, negatives])
    with torch.no_grad():  # d/dx -log σ(x) = -(1 - σ(x)); d/dx -log σ(-x) = σ(x); each pair weighs 1/B
        s_pos = (context * center).sum(-1)  # (B,)
        s_neg = torch.einsum("bkd,bd->bk", negatives, center)  # (B, K)
        want_center = (-(1 - torch.sigmoid(s_pos))[:, None] * context
                       + (torch.sigmoid(s_neg)[:, :, None] * negatives).sum(1)) / 4
        want_context = -(1 - torch.sigmoid(s_pos))[:, None] * center / 4
        want_negatives = torch.sigmoid(s_neg)[:, :, None] * center[:, None, :] / 4
    torch.testing.assert_close(g_center, want_center)
    torch.testing.assert_close(g_context, want_context)
    torch.testing.assert_close(g_negatives, want_negatives)


def test_sgns_loss_stays_exact_for_huge_scores_in_float32():
    center = torch.tensor([[10.0, 0.0]])
    context = torch.tensor([[-15.0, 0.0]])  # u_o · v_c = -150
    negatives = torch.tensor([[[12.0, 0.0], [-12.0, 0.0]]])  # scores +120 and -120
    loss = sgns_loss(center, context, negatives)
    assert torch.isfinite(loss)
    assert loss.item() == pytest.approx(150 + 120, rel=1e-6)  # -log σ(-150) ≈ 150, -log σ(-120) ≈ 120, -log σ(120) ≈ 0
    naive = -torch.log(torch.sigmoid(torch.tensor(-150.0)))
    assert torch.isinf(naive), "the naive form overflows here, which is why the reference avoids it"


def test_noise_distribution_is_the_three_quarter_power_of_the_counts():
    counts = torch.tensor([0, 1, 16, 81, 256])
    noise = noise_distribution(counts)
    powered = torch.tensor([0.0, 1.0, 8.0, 27.0, 64.0], dtype=torch.float64)  # count^0.75
    torch.testing.assert_close(noise, powered / powered.sum())
    unigram = counts / counts.sum()
    assert noise[1] > unigram[1] and noise[4] < unigram[4], "rare words gain, frequent words lose"
    torch.testing.assert_close(noise_distribution(counts, power=1.0), unigram.double())
    draws = torch.multinomial(noise, 200_000, replacement=True, generator=torch.Generator().manual_seed(0))
    share = torch.bincount(draws, minlength=5) / 200_000
    assert share[0] == 0
    assert (share - noise).abs().max() < 0.005  # about 4 standard errors at most


def test_keep_probabilities_follow_mikolovs_formula():
    counts = torch.tensor([500, 100, 20, 5, 1])  # 626 tokens
    t = 0.01
    keep = keep_probabilities(counts, t)
    frequency = counts / 626
    for c, f, p in zip(counts.tolist(), frequency.tolist(), keep.tolist()):
        assert p == pytest.approx(min(1.0, math.sqrt(t / f))), c
    assert keep[3] == 1 and keep[4] == 1, "words rarer than t are never dropped"
    assert torch.all(keep[:-1] <= keep[1:]), "the more frequent, the more often dropped"


def test_subsample_keeps_each_word_at_its_rate():
    keep = torch.tensor([1.0, 0.25, 0.0], dtype=torch.float64)
    sentences = [[0, 1, 2] * 200] * 50  # 10,000 occurrences of each word
    kept = subsample(sentences, keep, torch.Generator().manual_seed(0))
    counts = torch.bincount(torch.tensor([w for s in kept for w in s]), minlength=3)
    assert counts[0] == 10_000 and counts[2] == 0
    assert abs(counts[1].item() / 10_000 - 0.25) < 0.02  # 4.6 standard errors


def test_skipgram_pairs_stay_inside_the_window_and_the_sentence():
    pairs = skipgram_pairs([[1, 2, 3, 4], [5, 6]], window=1).tolist()
    assert pairs == [[1, 2], [2, 1], [2, 3], [3, 2], [3, 4], [4, 3], [5, 6], [6, 5]]
    wide = {tuple(p) for p in skipgram_pairs([[1, 2, 3, 4]], window=2).tolist()}
    assert (1, 3) in wide and (1, 4) not in wide and (2, 4) in wide
    assert skipgram_pairs([[7]], window=3).shape == (0, 2)


def test_nearest_neighbours_rank_by_cosine_and_skip_the_word_itself():
    vectors = torch.tensor([[1.0, 0.0], [10.0, 1.0], [0.0, 1.0], [-1.0, 0.0]])
    neighbours = nearest_neighbours(vectors, 0, k=3)
    assert [w for w, _ in neighbours] == [1, 2, 3]
    assert neighbours[0][1] == pytest.approx(10 / math.sqrt(101))
    assert neighbours[2][1] == pytest.approx(-1.0)


def test_skipgram_training_lowers_the_loss_and_groups_words_that_share_contexts():
    # Words 3-5 always come between 1 and 2, words 6-8 between 9 and 10: two groups by context.
    gen = torch.Generator().manual_seed(0)
    sentences = []
    for i in range(400):
        a = 3 + int(torch.randint(3, (1,), generator=gen))
        b = 6 + int(torch.randint(3, (1,), generator=gen))
        sentences += [[1, a, 2], [9, b, 10]]
    counts = torch.bincount(torch.tensor([w for s in sentences for w in s]), minlength=11)
    model = SkipGram(11, 8, torch.Generator().manual_seed(1))
    losses = list(train_skipgram(model, sentences, counts, steps=150, batch_size=64, window=1,
                                 num_negatives=3, lr=0.05, t=1.0, generator=gen))
    assert sum(losses[-20:]) / 20 < 0.7 * sum(losses[:5]) / 5
    vectors = model.center.weight.detach()
    for word, group in [(3, {4, 5}), (7, {6, 8})]:
        assert {w for w, _ in nearest_neighbours(vectors, word, k=2)} == group


# ---------------------------------------------------------------- perplexity

@pytest.mark.parametrize("shape", [(12, 7), (3, 5, 7)])
def test_perplexity_is_the_exp_of_torchs_cross_entropy(shape):
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(*shape, generator=gen, dtype=torch.float64) * 2
    targets = torch.randint(0, 7, shape[:-1], generator=gen)
    targets.view(-1)[::4] = -100
    expected = F.cross_entropy(logits.reshape(-1, 7), targets.reshape(-1), ignore_index=-100).exp()
    torch.testing.assert_close(perplexity(logits, targets), expected)
    log_probs = torch.log_softmax(logits, -1).gather(-1, targets.clamp_min(0).unsqueeze(-1)).squeeze(-1)
    torch.testing.assert_close(perplexity_of_log_probs(log_probs[targets != -100]), expected)


def test_a_uniform_model_has_the_vocabulary_size_as_perplexity():
    for vocab_size in (2, 10, 30522):
        logits = torch.full((2, 4, vocab_size), 3.5)  # equal scores: P = 1/V for every token
        targets = torch.tensor([[0, 1, 1, -100], [vocab_size - 1, -100, -100, -100]])
        assert perplexity(logits, targets).item() == pytest.approx(vocab_size, rel=1e-5)
    assert perplexity_of_log_probs(torch.full((9,), -math.log(50.0))).item() == pytest.approx(50)


def test_perplexity_pools_tokens_instead_of_averaging_sequences():
    logits = torch.log(torch.tensor([[[0.5, 0.5]] * 3, [[0.9, 0.1]] * 3]))  # P(target) 0.5 thrice, 0.1 once
    targets = torch.tensor([[0, 0, 0], [1, -100, -100]])
    expected = math.exp(-(3 * math.log(0.5) + math.log(0.1)) / 4)
    assert perplexity(logits, targets).item() == pytest.approx(expected, rel=1e-6)


# ---------------------------------------------------------------- n-gram models

CORPUS = [[3, 4, 5], [3, 5, 4, 4], [6, 3], [4], [3, 4, 6, 6, 5]]  # ids 3..6; 0 <unk>, 1 <s>, 2 </s>; V = 8


@pytest.mark.parametrize("smoothing", ["add-k", "kneser-ney"])
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_ngram_probabilities_sum_to_one_for_every_context(smoothing, n):
    model = NGramModel(n, 8, bos=1, eos=2, smoothing=smoothing, k=0.3).fit(CORPUS)
    contexts = {h for table in model.counts.values() for h in table} | {(7, 7, 7), (0,), ()}
    for h in contexts:
        p = model.distribution(list(h))
        assert p.shape == (8,) and p.dtype == torch.float64
        assert torch.all(p > 0), f"no token is impossible after {h}"
        assert p.sum().item() == pytest.approx(1.0, abs=1e-12), h


def test_add_k_and_kneser_ney_on_a_hand_worked_bigram_example():
    # sentences "a b", "a c" with ids a=3, b=4, c=5 and V = 6
    sentences = [[3, 4], [3, 5]]
    add_k = NGramModel(2, 6, bos=1, eos=2, smoothing="add-k", k=0.5).fit(sentences)
    assert add_k.distribution([3])[4].item() == pytest.approx((1 + 0.5) / (2 + 0.5 * 6))
    kn = NGramModel(2, 6, bos=1, eos=2, smoothing="kneser-ney", discount=0.75).fit(sentences)
    # continuation counts: a after <s> only (1), b and c after a (1 each), </s> after b and c (2); 5 in all
    # P_kn(</s>) = (2 - 0.75)/5 + (0.75 * 4 / 5) / 6 = 0.35; P_kn(b) = 0.25/5 + 0.1 = 0.15
    unigram = kn.distribution([7])  # an unseen history falls back to the continuation unigram
    assert unigram[2].item() == pytest.approx(0.35) and unigram[4].item() == pytest.approx(0.15)
    assert unigram[0].item() == pytest.approx(0.1), "a word never seen gets the uniform share"
    after_a = kn.distribution([3])
    assert after_a[4].item() == pytest.approx((1 - 0.75) / 2 + 0.75 * 2 / 2 * 0.15)  # 0.2375
    assert after_a[2].item() == pytest.approx(0.75 * 0.35)


def test_ngram_log_probs_score_every_token_and_the_end_of_sentence():
    model = NGramModel(3, 8, bos=1, eos=2).fit(CORPUS)
    log_probs = model.log_probs([3, 4, 5])
    assert log_probs.shape == (4,)
    assert log_probs[1].item() == pytest.approx(math.log(model.distribution([1, 3])[4].item()))
    assert log_probs[3].item() == pytest.approx(math.log(model.distribution([4, 5])[2].item()))
    contexts, targets = ngram_windows([[3, 4, 5]], 2, bos=1, eos=2)
    assert contexts.tolist() == [[1, 1], [1, 3], [3, 4], [4, 5]] and targets.tolist() == [3, 4, 5, 2]


def test_vocabulary_maps_unknown_words_to_unk():
    vocab = Vocabulary([["the", "cat"], ["the", "dog"]])
    assert vocab.tokens[:4] == ["<unk>", "<s>", "</s>", "the"]
    assert vocab.decode(vocab.encode(["the", "cow", "dog"])) == ["the", "<unk>", "dog"]
    assert vocab.counts([vocab.encode(["the", "cat", "the"])]).tolist() == [0, 0, 0, 2, 1, 0]


# ---------------------------------------------------------------- the neural LM and sampling

def test_feed_forward_lm_shapes_and_distribution():
    torch.manual_seed(0)
    model = FeedForwardLM(vocab_size=11, context_size=3, d_embed=4, d_hidden=5)
    assert model(torch.randint(0, 11, (6, 3))).shape == (6, 11)
    p = model.distribution([1, 1, 4, 7])  # only the last three tokens matter
    assert p.sum().item() == pytest.approx(1.0) and torch.equal(p, model.distribution([9, 1, 4, 7]))


def test_sample_sentence_stops_at_the_end_token_and_never_draws_the_start_token():
    model = NGramModel(2, 8, bos=1, eos=2).fit(CORPUS)
    samples = [sample_sentence(model.distribution, 1, 1, 2, torch.Generator().manual_seed(s)) for s in range(40)]
    assert all(1 not in s and 2 not in s and len(s) <= 30 for s in samples)
    assert samples == [sample_sentence(model.distribution, 1, 1, 2, torch.Generator().manual_seed(s)) for s in range(40)]
    assert len({tuple(s) for s in samples}) > 5
