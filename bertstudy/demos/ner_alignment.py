"""Named-entity labels belong to words, BERT predicts one label per WordPiece token: aligning the two."""

from __future__ import annotations

import random
from typing import Any

import torch

from bertstudy import console
from bertstudy.demos import Words, draw
from bertstudy.demos.live import one_thread, steps
from bertstudy.reference.basics import cross_entropy
from bertstudy.reference.bert import BertConfig, BertForTokenClassification
from bertstudy.reference.finetuning import IGNORE_INDEX, align_ner_labels
from bertstudy.reference.optim import AdamW
from bertstudy.reference.tokenization import BertTokenizer

LABELS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG")
B_TO_I = {LABELS.index(f"B-{kind}"): LABELS.index(f"I-{kind}") for kind in ("PER", "LOC", "ORG")}

# Entity names: the model trains on the first lists and is tested on the second, never seen.
NAMES = {
    "PER": (["alice", "bob", "maria garcia", "john smith", "li wei", "anna", "omar", "yuki tanaka",
             "johanson", "priya patel", "ivan petrov", "fatima", "lucas", "siobhan"],
            ["okonkwo", "sofia rossi", "kowalczyk", "nguyen", "abernathy"]),
    "LOC": (["paris", "london", "new york", "tokyo", "berlin", "cairo", "lima", "oslo", "reykjavik",
             "nairobi", "hong kong", "accra"],
            ["zhangjiakou", "gdansk", "ljubljana", "kyoto", "san diego", "wolfsburg"]),
    "ORG": (["google", "acme", "hugging face", "united nations", "toyota", "siemens", "oxfam", "red cross"],
            ["unicef", "nintendo", "world bank"]),
}
TEMPLATES = [
    "{PER} lives in {LOC}",
    "{PER} moved to {LOC} last year",
    "{PER} works for {ORG}",
    "{ORG} opened an office in {LOC}",
    "{PER} met {PER} in {LOC}",
    "yesterday {PER} visited {ORG}",
    "{ORG} hired {PER} last week",
    "the weather in {LOC} was cold",
    "{PER} joined {ORG} in {LOC}",
    "we flew from {LOC} to {LOC}",
    "a spokesperson for {ORG} said nothing",
    "{PER} and {PER} founded {ORG}",
]
SHOWN = [  # the alignment table: (words, word labels)
    (["Johanson", "lives", "in", "Reykjavik", "."], ["B-PER", "O", "O", "B-LOC", "O"]),
    (["Priya", "Patel", "joined", "Oxfam", "in", "Accra"], ["B-PER", "I-PER", "O", "B-ORG", "O", "B-LOC"]),
]
SEED = 0
EPOCHS, LEARNING_RATE, BATCH_SIZE = 20, 1e-2, 16
WORD_DROPOUT = 0.3  # the share of words whose pieces all read as [UNK] in a training batch


def make_sentences(n: int, held_out: bool, rng: random.Random) -> list[tuple[list[str], list[str]]]:
    """n sentences from the templates, each a list of words with a BIO label per word."""
    sentences = []
    for _ in range(n):
        words: list[str] = []
        labels: list[str] = []
        for part in rng.choice(TEMPLATES).split():
            if part.startswith("{"):
                kind = part[1:-1]
                name = rng.choice(NAMES[kind][held_out]).split()
                words += name
                labels += [f"B-{kind}"] + [f"I-{kind}"] * (len(name) - 1)
            else:
                words.append(part)
                labels.append("O")
        sentences.append((words, labels))
    return sentences


def tokenize_words(tokenizer: BertTokenizer, words: list[str]) -> tuple[list[str], list[int | None]]:
    """[CLS] pieces [SEP] and, for each token, the index of its word (None for [CLS] and [SEP]),
    as Hugging Face's `encoding.word_ids()` reports it."""
    tokens, word_ids = [tokenizer.cls_token], [None]
    for index, word in enumerate(words):
        pieces = tokenizer.tokenize(word)
        tokens += pieces
        word_ids += [index] * len(pieces)
    return tokens + [tokenizer.sep_token], word_ids + [None]


