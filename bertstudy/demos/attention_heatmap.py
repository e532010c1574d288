"""Self-attention weights over a sentence, drawn as a heatmap.

With the pretrained extra installed (MiniLM-L6-H384-uncased, see bertstudy.reference.pretrained), the
sentence goes through the real model and the demo draws a real head: the one, over all layers, that
puts the most weight on the previous token (Clark et al. 2019 found such positional heads in BERT),
and the one that puts the most weight on the next token.
Without it, each word type gets a fixed random vector plus a sinusoidal position code and
Q = K = V = X: no learned projections, so the weights show what raw similarity does (a token attends
to itself and to copies of its word).
Leaves out: what the heads mean (see the bert-layers demo) and the 1/√d_k scale (scaling-sqrt-dk).
"""

from __future__ import annotations

import zlib
from typing import Any

import torch

from bertstudy import console, i18n
from bertstudy.demos import draw
from bertstudy.reference import pretrained
from bertstudy.reference.attention import scaled_dot_product_attention
from bertstudy.reference.positions import sinusoidal_positional_encoding

SENTENCE = "the cat sat on the mat because it was warm"  # 12 tokens: fits 80 columns with numbers


def embed(tokens: list[str], d_model: int) -> torch.Tensor:
    """(L, d_model): a seeded vector per word type plus half-strength sinusoidal positions."""
    vectors = []
    for token in tokens:
        gen = torch.Generator().manual_seed(zlib.crc32(token.encode()))
        vectors.append(torch.randn(d_model, generator=gen))
    return torch.stack(vectors) + 0.5 * sinusoidal_positional_encoding(len(tokens), d_model)  # (L, d_model)


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
    previous = weights.diagonal(offset=-1, dim1=-2, dim2=-1).mean(-1)  # (layers, h): mean weight on token i-1
    following = weights.diagonal(offset=1, dim1=-2, dim2=-1).mean(-1)  # (layers, h): mean weight on token i+1
    picks = []
    for name, score in (("previous", previous), ("next", following)):
        layer, head = divmod(int(score.argmax()), score.shape[1])
        picks.append({"pattern": name, "layer": layer, "head": head, "score": float(score[layer, head]),
                      "weights": weights[layer, head].tolist()})
    return {"model": "MiniLM-L6-H384-uncased", "tokens": tokens, "heads": picks}


def run(quick: bool = False) -> dict[str, Any]:
    if pretrained.available():
        return real_heads(SENTENCE)
    tokens = SENTENCE.split()
    x = embed(tokens, 32 if quick else 64)  # (L, d_model)
    _, weights = scaled_dot_product_attention(x, x, x)  # (L, L)
    return {"model": None, "tokens": tokens, "heads": [{"pattern": "similarity", "layer": None, "head": None,
                                                        "score": None, "weights": weights.tolist()}]}


def figures(data: dict[str, Any]) -> list[draw.Figure]:
    zh = i18n.current() == "zh"
    out = []
    for head in data["heads"]:
        if head["layer"] is None:
            title = "未训练的自注意力：Q = K = V = X（行：查询，列：键）" if zh else "Untrained self-attention, Q = K = V = X (rows: queries, columns: keys)"
        else:
            layer, number = head["layer"] + 1, head["head"] + 1  # counted from 1, as bert-layers counts layers
            where = (f"{data['model']} 第 {layer} 层第 {number} 个头" if zh else
                     f"{data['model']} layer {layer}, head {number}")
            what = {"previous": ("关注前一个词元", "attends to the previous token"),
                    "next": ("关注后一个词元", "attends to the next token")}[head["pattern"]]
            title = f"{where}：{what[0]}" if zh else f"{where}: {what[1]}"
        out.append(draw.Heatmap(title, head["weights"], data["tokens"], data["tokens"], corner="q \\ k"))
    return out


def show(data: dict[str, Any]) -> None:
    zh = i18n.current() == "zh"
    draw.show(*figures(data))
    if data["model"] is None:
        note = ("相同的词得到相同的向量，且没有学习到的投影，所以每个词最关注自己和同一个词的其他出现位置。"
                f"安装预训练模型后可看到真实的注意力头：{pretrained.INSTALL}" if zh else
                "Equal words get equal vectors and there are no learned projections, so each token attends most to "
                f"itself and to the other copies of its word. For real heads, install the pretrained model: {pretrained.INSTALL}")
    else:
        prev, following = data["heads"]
        note = (f"每行之和为 1。第一个头平均把 {prev['score']:.0%} 的权重放在前一个词元上，第二个头把 "
                f"{following['score']:.0%} 放在后一个词元上：只看相对位置、不看词义的位置型头（Clark et al. 2019 在 BERT 中发现了这类头）。"
                if zh else
                f"Each row sums to 1. The first head puts {prev['score']:.0%} of its weight on the previous token on average, "
                f"the second {following['score']:.0%} on the next one: positional heads that look at relative position, not "
                "meaning (Clark et al. 2019 found such heads in BERT).")
    console.note(note)


if __name__ == "__main__":
    show(run())
