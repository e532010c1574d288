"""n-gram models against a small neural language model, by perplexity on held-out sentences."""

from __future__ import annotations

import math
from typing import Any

import torch

from bertstudy import console
from bertstudy.demos import Words, draw
from bertstudy.demos.live import one_thread, steps
from bertstudy.demos.word2vec import read_corpus
from bertstudy.reference.language_model import (
    FeedForwardLM, NGramModel, Vocabulary, ngram_windows, perplexity, perplexity_of_log_probs, sample_sentence, train_lm,
)

HELD_OUT_EVERY = 10
CONTEXT = 3  # the neural model sees the previous three words, as a 4-gram model does
D_EMBED, D_HIDDEN, BATCH, LEARNING_RATE = 32, 64, 128, 3e-3
NGRAMS = [  # (key, n, smoothing)
    ("unigram-add-one", 1, "add-k"), ("bigram-add-one", 2, "add-k"), ("trigram-add-one", 3, "add-k"),
    ("bigram-kn", 2, "kneser-ney"), ("trigram-kn", 3, "kneser-ney"), ("4gram-kn", 4, "kneser-ney"),
]
SAMPLED = ["unigram-add-one", "bigram-kn", "trigram-kn", "neural"]


def run(quick: bool = False) -> dict[str, Any]:
    sentences = read_corpus()
    train_words = [s for i, s in enumerate(sentences) if i % HELD_OUT_EVERY]
    test_words = sentences[::HELD_OUT_EVERY]
    vocab = Vocabulary(train_words)
    train, test = [vocab.encode(s) for s in train_words], [vocab.encode(s) for s in test_words]
    V = len(vocab)
    gen = torch.Generator().manual_seed(0)

    ppl: dict[str, float] = {"uniform": perplexity(torch.zeros(1, V, dtype=torch.float64), torch.tensor([0])).item()}  # equal scores: exactly V
    samplers: dict[str, tuple[Any, int]] = {}  # each model's next-word distribution and context size
    scored: dict[str, int] = {}  # how many held-out tokens each model predicted
    for key, n, smoothing in NGRAMS:
        model = NGramModel(n, V, vocab.bos, vocab.eos, smoothing=smoothing, k=1.0).fit(train)
        log_probs = torch.cat([model.log_probs(s) for s in test])  # one per held-out token, </s> included
        ppl[key] = perplexity_of_log_probs(log_probs).item()
        scored[key] = len(log_probs)
        samplers[key] = (model.distribution, n - 1)

    contexts, targets = ngram_windows(train, CONTEXT, vocab.bos, vocab.eos)  # (N, 3), (N,)
    test_contexts, test_targets = ngram_windows(test, CONTEXT, vocab.bos, vocab.eos)
    torch.manual_seed(0)  # the network's initial weights
    neural = FeedForwardLM(V, CONTEXT, D_EMBED, D_HIDDEN)
    n_steps, every = (200, 20) if quick else (800, 40)
    curve: dict[str, list[float]] = {"step": [], "train": [], "held_out": []}
    with one_thread():
        recent: list[float] = []
        training = train_lm(neural, contexts, targets, steps=n_steps, batch_size=BATCH, lr=LEARNING_RATE, generator=gen)
        for step, loss in enumerate(steps(training, "training", total=n_steps), start=1):
            recent.append(loss)
            if step % every == 0:
                with torch.no_grad():  # held-out loss: mean NLL, nats
                    curve["held_out"].append(perplexity(neural(test_contexts), test_targets).log().item())
                curve["step"].append(float(step))
                curve["train"].append(sum(recent) / len(recent))
                recent = []
        with torch.no_grad():
            ppl["neural"] = perplexity(neural(test_contexts), test_targets).item()
            scored["neural"] = len(test_targets)
            train_ppl = perplexity(neural(contexts), targets).item()
    samplers["neural"] = (neural.distribution, CONTEXT)

    samples = {}
    for key in SAMPLED:
        ids = sample_sentence(*samplers[key], vocab.bos, vocab.eos, gen, max_len=20)
        samples[key] = " ".join(vocab.decode(ids))
    data = {
        "vocab_size": V, "train_sentences": len(train), "test_sentences": len(test),
        "train_tokens": sum(len(s) + 1 for s in train), "test_tokens": len(test_targets),
        "unknown_in_test": sum(w == vocab.unk for s in test for w in s),
        "perplexity": ppl, "scored_tokens": scored, "neural_train_perplexity": train_ppl,
        "steps": n_steps, "eval_every": every, "curve": curve, "samples": samples,
    }
    return data | {"findings": findings(data)}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    curve = data["curve"]
    series = {words("train_loss_last_batches", every=data["eval_every"]): curve["train"],
              words("held_out_loss"): curve["held_out"],
              words("trigram_kn_held_out"): [math.log(data["perplexity"]["trigram-kn"])] * len(curve["step"])}
    return [draw.Lines(words("neural_lm_loss_nats"), curve["step"], series,
                       x_label=words("step"), y_label=words("cross_entropy_ln_ppl"))]


def show(data: dict[str, Any], words: Words) -> None:
    out = console.out()
    sizes = {key: data[key] for key in ("test_sentences", "test_tokens", "vocab_size")}
    table = draw.table(words("held_out_perplexity_sentences", **sizes),
                       [words("model"), words("perplexity"), words("ln_ppl_nats_token")], ["left", "right", "right"])
    for key, value in data["perplexity"].items():
        table.add_row(console.esc(words(f"model_{key}")), f"{value:.2f}", f"{math.log(value):.3f}")
    out.print(table)
    out.print()
    draw.show(*figures(data, words))
    samples = draw.table(words("a_sentence_sampled_from"), [words("model"), words("sentence")])
    for key, sentence in data["samples"].items():
        samples.add_row(console.esc(words(f"model_{key}")), console.esc(sentence))
    out.print(samples)


def findings(data: dict[str, Any]) -> list[list]:
    p = data["perplexity"]
    smoothing = {"add_one_3": p["trigram-add-one"], "add_one_2": p["bigram-add-one"], "kn_3": p["trigram-kn"],
                 "kn_4": p["4gram-kn"], "neural": p["neural"]}
    return [["smoothing_neural_better" if p["neural"] < p["4gram-kn"] else "smoothing_neural_not_yet", smoothing],
            ["overfitting", {"steps": data["steps"], "train": data["neural_train_perplexity"], "test": p["neural"]}],
            ["samples", {}]]
