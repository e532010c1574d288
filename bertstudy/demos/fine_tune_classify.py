"""Fine-tuning a [CLS] classifier on short reviews: a frozen encoder against full fine-tuning."""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import torch

from bertstudy import console
from bertstudy.demos import Words, draw
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
              frozen: bool, plan: Plan) -> dict[str, Any]:
    """Train with AdamW (bertstudy.reference.optim) on shuffled mini-batches; every `plan.log_every` steps, the mean training
    loss since the last point and the held-out accuracy."""
    splits = {"train": train, "test": test}
    if frozen:
        model.bert.eval()  # features come from the encoder as it is: no dropout, no gradients
        with torch.no_grad():
            features = {name: model.bert(s["input_ids"], attention_mask=s["attention_mask"])[1]  # (N, D): C
                        for name, s in splits.items()}

    def logits_of(split: str, rows: torch.Tensor | slice) -> torch.Tensor:
        if frozen:
            return model.classifier(model.dropout(features[split][rows]))  # (n, 2)
        s = splits[split]
        return model(s["input_ids"][rows], attention_mask=s["attention_mask"][rows])  # (n, 2)

    def predict(split: str) -> torch.Tensor:
        model.eval()
        with torch.no_grad():
            return logits_of(split, slice(None)).argmax(dim=-1)  # (N,)

    def accuracy(split: str) -> float:
        correct = predict(split) == splits[split]["labels"]
        model.train()  # (frozen: the encoder no longer runs, so its mode does not matter)
        return correct.double().mean().item()

    parameters = model.classifier.parameters() if frozen else model.parameters()
    optimizer = AdamW(parameters, lr=plan.lr_frozen if frozen else plan.lr_full, weight_decay=0.01)
    gen = torch.Generator().manual_seed(SEED + 1)  # the same batches for both runs
    steps_per_epoch = -(-len(train["labels"]) // BATCH_SIZE)
    history: dict[str, list[float]] = {"epoch": [], "loss": [], "test_accuracy": []}
    losses: list[float] = []
    model.train()
    for step in steps(range(plan.epochs * steps_per_epoch), "fine_tuning_frozen" if frozen else "fine_tuning_full"):
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
    return {**history, "train_accuracy": accuracy("train"), "predictions": predict("test").tolist()}


def run(quick: bool = False, use_pretrained: bool | None = None) -> dict[str, Any]:
    """use_pretrained: None (the default) starts from the MiniLM weights when the package is
    installed and quick is off; False keeps to the tiny random encoder; True requires the package."""
    real = (pretrained.available() and not quick) if use_pretrained is None else use_pretrained
    encoder = pretrained.load_bert() if real else None
    plan = REAL if real else TINY["quick" if quick else "default"]
    tokenizer = BertTokenizer(pretrained.vocab_path())
    reviews = load_reviews()
    train, test = encode(tokenizer, reviews["train"][:plan.n_train]), encode(tokenizer, reviews["test"])
    specials = (tokenizer.pad_token_id, tokenizer.unk_token_id, tokenizer.cls_token_id, tokenizer.sep_token_id)
    kept = compact_vocabulary(train, test, keep=specials)

    with contextlib.nullcontext() if real else one_thread():  # MiniLM's matrices use every core
        initial = _accuracy(build_model(kept, encoder), test)  # before training (every model starts alike)
        runs = {mode: fine_tune(build_model(kept, encoder), train, test, mode == "frozen", plan)
                for mode in ("frozen", "full")}

    examples = [i for label in (1, 0) for i in _spread(reviews["test"], label, EXAMPLES // 2)]
    config = encoder.config if real else BertConfig.tiny()
    data = {
        "encoder": "minilm" if real else "tiny", "pretrained_available": pretrained.available(),
        "config": {k: getattr(config, k) for k in ("num_hidden_layers", "hidden_size", "num_attention_heads", "intermediate_size")},
        "n_train": len(train["labels"]), "n_test": len(reviews["test"]), "vocab_rows": len(kept),
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
    return [draw.Lines(words(title), data["runs"]["full"]["epoch"], {names[m]: data["runs"][m][key] for m in names},
                       x_label=words("epoch"), y_label=words(y_label))
            for title, key, y_label in (("training_loss_mean_cross", "loss", "cross_entropy"),
                                        ("held_out_accuracy", "test_accuracy", "accuracy"))]


def show(data: dict[str, Any], words: Words) -> None:
    out = console.out()
    draw.show(*figures(data, words))
    headers = ["", words("train"), words("held_out_before"), words("held_out_after")]
    table = draw.table(words("accuracy_2"), headers, ["left", "right", "right", "right"])
    for mode, name in (("frozen", words("frozen_encoder_classifier_only")),
                       ("full", words("full_fine_tuning"))):
        r = data["runs"][mode]
        table.add_row(name, f"{r['train_accuracy']:.0%}", f"{data['initial_test_accuracy']:.0%}", f"{r['test_accuracy'][-1]:.0%}")
    out.print(table)
    names = [words(label) for label in LABELS]
    examples = draw.table(words("a_few_held_out"), [words(k) for k in ("review", "label", "frozen", "full")])
    for e in data["examples"]:
        tags = {m: "ok" if e[m] == e["label"] else "fail" for m in ("frozen", "full")}
        marks = [f"[{tag}]{names[e[m]]}[/{tag}]" for m, tag in tags.items()]
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