def encode(tokenizer: BertTokenizer, sentences: list[tuple[list[str], list[str]]]) -> dict[str, Any]:
    """Padded input_ids, attention_mask and aligned labels (first sub-token), plus each sentence's word_ids."""
    tokens, word_ids = zip(*(tokenize_words(tokenizer, words) for words, _ in sentences))
    length = max(len(row) for row in tokens)

    def padded(rows: list[list[int]], fill: int) -> torch.Tensor:
        """(N, L): each row right-padded with `fill` to the longest sentence's length."""
        return torch.tensor([row + [fill] * (length - len(row)) for row in rows])

    return {
        "input_ids": padded([tokenizer.convert_tokens_to_ids(row) for row in tokens], tokenizer.pad_token_id),
        "attention_mask": padded([[1] * len(row) for row in tokens], 0),
        "labels": padded([align_ner_labels(row, [LABELS.index(label) for label in labels])
                          for row, (_, labels) in zip(word_ids, sentences)], IGNORE_INDEX),
        "word_index": padded([[-1 if w is None else w for w in row] for row in word_ids], -1),  # -1: specials, padding
        "word_ids": list(word_ids),
    }


def word_predictions(logits: torch.Tensor, word_ids: list[int | None]) -> list[int]:
    """One label per word, read at the word's first sub-token (where the loss was)."""
    predicted = logits.argmax(dim=-1).tolist()  # (L,)
    first = align_ner_labels(word_ids, list(range(len(word_ids))))  # a word's index at its first piece, else -100
    return [predicted[position] for position, word in enumerate(first) if word != IGNORE_INDEX]


def run(quick: bool = False) -> dict[str, Any]:
    rng = random.Random(SEED)
    tokenizer = BertTokenizer()
    n_train, n_test = (160, 40) if quick else (320, 60)
    epochs = 8 if quick else EPOCHS
    train_sentences, test_sentences = make_sentences(n_train, False, rng), make_sentences(n_test, True, rng)
    train, test = encode(tokenizer, train_sentences), encode(tokenizer, test_sentences)

    # The embedding table keeps only the tokens of the training sentences; any other token (most
    # pieces of the held-out names) reads as [UNK], as an out-of-vocabulary word would.
    kept = sorted(set(train["input_ids"].unique().tolist()) | {tokenizer.unk_token_id})
    unk = kept.index(tokenizer.unk_token_id)
    position = torch.full((len(tokenizer),), unk)
    position[torch.tensor(kept)] = torch.arange(len(kept))
    for split in (train, test):
        split["input_ids"] = position[split["input_ids"]]  # (N, L)
    word_index = train["word_index"]  # (N, L)

    with one_thread():
        torch.manual_seed(SEED)
        model = BertForTokenClassification(BertConfig.tiny(vocab_size=len(kept), num_labels=len(LABELS)))
        optimizer = AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
        gen = torch.Generator().manual_seed(SEED)
        losses = []
        for _ in steps(range(epochs), "training"):
            model.train()
            epoch_losses = []
            for rows in torch.randperm(n_train, generator=gen).split(BATCH_SIZE):
                hidden_words = torch.rand(len(rows), word_index.shape[1], generator=gen) < WORD_DROPOUT  # (b, L) by word
                hide = hidden_words.gather(1, word_index[rows].clamp(min=0)) & (word_index[rows] >= 0)  # (b, L) by token
                input_ids = train["input_ids"][rows].masked_fill(hide, unk)  # (b, L): every piece of a hidden word is [UNK]
                logits = model(input_ids, attention_mask=train["attention_mask"][rows])  # (b, L, K)
                loss = cross_entropy(logits.flatten(0, 1), train["labels"][rows].flatten())  # -100 positions skipped
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                epoch_losses.append(loss.item())
            losses.append(sum(epoch_losses) / len(epoch_losses))
        model.eval()
        with torch.no_grad():
            test_logits = model(test["input_ids"], attention_mask=test["attention_mask"])  # (N, L, K)

    predicted = [word_predictions(test_logits[i], test["word_ids"][i]) for i in range(n_test)]
    gold = [[LABELS.index(label) for label in labels] for _, labels in test_sentences]
    pairs = [(p, g) for ps, gs in zip(predicted, gold) for p, g in zip(ps, gs)]
    entity_pairs = [(p, g) for p, g in pairs if g != 0]
    shown = [i for i, (words, _) in enumerate(test_sentences) if any(len(tokenizer.tokenize(w)) > 2 for w in words)][:4]
    probe = shown[0] if shown else 0
    probe_tokens, _ = tokenize_words(tokenizer, test_sentences[probe][0])
    data = {
        "labels": list(LABELS),
        "alignment": [_alignment(tokenizer, words, labels) for words, labels in SHOWN],
        "n_train": n_train, "n_test": n_test, "epochs": epochs, "learning_rate": LEARNING_RATE,
        "word_dropout": WORD_DROPOUT,
        "loss": losses,
        "word_accuracy": sum(p == g for p, g in pairs) / len(pairs),
        "o_share": sum(g == 0 for _, g in pairs) / len(pairs),  # what labelling every word O would score
        "entity_word_accuracy": sum(p == g for p, g in entity_pairs) / len(entity_pairs),
        "predictions": [{"words": test_sentences[i][0], "gold": test_sentences[i][1],
                         "predicted": [LABELS[p] for p in predicted[i]]} for i in shown],
        "probe": {"tokens": probe_tokens, "word_ids": test["word_ids"][probe],
                  "unknown": (test["input_ids"][probe, :len(probe_tokens)] == unk).tolist(),  # read as [UNK]
                  "probabilities": test_logits[probe, :len(probe_tokens)].softmax(dim=-1).tolist()},
    }
    return data | {"findings": findings(data)}


