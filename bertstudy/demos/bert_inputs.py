"""What BERT is fed for a sentence pair, and how its three embeddings add up."""

from __future__ import annotations

from typing import Any

import torch

from bertstudy import console
from bertstudy.demos import Words, draw
from bertstudy.reference.bert import BertConfig, BertEmbeddings, init_bert_weights
from bertstudy.reference.tokenization import BertTokenizer

SENTENCE_A = "Is tokenization hard?"
SENTENCE_B = "Not with WordPiece!"
MAX_LENGTH = 16
PARTS = ("word", "position", "segment", "sum", "output")


def run(quick: bool = False) -> dict[str, Any]:
    tokenizer = BertTokenizer()
    encoding = tokenizer.encode(SENTENCE_A, SENTENCE_B, max_length=MAX_LENGTH, truncation=True, padding="max_length")
    tokens = tokenizer.convert_ids_to_tokens(encoding["input_ids"])
    positions = list(range(MAX_LENGTH))

    torch.manual_seed(0)
    config = BertConfig.tiny(vocab_size=len(tokenizer), hidden_size=32 if quick else 128,
                             num_attention_heads=2, max_position_embeddings=64)
    embeddings = BertEmbeddings(config)
    init_bert_weights(embeddings, config)
    embeddings.eval()  # no dropout

    input_ids, token_type_ids = (torch.tensor([encoding[key]]) for key in ("input_ids", "token_type_ids"))  # (1, L)
    with torch.no_grad():
        word = embeddings.word_embeddings(input_ids)  # (1, L, D)
        position = embeddings.position_embeddings(torch.tensor([positions]))  # (1, L, D)
        segment = embeddings.token_type_embeddings(token_type_ids)  # (1, L, D)
        total = word + segment + position  # (1, L, D), in the order BertEmbeddings adds them
        output = embeddings(input_ids, token_type_ids)  # (1, L, D)
        difference = (embeddings.LayerNorm(total) - output).abs().max().item()  # LayerNorm by hand vs the module
    norms = [value[0].norm(dim=-1).tolist() for value in (word, position, segment, total, output)]  # L numbers each
    data = {
        "sentence_a": SENTENCE_A, "sentence_b": SENTENCE_B, "max_length": MAX_LENGTH,
        "tokens": tokens, "input_ids": encoding["input_ids"], "token_type_ids": encoding["token_type_ids"],
        "position_ids": positions, "attention_mask": encoding["attention_mask"],
        "hidden_size": config.hidden_size, "initializer_range": config.initializer_range,
        "norms": dict(zip(PARTS, norms)), "max_difference": difference,
        "output_mean": output[0].mean(dim=-1).abs().max().item(),  # largest |row mean|
        "output_std": output[0].std(dim=-1, unbiased=False).tolist(),
    }
    return data | {"findings": findings(data)}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    parts = PARTS[:4]  # before LayerNorm; its output (norm about √d) would drown their scale
    rows = [f"{i} {token}" for i, token in enumerate(data["tokens"])]
    values = [[data["norms"][part][i] for part in parts] for i in range(len(rows))]
    return [draw.Heatmap(words("norm_of_each_part"), values, rows, [words(f"part_{p}") for p in parts],
                         corner=words("pos_token"))]


def show(data: dict[str, Any], words: Words) -> None:
    out = console.out()
    esc = console.esc
    out.print(f"[title]A:[/title] {esc(data['sentence_a'])}   [title]B:[/title] {esc(data['sentence_b'])}   "
              f"[muted]max_length = {data['max_length']}[/muted]")
    headers = [words(key) for key in ("position", "token", "input_ids", "segment_token_type_ids", "attention_mask")]
    table = draw.table(words("cls_a_sep_b"), headers, ["right", "left", "right", "right", "right"])
    columns = ("position_ids", "tokens", "input_ids", "token_type_ids", "attention_mask")
    for cells in zip(*(data[key] for key in columns)):  # one row per position
        style = "muted" if cells[-1] == 0 else ("accent" if cells[1] in ("[CLS]", "[SEP]") else "")
        table.add_row(*(f"[{style}]{esc(c)}[/{style}]" if style else esc(c) for c in cells))
    out.print(table)
    out.print()
    draw.show(*figures(data, words))


def findings(data: dict[str, Any]) -> list[list]:
    std, norms = data["output_std"], data["norms"]["output"]
    return [["ids", {}], ["embeddings", {
        "initializer_range": data["initializer_range"], "d": data["hidden_size"], "difference": data["max_difference"],
        "mean": data["output_mean"], "std_min": min(std), "std_max": max(std), "sqrt_d": data["hidden_size"] ** 0.5,
        "norm_min": min(norms), "norm_max": max(norms)}]]
