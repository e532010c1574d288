"""What each layer of a pretrained BERT knows, measured with small probes on its hidden states."""

from __future__ import annotations

from typing import Any

import torch

from bertstudy import console
from bertstudy.demos import Words, draw
from bertstudy.reference import pretrained
from bertstudy.reference.bert import BertConfig, BertModel
from bertstudy.reference.tokenization import BertTokenizer

SENSES = {
    "bank": (["She sat on the bank of the river and watched the water.",
              "Reeds grew along the muddy bank of the stream.",
              "The boat drifted toward the far bank of the lake.",
              "Children fished from the grassy bank all afternoon."],
             ["He deposited his salary at the bank on Monday.",
              "The bank approved the loan for the new house.",
              "She opened a savings account at a local bank.",
              "The bank raised its interest rates again."]),
    "bat": (["A bat flew out of the cave at dusk.",
             "The bat hung upside down from the branch.",
             "Every bat in the colony hunts insects at night.",
             "The little bat used echoes to find its way."],
            ["He swung the bat and hit the ball hard.",
             "She bought a new cricket bat for the season.",
             "The player dropped his bat and ran to first base.",
             "A wooden bat cracked during the game."]),
    "spring": (["The flowers bloom early in the spring.",
                "We plant the garden every spring.",
                "Birds return north in the spring.",
                "The weather in spring is mild and rainy."],
               ["The spring in the old mattress was broken.",
                "He compressed the spring and let it go.",
                "A steel spring closes the door slowly.",
                "The watch stopped because its spring snapped."]),
    "match": (["He struck a match to light the candle.",
               "The match burned down to his fingers.",
               "She kept a box of match sticks by the stove.",
               "One match was enough to start the fire."],
              ["Our team won the football match on Sunday.",
               "The tennis match lasted three hours.",
               "Thousands watched the final match of the cup.",
               "The chess match ended in a draw."]),
    "light": (["Turn on the light, it is getting dark.",
               "The light from the lamp filled the room.",
               "Sunlight and light from the moon look different.",
               "A bright light shone through the window."],
              ["The box was light enough for a child to carry.",
               "She packed a light bag for the short trip.",
               "Aluminium is a light metal.",
               "He prefers a light meal in the evening."]),
}


def load_model():
    """The pretrained model, or a randomly initialised one of the same shape (the control)."""
    if pretrained.available():
        return pretrained.load_bert(), "MiniLM-L6-H384-uncased"
    torch.manual_seed(0)
    config = BertConfig(hidden_size=384, num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536)
    return BertModel(config).eval(), None


def hidden_states(model, tokenizer, sentences: list[str]):
    """One padded batch through the model: each sentence's tokens, its (L_i, D) states after the
    embeddings and after each layer, and each layer's mean attention entropy (bits) over its real tokens."""
    batch = tokenizer.encode_batch(sentences)
    ids, mask = torch.tensor(batch["input_ids"]), torch.tensor(batch["attention_mask"])  # (N, L)
    h = model.embeddings(ids)  # (N, L, D)
    states, weights = [h], []
    for layer in model.encoder.layer:
        layer.attention.self.keep_weights = True
        h = layer(h, mask.bool()[:, None, None, :])  # padding keys masked
        states.append(h)
        weights.append(layer.attention.self.weights)  # (N, h, L, L)
    out = []
    for i, row in enumerate(batch["input_ids"]):
        n = int(mask[i].sum())
        entropy = [float(-(w[i, :, :n, :n] * torch.log2(w[i, :, :n, :n].clamp_min(1e-12))).sum(-1).mean()) for w in weights]
        out.append((tokenizer.convert_ids_to_tokens(row[:n]), [s[i, :n] for s in states], entropy))
    return out


def sense_accuracy(vectors: list[torch.Tensor], labels: list[int]) -> float:
    """Leave-one-out nearest-centroid accuracy (cosine)."""
    stacked = torch.nn.functional.normalize(torch.stack(vectors), dim=-1)  # (n, D)
    labels_t = torch.tensor(labels)
    right = 0
    for i in range(len(vectors)):
        keep = torch.arange(len(vectors)) != i
        centroids = torch.stack([stacked[keep & (labels_t == c)].mean(0) for c in (0, 1)])  # (2, D)
        right += int(int((centroids @ stacked[i]).argmax()) == labels[i])
    return right / len(vectors)