def _alignment(tokenizer: BertTokenizer, words: list[str], labels: list[str]) -> dict[str, Any]:
    tokens, word_ids = tokenize_words(tokenizer, words)
    ids = [LABELS.index(label) for label in labels]
    return {"words": words, "word_labels": labels, "tokens": tokens, "word_ids": word_ids,
            "first": align_ner_labels(word_ids, ids),
            "all": align_ner_labels(word_ids, ids, label_all_subtokens=True, b_to_i=B_TO_I)}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    loss = draw.Lines(words("training_loss_first_sub"),
                      [float(e + 1) for e in range(len(data["loss"]))], {words("loss"): data["loss"]},
                      x_label=words("epoch"), y_label=words("cross_entropy"), log_y=True)
    probe = data["probe"]
    first = align_ner_labels(probe["word_ids"], [0] * len(probe["word_ids"]))  # -100 where nothing is read
    rows = [token + (" → [UNK]" if unknown else "") + (" (-100)" if label == IGNORE_INDEX else "")
            for token, unknown, label in zip(probe["tokens"], probe["unknown"], first)]
    return [loss, draw.Heatmap(words("label_probabilities_per_token"),
                               probe["probabilities"], rows, data["labels"], corner=words("token"))]


def show(data: dict[str, Any], words: Words) -> None:
    out = console.out()
    names = dict(enumerate(data["labels"])) | {IGNORE_INDEX: "[muted]-100[/muted]"}  # label id -> cell
    headers = [words(key) for key in ("token", "word_id", "word_label", "first_sub_token", "all_sub_tokens")]
    for example in data["alignment"]:
        table = draw.table(" ".join(example["words"]), headers)
        for token, word, first, every in zip(example["tokens"], example["word_ids"], example["first"], example["all"]):
            word_label = "" if word is None else example["word_labels"][word]
            table.add_row(console.esc(token), str(word), word_label, names[first], names[every])  # word None: "None"
        out.print(table)
    loss, heatmap = figures(data, words)
    draw.show(loss)
    table = draw.table(words("held_out_sentences_every"), [words("word"), words("gold"), words("predicted")])
    for sentence in data["predictions"]:
        for word, gold, predicted in zip(sentence["words"], sentence["gold"], sentence["predicted"]):
            style = "ok" if gold == predicted else "fail"
            table.add_row(console.esc(word), gold, f"[{style}]{predicted}[/{style}]")
        table.add_section()
    out.print(table)
    out.print()
    draw.show(heatmap)


def findings(data: dict[str, Any]) -> list[list]:
    return [["ignore_index", {}], ["trained", {key: data[key] for key in (
        "n_train", "epochs", "n_test", "word_accuracy", "o_share", "entity_word_accuracy", "word_dropout")}]]
