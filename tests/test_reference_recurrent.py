"""The recurrent reference against PyTorch's own cells and layers on the same weights (loaded both
ways), the seq2seq model's attention and masks, and the decoders against greedy and brute force."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from bertstudy.reference import decoding, recurrent, seq2seq

DOUBLE = torch.float64


def randn(*shape, gen):
    return torch.randn(*shape, generator=gen, dtype=DOUBLE)


def fill_(module: torch.nn.Module, gen: torch.Generator) -> torch.nn.Module:
    """Every parameter standard normal: larger than the default init, so every path matters."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=p.dtype))
    return module


CELLS = {
    "rnn": (torch.nn.RNNCell, 1),
    "lstm": (torch.nn.LSTMCell, 4),
    "gru": (torch.nn.GRUCell, 3),
}


@pytest.mark.parametrize("mode", CELLS)
def test_cells_match_pytorch_values_and_gradients(mode):
    gen = torch.Generator().manual_seed(1)
    module_class, _ = CELLS[mode]
    cell = fill_(module_class(5, 6).double(), gen)
    x, h, c = (randn(4, n, gen=gen).requires_grad_() for n in (5, 6, 6))
    weights = (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    if mode == "lstm":
        theirs, mine = cell(x, (h, c)), recurrent.lstm_cell(x, h, c, *weights)
    else:
        fn = recurrent.rnn_cell if mode == "rnn" else recurrent.gru_cell
        theirs, mine = (cell(x, h),), (fn(x, h, *weights),)
    for a, b in zip(mine, theirs):
        torch.testing.assert_close(a, b)
    inputs = [x, h, *weights] + ([c] if mode == "lstm" else [])
    probes = [randn(*t.shape, gen=gen) for t in theirs]
    grads_mine = torch.autograd.grad(sum((t * p).sum() for t, p in zip(mine, probes)), inputs)
    grads_theirs = torch.autograd.grad(sum((t * p).sum() for t, p in zip(theirs, probes)), inputs)
    for a, b in zip(grads_mine, grads_theirs):
        torch.testing.assert_close(a, b)


def test_gru_cell_is_pytorchs_variant_not_the_textbooks():
    """PyTorch applies the reset gate to (h W_hnᵀ + b_hn); resetting h before the product is another
    function, and the reference must be PyTorch's."""
    gen = torch.Generator().manual_seed(2)
    x, h = randn(3, 4, gen=gen), randn(3, 5, gen=gen)
    w_ih, w_hh, b_ih, b_hh = randn(15, 4, gen=gen), randn(15, 5, gen=gen), randn(15, gen=gen), randn(15, gen=gen)
    r = torch.sigmoid(x @ w_ih[:5].T + b_ih[:5] + h @ w_hh[:5].T + b_hh[:5])
    z = torch.sigmoid(x @ w_ih[5:10].T + b_ih[5:10] + h @ w_hh[5:10].T + b_hh[5:10])
    textbook_n = torch.tanh(x @ w_ih[10:].T + b_ih[10:] + (r * h) @ w_hh[10:].T + b_hh[10:])
    textbook = (1 - z) * textbook_n + z * h
    ours = recurrent.gru_cell(x, h, w_ih, w_hh, b_ih, b_hh)
    assert (ours - textbook).abs().max() > 1e-3


LAYERS = {"rnn": (torch.nn.RNN, recurrent.RNN), "lstm": (torch.nn.LSTM, recurrent.LSTM), "gru": (torch.nn.GRU, recurrent.GRU)}
SHAPES = [  # (num_layers, bidirectional, batch_first)
    (1, False, False), (1, True, False), (2, False, True), (2, True, True), (3, True, False),
]


def _state(mode, num_layers, bidirectional, batch, gen):
    h0 = randn(num_layers * (2 if bidirectional else 1), batch, 6, gen=gen)
    return (h0, randn(*h0.shape, gen=gen)) if mode == "lstm" else h0


@pytest.mark.parametrize("mode", LAYERS)
@pytest.mark.parametrize("num_layers,bidirectional,batch_first", SHAPES)
def test_layers_match_pytorch_with_weights_loaded_both_ways(mode, num_layers, bidirectional, batch_first):
    gen = torch.Generator().manual_seed(3)
    theirs_class, mine_class = LAYERS[mode]
    kwargs = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    theirs = fill_(theirs_class(4, 6, **kwargs).double(), gen)
    mine = mine_class(4, 6, **kwargs).double()
    assert list(mine.state_dict()) == list(theirs.state_dict())
    mine.load_state_dict(theirs.state_dict())  # PyTorch's weights into ours
    x = randn(*((3, 7, 4) if batch_first else (7, 3, 4)), gen=gen)
    hx = _state(mode, num_layers, bidirectional, 3, gen)
    torch.testing.assert_close(mine(x, hx), theirs(x, hx))
    torch.testing.assert_close(mine(x), theirs(x))  # no initial state: zeros

    fill_(mine, gen)
    theirs.load_state_dict(mine.state_dict())  # ours into PyTorch's
    torch.testing.assert_close(mine(x, hx), theirs(x, hx))


@pytest.mark.parametrize("mode", LAYERS)
def test_layer_gradients_match_pytorch(mode):
    gen = torch.Generator().manual_seed(4)
    theirs_class, mine_class = LAYERS[mode]
    theirs = fill_(theirs_class(4, 6, num_layers=2, bidirectional=True).double(), gen)
    mine = mine_class(4, 6, num_layers=2, bidirectional=True).double()
    mine.load_state_dict(theirs.state_dict())
    x = randn(5, 2, 4, gen=gen)
    outputs = {}
    for name, module in (("mine", mine), ("theirs", theirs)):
        x_leaf = x.clone().requires_grad_()
        output, _ = module(x_leaf)
        probe = torch.Generator().manual_seed(5)
        loss = (output * torch.randn(output.shape, generator=probe, dtype=DOUBLE)).sum()
        outputs[name] = torch.autograd.grad(loss, [x_leaf, *module.parameters()])
    for a, b in zip(outputs["mine"], outputs["theirs"]):
        torch.testing.assert_close(a, b)


def test_layer_functions_return_every_state_and_the_last():
    gen = torch.Generator().manual_seed(6)
    x = randn(5, 2, 3, gen=gen)
    w_ih, w_hh, b_ih, b_hh = randn(4, 3, gen=gen), randn(4, 4, gen=gen), randn(4, gen=gen), randn(4, gen=gen)
    outputs, h_n = recurrent.rnn_forward(x, None, w_ih, w_hh, b_ih, b_hh)
    h = torch.zeros(2, 4, dtype=DOUBLE)
    for t in range(5):  # the loop written out, from a zero state
        h = torch.tanh(x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
        torch.testing.assert_close(outputs[t], h)
    torch.testing.assert_close(h_n, h)
    batch_major, h_b = recurrent.rnn_forward(x.transpose(0, 1), None, w_ih, w_hh, b_ih, b_hh, batch_first=True)
    torch.testing.assert_close(batch_major, outputs.transpose(0, 1))
    torch.testing.assert_close(h_b, h_n)


def _model(score: str, seed: int = 0) -> seq2seq.Seq2Seq:
    torch.manual_seed(seed)
    return seq2seq.Seq2Seq(src_vocab=7, tgt_vocab=6, d_embed=5, d_hidden=8, score=score).double()


@pytest.mark.parametrize("score", ["additive", "dot"])
def test_seq2seq_shapes_weights_and_padding(score):
    model = _model(score)
    gen = torch.Generator().manual_seed(7)
    src = torch.randint(1, 7, (3, 6), generator=gen)
    mask = torch.tensor([[1] * 6, [1] * 4 + [0] * 2, [1] * 2 + [0] * 4]).bool()
    tgt_in = torch.randint(0, 6, (3, 5), generator=gen)
    logits, weights = model(src, tgt_in, mask)
    assert logits.shape == (3, 5, 6) and weights.shape == (3, 5, 6)
    torch.testing.assert_close(weights.sum(-1), torch.ones(3, 5, dtype=DOUBLE))
    assert (weights.masked_select(~mask[:, None, :].expand_as(weights)) == 0).all()
    assert (weights.masked_select(mask[:, None, :].expand_as(weights)) > 0).all()
    for b, length in enumerate(mask.sum(1).tolist()):  # padding changes nothing: run each alone, unpadded
        alone_logits, alone_weights = model(src[b:b + 1, :length], tgt_in[b:b + 1])
        torch.testing.assert_close(logits[b:b + 1], alone_logits)
        torch.testing.assert_close(weights[b:b + 1, :, :length], alone_weights)


def test_additive_and_dot_scores_follow_their_formulas():
    gen = torch.Generator().manual_seed(8)
    q, keys = randn(2, 4, gen=gen), randn(2, 3, 4, gen=gen)
    w_q, w_k, v = randn(5, 4, gen=gen), randn(5, 4, gen=gen), randn(5, gen=gen)
    additive = seq2seq.additive_scores(q, keys, w_q, w_k, v)
    dot = seq2seq.dot_scores(q, keys)
    for b, j in itertools.product(range(2), range(3)):
        torch.testing.assert_close(additive[b, j], v @ torch.tanh(w_q @ q[b] + w_k @ keys[b, j]))
        torch.testing.assert_close(dot[b, j], q[b] @ keys[b, j])


def test_teacher_forcing_is_causal_and_matches_stepping():
    model = _model("additive", seed=1)
    target = torch.tensor([[3, 1, 4, 1, 5]])
    tgt_in = seq2seq.teacher_forcing_inputs(target, bos=0)
    assert tgt_in.tolist() == [[0, 3, 1, 4, 1]]
    src = torch.tensor([[2, 6, 5, 3]])
    logits, _ = model(src, tgt_in)
    changed = tgt_in.clone()
    changed[0, 3] = 2  # a different input at step 3 changes nothing before it
    logits_changed, _ = model(src, changed)
    torch.testing.assert_close(logits[:, :3], logits_changed[:, :3])
    assert not torch.allclose(logits[:, 3], logits_changed[:, 3])
    step, state = model.step_function(src[0]), None
    for t in range(5):  # the decoding step function gives the same log-probabilities
        log_probs, state = step(tgt_in[0, t:t + 1], state)
        torch.testing.assert_close(log_probs[0], torch.log_softmax(logits[0, t], -1))


def _brute_force(log_prob_of, vocab: int, eos: int, max_len: int, alpha: float):
    """The best sequence by score / len ** alpha among all that end in eos, or reach max_len."""
    best = None
    for length in range(1, max_len + 1):
        for seq in itertools.product(range(vocab), repeat=length):
            if eos in seq[:-1] or (seq[-1] != eos and length < max_len):
                continue
            score = log_prob_of(list(seq))
            key = score / length ** alpha
            if best is None or key > best[0]:
                best = (key, list(seq), score)
    return best[1], best[2]


def _bigram_log_prob(logits: torch.Tensor, bos: int):
    table = torch.log_softmax(logits, -1)

    def log_prob_of(seq):
        return sum(float(table[a, b]) for a, b in zip([bos] + seq[:-1], seq))

    return log_prob_of


@pytest.mark.parametrize("seed", range(8))
def test_beam_of_one_is_greedy(seed):
    gen = torch.Generator().manual_seed(seed)
    logits = randn(7, 7, gen=gen) * 2
    greedy = decoding.bigram_greedy_decode(logits, bos=0, eos=1, max_len=9)
    assert decoding.bigram_beam_search(logits, bos=0, eos=1, max_len=9, beam_size=1, alpha=0.7) == greedy
    assert greedy[1] == pytest.approx(_bigram_log_prob(logits, 0)(greedy[0]))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("alpha", [0.0, 0.75, 1.0])
def test_a_beam_wide_enough_finds_the_brute_force_best(seed, alpha):
    gen = torch.Generator().manual_seed(seed)
    logits = randn(4, 4, gen=gen) * 2
    tokens, score = decoding.bigram_beam_search(logits, bos=0, eos=3, max_len=4, beam_size=4 ** 4, alpha=alpha)
    best, best_score = _brute_force(_bigram_log_prob(logits, 0), vocab=4, eos=3, max_len=4, alpha=alpha)
    assert tokens == best
    assert score == pytest.approx(best_score)


def _table(probs: list[list[float]]) -> torch.Tensor:
    return torch.tensor(probs, dtype=DOUBLE).log()


def test_beam_search_beats_greedy_where_the_first_choice_misleads():
    # tokens: 0 bos, 1 eos, 2 a, 3 b. Greedy takes a (0.6), then a again (0.4): P(a a) = 0.24;
    # b (0.4) leads to eos with 0.95: P(b eos) = 0.38.
    probs = [[0.0, 0.0, 0.6, 0.4], [1.0, 0.0, 0.0, 0.0], [0.0, 0.3, 0.4, 0.3], [0.0, 0.95, 0.05, 0.0]]
    logits = _table(probs)
    greedy, _ = decoding.bigram_greedy_decode(logits, bos=0, eos=1, max_len=2)
    beam, score = decoding.bigram_beam_search(logits, bos=0, eos=1, max_len=2, beam_size=2)
    assert greedy == [2, 2]
    assert beam == [3, 1] and score == pytest.approx(math.log(0.38))


def test_length_normalisation_lets_a_longer_hypothesis_win():
    # ending at once has P = 0.55 (log -0.60); a b eos has P = 0.45 · 0.9 · 0.8 = 0.324, a lower
    # total (log -1.13) but a higher log-probability per token (-0.38).
    probs = [[0.0, 0.55, 0.45, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.1, 0.0, 0.9], [0.0, 0.8, 0.2, 0.0]]
    logits = _table(probs)
    short, _ = decoding.bigram_beam_search(logits, bos=0, eos=1, max_len=3, beam_size=2, alpha=0.0)
    long, score = decoding.bigram_beam_search(logits, bos=0, eos=1, max_len=3, beam_size=2, alpha=1.0)
    assert short == [1]
    assert long == [2, 3, 1] and score == pytest.approx(math.log(0.45 * 0.9 * 0.8))


def test_hypotheses_end_at_eos_or_max_len():
    gen = torch.Generator().manual_seed(9)
    for _ in range(20):
        logits = randn(5, 5, gen=gen)
        for beam_size in (1, 2, 3):
            tokens, _ = decoding.bigram_beam_search(logits, bos=0, eos=4, max_len=6, beam_size=beam_size, alpha=0.5)
            assert 1 <= len(tokens) <= 6
            assert 4 not in tokens[:-1]
            assert tokens[-1] == 4 or len(tokens) == 6


def test_greedy_breaks_ties_towards_the_smaller_id():
    logits = torch.tensor([[0.0, 0.0, 2.0, 2.0], [0.0] * 4, [0.0, 5.0, 0.0, 0.0], [0.0, 5.0, 0.0, 0.0]])
    assert decoding.bigram_greedy_decode(logits, bos=0, eos=1, max_len=5)[0] == [2, 1]


@pytest.mark.parametrize("score", ["additive", "dot"])
def test_beam_search_over_the_seq2seq_model_carries_each_hypothesis_state(score):
    """With a beam wide enough to keep everything, beam search over the model's step function
    (whose state is reordered as hypotheses survive) finds the brute-force best sequence."""
    model = _model(score, seed=2)
    src = torch.tensor([4, 2, 5])
    eos = 1

    def log_prob_of(seq):
        target = torch.tensor([seq])
        with torch.no_grad():
            logits, _ = model(src[None], seq2seq.teacher_forcing_inputs(target, bos=0))
        return float(torch.log_softmax(logits, -1)[0].gather(1, target[0, :, None]).sum())

    with torch.no_grad():
        step = model.step_function(src)
        tokens, total = decoding.beam_search(step, bos=0, eos=eos, max_len=3, beam_size=6 ** 3, alpha=0.5)
        greedy = decoding.greedy_decode(model.step_function(src), bos=0, eos=eos, max_len=3)
        assert decoding.beam_search(model.step_function(src), bos=0, eos=eos, max_len=3, beam_size=1) == greedy
    best, best_score = _brute_force(log_prob_of, vocab=6, eos=eos, max_len=3, alpha=0.5)
    assert tokens == best
    assert total == pytest.approx(best_score)
