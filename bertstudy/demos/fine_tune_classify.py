"""Fine-tuning a [CLS] classifier on short reviews: a frozen encoder against full fine-tuning.

The data is bertstudy/data/sentiment.tsv: 300 one-line reviews (films, food, products, hotels,
apps), half positive and half negative, 240 to train on and 60 held out. The model is the
reference BertForSequenceClassification: the pooled [CLS] vector C = tanh(W_p h_[CLS] + b_p),
dropout, and one linear layer to two logits. Two runs start from the same weights and see the
same batches:
- frozen: the encoder (embeddings, layers and pooler) stays fixed; C is computed once for every
  sentence and only the classifier trains (the feature-based approach);
- full: every weight trains (fine-tuning).
Without pretrained weights (the default) the encoder is a tiny random BERT (2 layers, d_model 32),
so the honest comparison is "frozen random features against full training from scratch": random
features carry almost nothing, and all the learning happens in the full run. With the optional
MiniLM package installed (see bertstudy.reference.pretrained) the default run starts from real
pre-trained weights, and the comparison becomes the paper's: features against fine-tuning (the
quick run keeps to the tiny model, which takes a second).
The embedding table keeps only the rows of the tokens that occur in the data (a few hundred of
the 30,522): the other rows would never be read, so this changes nothing but the time.
Leaves out: learning-rate warm-up and decay, random restarts, a dev set for choosing the learning
rate and the number of epochs, and text pairs (segment B).
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import torch

from bertstudy import console
from bertstudy.demos import Words, draw, main
from bertstudy.demos.live import one_thread, steps
from bertstudy.reference import pretrained
from bertstudy.reference.basics import cross_entropy
from bertstudy.reference.bert import BertConfig, BertForSequenceClassification, BertModel
from bertstudy.reference.optim import AdamW
from bertstudy.reference.tokenization import BertTokenizer

DATA = Path(__file__).resolve().parent.parent / "data" / "sentiment.tsv"
LABELS = ("negative", "positive")
BATCH_SIZE = 16
SEED = 0


@dataclass(frozen=True)
class Plan:
    epochs: int
    lr_full: float  # every weight
    lr_frozen: float  # the classifier alone, on fixed features
    log_every: int  # steps between two points of the curves
    n_train: int | None = None  # None: every training review


TINY = {"default": Plan(15, 1e-3, 1e-2, log_every=15), "quick": Plan(8, 1e-3, 1e-2, log_every=15)}
REAL = Plan(2, 5e-5, 1e-2, log_every=10)  # the paper's learning rates: 2e-5 .. 5e-5
EXAMPLES = 6  # held-out sentences shown with both runs' predictions


def load_reviews(path: Path = DATA) -> dict[str, list[tuple[str, int]]]:
    """{"train": [(text, label)], "test": [...]} with label 0 = negative, 1 = positive."""
    reviews: dict[str, list[tuple[str, int]]] = {"train": [], "test": []}
    with open(path, encoding="utf-8") as file:
        next(file)  # the header: split, label, text
        for line in file:
            split, label, text = line.rstrip("\n").split("\t")
            reviews[split].append((text, LABELS.index(label)))
    return reviews


def encode(tokenizer: BertTokenizer, reviews: list[tuple[str, int]]) -> dict[str, torch.Tensor]:
    """input_ids and attention_mask (N, L), padded to the longest review, and labels (N,)."""
    batch = tokenizer.encode_batch([text for text, _ in reviews], padding="longest")
    return {"input_ids": torch.tensor(batch["input_ids"]), "attention_mask": torch.tensor(batch["attention_mask"]),
            "labels": torch.tensor([label for _, label in reviews])}


def compact_vocabulary(*splits: dict[str, torch.Tensor], keep: tuple[int, ...]) -> list[int]:
    """The sorted token ids that occur in the splits, plus `keep` (the special tokens); each split's
    input_ids are rewritten, in place, as positions in that list."""
    kept = sorted(set(keep).union(*(s["input_ids"].unique().tolist() for s in splits)))
    position = torch.zeros(max(kept) + 1, dtype=torch.long)
    position[torch.tensor(kept)] = torch.arange(len(kept))
    for split in splits:
        split["input_ids"] = position[split["input_ids"]]  # (N, L)
    return kept


def build_model(kept: list[int], encoder: BertModel | None) -> BertForSequenceClassification:
    """The classifier with a tiny random encoder, or with `encoder`'s weights (embedding rows `kept`)."""
    torch.manual_seed(SEED)  # the same initial weights for both runs
    if encoder is None:
        return BertForSequenceClassification(BertConfig.tiny(vocab_size=len(kept), num_labels=2))
    model = BertForSequenceClassification(replace(encoder.config, vocab_size=len(kept), num_labels=2))
    state = encoder.state_dict()
    state["embeddings.word_embeddings.weight"] = state["embeddings.word_embeddings.weight"][kept]  # (len(kept), D)
    model.bert.load_state_dict(state)
    return model


