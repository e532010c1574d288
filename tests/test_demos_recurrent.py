"""The recurrent demos show what they claim, at the quick size: gated cells keep gradients longer
than a tanh RNN, the RNN's cost and path grow with the length where attention's do not, and the
seq2seq model learns to reverse digits with attention on the anti-diagonal."""

from __future__ import annotations

import math

import pytest


@pytest.fixture(scope="module")
def gradients():
    from bertstudy.demos import vanishing_gradients

    return vanishing_gradients.run(quick=True)


@pytest.fixture(scope="module")
def race():
    from bertstudy.demos import rnn_vs_attention

    return rnn_vs_attention.run(quick=True)


@pytest.fixture(scope="module")
def reverse():
    from bertstudy.demos import seq2seq_reverse

    return seq2seq_reverse.run(quick=True)


def test_gated_cells_keep_larger_gradients_at_distance(gradients):
    norms, decay, far = gradients["norms"], gradients["decay_per_step"], gradients["length"] - 1
    assert all(len(v) == gradients["length"] and all(0 < x < math.inf for x in v) for v in norms.values())
    assert all(decay[key] < 1 for key in decay), "at default initialisation every one of them vanishes"
    assert decay["rnn"] < decay["lstm"] and decay["rnn"] < decay["gru"]
    assert norms["lstm"][far] > 100 * norms["rnn"][far]
    assert norms["gru"][far] > 100 * norms["rnn"][far]
    assert decay["lstm_forget_bias"] > decay["lstm"] + 0.1, "opening the forget gate slows the decay"
    assert norms["lstm_forget_bias"][far] > 100 * norms["lstm"][far]


def test_matched_sizes_mean_4x_and_3x_the_parameters(gradients):
    i, h = gradients["input"], gradients["hidden"]
    per_gate = h * (i + h) + 2 * h  # one (H, I) and one (H, H) block and two biases
    params = gradients["parameters"]
    assert (params["rnn"], params["lstm"], params["gru"]) == (per_gate, 4 * per_gate, 3 * per_gate)


def test_rnn_time_grows_with_length_and_exceeds_attention(race):
    assert race["rnn_path_length"] == [n - 1 for n in race["gradient_lengths"]]
    assert race["attention_path_length"] == [1] * len(race["gradient_lengths"])
    assert race["rnn_ms"][-1] > 3 * race["rnn_ms"][0], "n dependent steps: the time grows with n"
    assert race["rnn_ms"][-1] > race["attention_ms"][-1], "at n = 256 the loop is slower than one attention call"


def test_the_rnn_gradient_from_the_first_token_vanishes_but_attentions_does_not(race):
    rnn, attention = race["rnn_gradient"], race["attention_gradient"]
    assert all(a > b for a, b in zip(rnn, rnn[1:])), "longer path, smaller gradient"
    assert rnn[-1] < 1e-30 * rnn[0]
    assert attention[-1] > 1e-2 * attention[0], "one step apart at every length: no exponential decay"
    assert attention[-1] > 1e20 * rnn[-1]


def test_seq2seq_loss_falls_from_chance(reverse):
    from bertstudy.demos.seq2seq_reverse import VOCAB

    losses = reverse["losses"]
    assert len(losses) == reverse["settings"]["steps"]
    assert 0.8 * math.log(VOCAB) < losses[0] < 1.3 * math.log(VOCAB), "an untrained model is close to uniform"
    assert sum(losses[-10:]) / 10 < 0.3 * sum(losses[:10]) / 10


def test_seq2seq_reverses_most_digits(reverse):
    assert reverse["digit_accuracy"] > 0.5, "guessing gives 10%"
    assert reverse["exact_greedy"] > 0.3
    assert 0 <= reverse["exact_beam"] <= 1


def test_seq2seq_attention_lies_on_the_anti_diagonal(reverse):
    alignment, n = reverse["alignment"], len(reverse["example"])
    assert len(alignment) == n + 1 and all(len(row) == n for row in alignment)
    assert all(math.isclose(sum(row), 1.0, abs_tol=1e-5) for row in alignment)
    assert reverse["anti_diagonal_band"] > 0.7
    assert reverse["anti_diagonal"] > 1.5 * reverse["anti_diagonal_uniform"]
