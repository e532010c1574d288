"""Skip-gram with negative sampling learns word vectors from a small corpus in seconds."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import torch

from bertstudy import console
from bertstudy.demos import Words, draw
from bertstudy.demos.live import one_thread, steps
from bertstudy.reference.language_model import Vocabulary
from bertstudy.reference.word2vec import SkipGram, nearest_neighbours, train_skipgram

CORPUS = Path(__file__).resolve().parent.parent / "data" / "embedding-corpus.txt"
GROUPS = {  # the word groups of the corpus's closed world
    "animals": ["cat", "dog", "horse", "cow", "sheep", "pig", "rabbit", "goat"],
    "foods": ["bread", "rice", "cheese", "soup", "cake", "pasta", "salad", "honey"],
    "colours": ["red", "blue", "green", "yellow", "white", "black", "brown", "purple"],
    "numbers": ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
    "cities": ["paris", "london", "tokyo", "rome", "berlin", "madrid", "beijing"],
    "countries": ["france", "england", "japan", "italy", "germany", "spain", "china"],
    "languages": ["french", "english", "japanese", "italian", "german", "spanish", "chinese"],
    "days": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    "family": ["mother", "father", "sister", "brother", "aunt", "uncle"],
}
QUERIES = ["cat", "bread", "blue", "five", "paris", "japan", "french", "monday", "sister"]
HEATMAP_WORDS = ["cat", "dog", "cow", "bread", "rice", "cake", "red", "blue", "paris", "rome"]  # fits 80 columns
DIM, WINDOW, NEGATIVES, BATCH, LEARNING_RATE, SUBSAMPLE_T = 32, 2, 5, 256, 0.01, 1e-3
K_NEIGHBOURS = 5


def read_corpus(path: Path = CORPUS) -> list[list[str]]:
    """The corpus's sentences as lists of lower-case words (lines starting with # are comments)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [re.findall(r"[a-z]+", line.lower()) for line in lines if line.strip() and not line.startswith("#")]


def group_agreement(vectors: torch.Tensor, vocab: Vocabulary) -> dict[str, float]:
    """For each group, the share of its words' K_NEIGHBOURS nearest neighbours in the same group."""
    shares = {}
    for group, words in GROUPS.items():
        neighbours = [i for word in words for i, _ in nearest_neighbours(vectors, vocab.index[word], K_NEIGHBOURS)]
        shares[group] = sum(vocab.tokens[i] in words for i in neighbours) / len(neighbours)
    return shares


def run(quick: bool = False) -> dict[str, Any]:
    sentences = read_corpus()
    vocab = Vocabulary(sentences)
    ids = [vocab.encode(s) for s in sentences]
    counts = vocab.counts(ids)  # (V,)
    n_steps = 250 if quick else 1000
    gen = torch.Generator().manual_seed(0)
    model = SkipGram(len(vocab), DIM, gen)
    before = group_agreement(model.center.weight.detach(), vocab)

    with one_thread():
        training = train_skipgram(model, ids, counts, steps=n_steps, batch_size=BATCH, window=WINDOW,
                                  num_negatives=NEGATIVES, lr=LEARNING_RATE, t=SUBSAMPLE_T, generator=gen)
        losses = list(steps(training, "training", total=n_steps))

    vectors = model.center.weight.detach()  # (V, DIM): v_w, the embeddings word2vec keeps
    neighbours = {w: nearest_neighbours(vectors, vocab.index[w], K_NEIGHBOURS) for w in QUERIES}  # [(id, cosine)] each
    unit = vectors / vectors.norm(dim=-1, keepdim=True)  # (V, DIM)
    chosen = unit[[vocab.index[w] for w in HEATMAP_WORDS]]  # (10, DIM)
    recent = [losses[max(0, i - 19):i + 1] for i in range(len(losses))]  # each step's last 20 losses
    data = {
        "sentences": len(sentences), "tokens": int(counts.sum()), "vocab_size": len(vocab),
        "dim": DIM, "window": WINDOW, "negatives": NEGATIVES, "batch_size": BATCH, "steps": n_steps,
        "loss": losses, "loss_smoothed": [sum(r) / len(r) for r in recent],
        "neighbours": {w: [[vocab.tokens[i], cos] for i, cos in ns] for w, ns in neighbours.items()},
        "query_groups": {w: next(g for g, ws in GROUPS.items() if w in ws) for w in QUERIES},
        "groups": GROUPS, "group_share_before": before, "group_share_after": group_agreement(vectors, vocab),
        "chance": {g: (len(ws) - 1) / (len(vocab) - 1) for g, ws in GROUPS.items()},
        "heatmap_words": HEATMAP_WORDS, "cosine": (chosen @ chosen.T).tolist(),
    }
    return data | {"findings": findings(data)}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    x = [float(i + 1) for i in range(len(data["loss"]))]
    series = {words("mean_of_the_last"): data["loss_smoothed"], words("batch_loss"): data["loss"]}
    shown = data["heatmap_words"]
    return [draw.Lines(words("sgns_training_loss"), x, series, x_label=words("step"), y_label=words("loss")),
            draw.Heatmap(words("cosine_similarity_of_the"), data["cosine"], shown, shown)]


def show(data: dict[str, Any], words: Words) -> None:
    out = console.out()
    loss, heat = figures(data, words)
    draw.show(loss)
    table = draw.Table(title=words("the_nearest_neighbours_by", K_NEIGHBOURS=K_NEIGHBOURS))
    table.add_column(words("word"), style="bold")
    table.add_column(words("neighbours_cosine"))
    for word, neighbours in data["neighbours"].items():
        group = data["groups"][data["query_groups"][word]]
        cells = [f"[ok]{console.esc(n)}[/ok] {c:.2f}" if n in group else f"{console.esc(n)} {c:.2f}" for n, c in neighbours]
        table.add_row(console.esc(word), "  ".join(cells))
    out.print(table)
    out.print()
    draw.show(heat)

    shares = draw.table(words("share_of_a_word", K_NEIGHBOURS=K_NEIGHBOURS),
                        [words(key) for key in ("group", "before", "after", "by_chance")], ["left"] + ["right"] * 3)
    for group in data["groups"]:
        shares.add_row(words(f"group_{group}"), f"{data['group_share_before'][group]:.0%}",
                       f"{data['group_share_after'][group]:.0%}", f"{data['chance'][group]:.0%}")
    out.print(shares)


def findings(data: dict[str, Any]) -> list[list]:
    return [["first_loss", {"start": (data["negatives"] + 1) * math.log(2), "steps": data["steps"],
                            "end": data["loss_smoothed"][-1]}],
            ["distributional", {"tokens": data["tokens"], "window": data["window"]}]]
