"""Self-attention weights over a sentence, drawn as a heatmap."""

from __future__ import annotations

import zlib
from typing import Any

import torch

from bertstudy.demos import Words, draw
from bertstudy.reference import pretrained
from bertstudy.reference.attention import scaled_dot_product_attention
from bertstudy.reference.positions import sinusoidal_positional_encoding

SENTENCE = "the cat sat on the mat because it was warm"  # 12 tokens: fits 80 columns with numbers


def real_heads(sentence: str) -> dict[str, Any]:
    """Every head's weights of the pretrained model on `sentence`; picks the head that most attends to
    the previous token and the one that most attends to the next."""
    from bertstudy.reference.tokenization import BertTokenizer

    tokenizer = BertTokenizer(pretrained.vocab_path())
    encoding = tokenizer.encode(sentence)
    tokens = tokenizer.convert_ids_to_tokens(encoding["input_ids"])
    model = pretrained.load_bert()
    layers = [layer.attention.self for layer in model.encoder.layer]
    for attention in layers:
        attention.keep_weights = True
    with torch.no_grad():
        model(torch.tensor([encoding["input_ids"]]))
    weights = torch.stack([attention.weights[0] for attention in layers])  # (layers, h, L, L)
    picks = []
    for name, offset in ("previous", -1), ("next", 1):
        score = weights.diagonal(offset=offset, dim1=-2, dim2=-1).mean(-1)  # (layers, h): mean weight on token i+offset
        layer, head = divmod(int(score.argmax()), score.shape[1])
        picks.append({"pattern": name, "layer": layer, "head": head, "score": float(score[layer, head]),
                      "weights": weights[layer, head].tolist()})
    return {"model": "MiniLM-L6-H384-uncased", "tokens": tokens, "heads": picks}


def run(quick: bool = False) -> dict[str, Any]:
    data = real_heads(SENTENCE) if pretrained.available() else similarity_heads(quick)
    return data | {"findings": findings(data)}


def similarity_heads(quick: bool) -> dict[str, Any]:
    """Without the pretrained model: attention with no learned projections over fixed word vectors, a
    seeded vector per word type plus half-strength sinusoidal positions."""
    tokens = SENTENCE.split()
    d_model = 32 if quick else 64
    vectors = [torch.randn(d_model, generator=torch.Generator().manual_seed(zlib.crc32(token.encode())))
               for token in tokens]
    x = torch.stack(vectors) + 0.5 * sinusoidal_positional_encoding(len(tokens), d_model)  # (L, d_model)
    _, weights = scaled_dot_product_attention(x, x, x)  # (L, L)
    return {"model": None, "tokens": tokens, "heads": [{"pattern": "similarity", "layer": None, "head": None,
                                                        "score": None, "weights": weights.tolist()}]}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    out = []
    for head in data["heads"]:
        if head["layer"] is None:
            title = words("untrained_self_attention_q")
        else:
            layer, number = head["layer"] + 1, head["head"] + 1  # counted from 1, as bert-layers counts layers
            title = words(f"layer_head_{head['pattern']}", model=data["model"], layer=layer, number=number)
        out.append(draw.Heatmap(title, head["weights"], data["tokens"], data["tokens"], corner="q \\ k"))
    return out


def findings(data: dict[str, Any]) -> list[list]:
    if data["model"] is None:
        return [["similarity", {"install": pretrained.INSTALL}]]
    return [["positional_heads", {head["pattern"]: head["score"] for head in data["heads"]}]]  # previous, next