def fine_tune(model: BertForSequenceClassification, train: dict[str, torch.Tensor], test: dict[str, torch.Tensor],
              frozen: bool, plan: Plan, label: str) -> dict[str, Any]:
    """Train with AdamW (bertstudy.reference.optim) on shuffled mini-batches; every `plan.log_every` steps, the mean training
    loss since the last point and the held-out accuracy."""
    if frozen:
        model.bert.eval()  # features come from the encoder as it is: no dropout, no gradients
        with torch.no_grad():
            features = {name: model.bert(s["input_ids"], attention_mask=s["attention_mask"])[1]  # (N, D): C
                        for name, s in (("train", train), ("test", test))}
        parameters = list(model.classifier.parameters())

        def logits_of(split: str, rows: torch.Tensor | slice) -> torch.Tensor:
            return model.classifier(model.dropout(features[split][rows]))  # (n, 2)
    else:
        parameters = list(model.parameters())

        def logits_of(split: str, rows: torch.Tensor | slice) -> torch.Tensor:
            s = train if split == "train" else test
            return model(s["input_ids"][rows], attention_mask=s["attention_mask"][rows])  # (n, 2)

    def training_mode() -> None:
        model.train()
        if frozen:
            model.bert.eval()

    def accuracy(split: str) -> float:
        model.eval()
        with torch.no_grad():
            predicted = logits_of(split, slice(None)).argmax(dim=-1)  # (N,)
        training_mode()
        s = train if split == "train" else test
        return (predicted == s["labels"]).double().mean().item()

    optimizer = AdamW(parameters, lr=plan.lr_frozen if frozen else plan.lr_full, weight_decay=0.01)
    gen = torch.Generator().manual_seed(SEED + 1)  # the same batches for both runs
    steps_per_epoch = -(-len(train["labels"]) // BATCH_SIZE)
    history: dict[str, list[float]] = {"epoch": [], "loss": [], "test_accuracy": []}
    losses: list[float] = []
    training_mode()
    for step in steps(range(plan.epochs * steps_per_epoch), label):
        if step % steps_per_epoch == 0:
            batches = torch.randperm(len(train["labels"]), generator=gen).split(BATCH_SIZE)
        rows = batches[step % steps_per_epoch]
        loss = cross_entropy(logits_of("train", rows), train["labels"][rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if (step + 1) % plan.log_every == 0 or step + 1 == plan.epochs * steps_per_epoch:
            history["epoch"].append((step + 1) / steps_per_epoch)
            history["loss"].append(sum(losses) / len(losses))
            history["test_accuracy"].append(accuracy("test"))
            losses = []
    train_accuracy = accuracy("train")
    model.eval()
    with torch.no_grad():
        predictions = logits_of("test", slice(None)).argmax(dim=-1).tolist()
    return {**history, "train_accuracy": train_accuracy, "predictions": predictions}


def run(quick: bool = False, use_pretrained: bool | None = None) -> dict[str, Any]:
    """use_pretrained: None (the default) starts from the MiniLM weights when the package is
    installed and quick is off; False keeps to the tiny random encoder; True requires the package."""
    real = (pretrained.available() and not quick) if use_pretrained is None else use_pretrained
    encoder = pretrained.load_bert() if real else None
    plan = REAL if real else TINY["quick" if quick else "default"]
    tokenizer = BertTokenizer(pretrained.vocab_path())
    reviews = load_reviews()
    train_reviews = reviews["train"][:plan.n_train]
    train, test = encode(tokenizer, train_reviews), encode(tokenizer, reviews["test"])
    specials = (tokenizer.pad_token_id, tokenizer.unk_token_id, tokenizer.cls_token_id, tokenizer.sep_token_id)
    kept = compact_vocabulary(train, test, keep=specials)

    with contextlib.nullcontext() if real else one_thread():  # MiniLM's matrices use every core
        runs = {}
        for mode in ("frozen", "full"):
            model = build_model(kept, encoder)  # the same initial weights for both runs
            if mode == "frozen":
                model.bert.requires_grad_(False)
            else:
                initial = _accuracy(model, test)
            runs[mode] = fine_tune(model, train, test, mode == "frozen", plan, f"fine-tuning ({mode})")

    examples = [i for label in (1, 0) for i in _spread(reviews["test"], label, EXAMPLES // 2)]
    config = encoder.config if real else BertConfig.tiny()
    data = {
        "encoder": "minilm" if real else "tiny", "pretrained_available": pretrained.available(),
        "config": {k: getattr(config, k) for k in ("num_hidden_layers", "hidden_size", "num_attention_heads", "intermediate_size")},
        "n_train": len(train_reviews), "n_test": len(reviews["test"]), "vocab_rows": len(kept),
        "plan": asdict(plan), "batch_size": BATCH_SIZE,
        "initial_test_accuracy": initial, "runs": runs,
        "examples": [{"text": reviews["test"][i][0], "label": reviews["test"][i][1],
                      "frozen": runs["frozen"]["predictions"][i], "full": runs["full"]["predictions"][i]}
                     for i in examples],
    }
    return data | {"findings": findings(data)}


def _spread(reviews: list[tuple[str, int]], label: int, count: int) -> list[int]:
    """`count` indices of reviews with `label`, evenly spread over the list."""
    indices = [i for i, (_, y) in enumerate(reviews) if y == label]
    return indices[::max(1, len(indices) // count)][:count]


def _accuracy(model: BertForSequenceClassification, split: dict[str, torch.Tensor]) -> float:
    model.eval()
    with torch.no_grad():
        logits = model(split["input_ids"], attention_mask=split["attention_mask"])  # (N, 2)
    return (logits.argmax(dim=-1) == split["labels"]).double().mean().item()


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    names = {"frozen": words("frozen_encoder"), "full": words("full_fine_tuning")}
    x = data["runs"]["full"]["epoch"]
    loss = draw.Lines(words("training_loss_mean_cross"), x,
                      {names[m]: data["runs"][m]["loss"] for m in ("frozen", "full")},
                      x_label=words("epoch"), y_label=words("cross_entropy"))
    accuracy = draw.Lines(words("held_out_accuracy"), x,
                          {names[m]: data["runs"][m]["test_accuracy"] for m in ("frozen", "full")},
                          x_label=words("epoch"), y_label=words("accuracy"))
    return [loss, accuracy]


def show(data: dict[str, Any], words: Words) -> None:
    out = console.out()
    draw.show(*figures(data, words))
    table = draw.Table(title=words("accuracy_2"))
    for name in ("", words("train"), words("held_out_before"), words("held_out_after")):
        table.add_column(name, justify="right" if name else "left")
    for mode, name in (("frozen", words("frozen_encoder_classifier_only")),
                       ("full", words("full_fine_tuning"))):
        r = data["runs"][mode]
        table.add_row(name, f"{r['train_accuracy']:.0%}", f"{data['initial_test_accuracy']:.0%}", f"{r['test_accuracy'][-1]:.0%}")
    out.print(table)
    names = [words(label) for label in LABELS]
    examples = draw.Table(title=words("a_few_held_out"))
    for name in (words("review"), words("label"), words("frozen"), words("full")):
        examples.add_column(name)
    for e in data["examples"]:
        marks = [f"{'[ok]' if e[m] == e['label'] else '[fail]'}{names[e[m]]}{'[/ok]' if e[m] == e['label'] else '[/fail]'}"
                 for m in ("frozen", "full")]
        examples.add_row(console.esc(e["text"]), names[e["label"]], *marks)
    out.print(examples)


def findings(data: dict[str, Any]) -> list[list]:
    full_run = data["runs"]["full"]
    curve = full_run["test_accuracy"]
    best = max(range(len(curve)), key=curve.__getitem__)
    values = {"layers": data["config"]["num_hidden_layers"], "d_model": data["config"]["hidden_size"],
              "frozen": data["runs"]["frozen"]["test_accuracy"][-1], "full": curve[-1]}
    if data["encoder"] != "tiny":
        return [["pretrained", values | {"epochs": data["plan"]["epochs"], "lr": data["plan"]["lr_full"]}]]
    scratch = ["from_scratch", values | {"n_train": data["n_train"], "peak": curve[best], "peak_epoch": full_run["epoch"][best]}]
    return [scratch, ["minilm_installed" if data["pretrained_available"] else "minilm_missing", {}]]


if __name__ == "__main__":
    main("fine-tune-classify")