def position_r2(x: torch.Tensor, y: torch.Tensor, xt: torch.Tensor, yt: torch.Tensor, ridge: float = 1.0) -> float:
    """R² on the test tokens xt (n, D) with positions yt (n,) of a ridge regression from a token's vector
    to its position, fitted on x and y (float64)."""
    mean_x, mean_y = x.mean(0), y.mean()
    xc = x - mean_x
    w = torch.linalg.solve(xc.T @ xc + ridge * torch.eye(x.shape[1], dtype=torch.float64), xc.T @ (y - mean_y))
    predicted = (xt - mean_x) @ w + mean_y
    return float(1 - ((yt - predicted) ** 2).sum() / ((yt - yt.mean()) ** 2).sum())


def mean_cosine(vectors: list[torch.Tensor]) -> float:
    stacked = torch.nn.functional.normalize(torch.stack(vectors), dim=-1)
    n = len(vectors)
    similarity = stacked @ stacked.T
    return float((similarity.sum() - similarity.diagonal().sum()) / (n * (n - 1)))


def run(quick: bool = False) -> dict[str, Any]:
    model, name = load_model()
    tokenizer = BertTokenizer(pretrained.vocab_path())
    words = list(SENSES)[:3] if quick else list(SENSES)
    labelled = [(word, sense, sentence) for word in words for sense, group in enumerate(SENSES[word]) for sentence in group]
    with torch.no_grad():
        results = hidden_states(model, tokenizer, [sentence for _, _, sentence in labelled])
    per_word: dict[str, list[tuple[int, list[torch.Tensor]]]] = {w: [] for w in words}  # (sense, vector per layer)
    for (word, sense, _), (tokens, states, _) in zip(labelled, results):
        per_word[word].append((sense, [s[tokens.index(word)] for s in states]))
    states_by_sentence = [states for _, states, _ in results]
    entropies = [entropy for _, _, entropy in results]
    positions = torch.cat([torch.arange(len(tokens)) for tokens, _, _ in results]).double()  # (T,): all tokens
    cut = sum(len(tokens) for tokens, _, _ in results[:len(results) // 2])  # fit on the first half, test on the rest
    gen = torch.Generator().manual_seed(0)
    rows = []
    for layer in range(len(states_by_sentence[0])):
        accuracy = sum(sense_accuracy([v[layer] for _, v in per_word[w]], [s for s, _ in per_word[w]]) for w in words) / len(words)
        every = torch.cat([states[layer] for states in states_by_sentence])  # (T, D): all tokens
        r2 = position_r2(every[:cut].double(), positions[:cut], every[cut:].double(), positions[cut:])
        self_similarity = sum(mean_cosine([v[layer] for _, v in per_word[w]]) for w in words) / len(words)
        baseline = mean_cosine(list(every[torch.randint(len(every), (60,), generator=gen)]))
        rows.append({"layer": layer, "sense_accuracy": accuracy, "position_r2": r2,
                     "self_similarity": self_similarity - baseline,
                     "attention_entropy": None if layer == 0 else sum(e[layer - 1] for e in entropies) / len(entropies)})
    data = {"model": name, "words": words, "sentences": len(results), "layers": rows}
    return data | {"findings": findings(data)}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    x = [r["layer"] for r in data["layers"]]
    series = {words("sense_accuracy"): [r["sense_accuracy"] for r in data["layers"]],
              words("position_r"): [r["position_r2"] for r in data["layers"]],
              words("self_similarity_adjusted"): [r["self_similarity"] for r in data["layers"]]}
    return [draw.Lines(words("probes_per_layer_layer"), x, series, x_label=words("layer"))]


def show(data: dict[str, Any], words: Words) -> None:
    draw.show(*figures(data, words))
    table = draw.table(data["model"] or words("random_weights"),
                       [words(k) for k in ("layer", "sense", "position_r", "self_sim", "attn_entropy_bits")], "right")
    for r in data["layers"]:
        entropy = "" if r["attention_entropy"] is None else f"{r['attention_entropy']:.2f}"
        cells = [f"{r[k]:.2f}" for k in ("sense_accuracy", "position_r2", "self_similarity")]
        table.add_row(str(r["layer"]), *cells, entropy)
    console.out().print(table)


def findings(data: dict[str, Any]) -> list[list]:
    control = [["random_control", {"install": pretrained.INSTALL}]] if data["model"] is None else []
    return control + [["measures", {}]]
