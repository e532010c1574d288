"""BERT's masking for the masked language model: 80/10/10 on a real sentence pair, its statistics
against the theory, static against dynamic masking, and whole word masking in English and Chinese.
"""

from __future__ import annotations

import math
import random
from typing import Any

import torch

from bertstudy import console
from bertstudy.demos import Words, draw
from bertstudy.reference.pretraining import (
    chinese_word_continuations,
    mask_tokens,
    mask_tokens_fixed_count,
    num_to_predict,
    whole_word_groups,
)
from bertstudy.reference.tokenization import BertTokenizer, basic_tokenize, is_cjk_character

SENTENCE_A = "The man jumped up, put his basket on Philammon's head."  # Google's README example
SENTENCE_B = "Johanson's snowboarding nephews hated the unaffable chaperones."
CHINESE = "使用语言模型来预测下一个词的probability。"  # the Chinese-BERT-wwm README's example
CHINESE_WORDS = ["使用", "语言", "模型", "来", "预测", "下", "一个", "词", "的", "probability", "。"]  # by hand, as LTP would
Z = 5.0  # bounds: 5 standard errors


def kinds(original: list[str], corrupted: list[str], chosen: set[int]) -> list[str]:
    """Per position: "" (not chosen), "mask", "kept" or "random"."""
    return ["" if i not in chosen else "mask" if c == "[MASK]" else "kept" if c == o else "random"
            for i, (o, c) in enumerate(zip(original, corrupted))]


def dynamic_epochs(tokenizer: BertTokenizer, tokens: list[str], epochs: int, gen: torch.Generator) -> list[dict]:
    """The same sequence masked afresh each epoch, as Hugging Face's collator does."""
    ids = torch.tensor([tokenizer.convert_tokens_to_ids(tokens)])  # (1, L)
    special = torch.tensor([[t in ("[CLS]", "[SEP]") for t in tokens]])  # (1, L)
    out = []
    for _ in range(epochs):
        corrupted, labels = mask_tokens(ids, special, tokenizer.mask_token_id, len(tokenizer), 0.15, gen)
        shown = tokenizer.convert_ids_to_tokens(corrupted[0].tolist())
        chosen = set((labels[0] != -100).nonzero().flatten().tolist())
        out.append({"tokens": shown, "kinds": kinds(tokens, shown, chosen)})
    return out


def statistics(tokenizer: BertTokenizer, rows: int, gen: torch.Generator) -> dict[str, Any]:
    """Measured shares over rows × 128 tokens against the theory, and masked counts per sequence."""
    pair = tokenizer.encode(SENTENCE_A, SENTENCE_B)["input_ids"][1:-1]  # the pair's tokens, no specials
    body = (pair * (126 // len(pair) + 1))[:126]
    ids = torch.tensor([[tokenizer.cls_token_id, *body, tokenizer.sep_token_id]] * rows)  # (R, 128)
    special = torch.zeros_like(ids, dtype=torch.bool)
    special[:, 0] = special[:, -1] = True
    v, mask_id = len(tokenizer), tokenizer.mask_token_id
    corrupted, labels = mask_tokens(ids, special, mask_id, v, 0.15, gen)
    selected = labels != -100
    n, m = int((~special).sum()), int(selected.sum())
    became, original = corrupted[selected], ids[selected]  # (m,) each
    rows_out = []
    for name, count, total, p in (
        ("selected", m, n, 0.15),
        ("mask", int((became == mask_id).sum()), m, 0.8 + 0.1 / v),  # a random draw may give [MASK] itself
        ("random", int(((became != mask_id) & (became != original)).sum()), m, 0.1 * (1 - 2 / v)),
        ("kept", int((became == original).sum()), m, 0.1 + 0.1 / v),  # or the original token
    ):
        share = count / total
        bound = Z * math.sqrt(p * (1 - p) / total)
        rows_out.append({"name": name, "measured": share, "expected": p, "bound": bound, "over": total,
                         "within": abs(share - p) <= bound})
    per_row = selected.sum(-1)  # (R,)
    rng = random.Random(0)
    tokens = tokenizer.convert_ids_to_tokens(ids[0].tolist())
    fixed = [len(mask_tokens_fixed_count(tokens, list(tokenizer.vocab), rng).positions) for _ in range(rows)]
    counts = range(41)  # the histogram's bins
    return {
        "tokens": n, "rows": rows, "shares": rows_out,
        "per_sequence": {"bernoulli_mean": per_row.float().mean().item(), "bernoulli_std": per_row.float().std().item(),
                         "bernoulli_theory_std": math.sqrt(126 * 0.15 * 0.85), "fixed_mean": sum(fixed) / rows,
                         "fixed_std": float(torch.tensor(fixed, dtype=torch.float).std()), "fixed_expected": num_to_predict(128)},
        "histogram": {"count": list(counts), "bernoulli": [int((per_row == k).sum()) / rows for k in counts],
                      "fixed": [fixed.count(k) / rows for k in counts]},
    }


def static_vs_dynamic(length: int, epochs: int, gen: torch.Generator) -> dict[str, Any]:
    """The share of tokens the loss has ever seen masked after each epoch, three ways."""
    ids = torch.zeros(1, length, dtype=torch.long)
    special = torch.zeros_like(ids, dtype=torch.bool)

    def draw_mask() -> torch.Tensor:
        return mask_tokens(ids, special, 1, 2, 0.15, gen)[1][0] != -100  # (length,) which tokens were selected

    static = draw_mask()
    copies = [draw_mask() for _ in range(10)]  # Google: dupe_factor = 10 masks, written once
    seen_dynamic = torch.zeros(length, dtype=torch.bool)
    seen_copies = torch.zeros(length, dtype=torch.bool)
    counted = range(1, epochs + 1)  # the epochs, counted from 1
    out = {"epoch": list(counted), "dynamic": [], "theory": [1 - 0.85 ** epoch for epoch in counted],
           "static": [static.float().mean().item()] * epochs, "dupe10": []}
    for epoch in range(epochs):
        seen_dynamic |= draw_mask()
        seen_copies |= copies[epoch % 10]
        out["dynamic"].append(seen_dynamic.float().mean().item())
        out["dupe10"].append(seen_copies.float().mean().item())
    return out


def whole_words(tokens: list[str], vocab_words: list[str], draws: int) -> dict[str, Any]:
    """Per-token against whole word masking (Google's fixed count) on the English pair: examples,
    how often a word is masked only in part, and how often two tokens of segment B are chosen together."""
    groups = [g for g in whole_word_groups(tokens) if len(g) > 1]
    b = list(range(tokens.index("[SEP]") + 1, len(tokens) - 1))
    result: dict[str, Any] = {"tokens": tokens, "b_tokens": [tokens[i] for i in b], "budget": num_to_predict(len(tokens)),
                              "words": [" ".join(tokens[i] for i in g) for g in groups], "examples": {}, "partial": {},
                              "together": {}}
    for name, whole in ("per_token", False), ("whole_word", True):
        rng = random.Random(1)
        examples, partial, touched = [], [0] * len(groups), [0] * len(groups)
        chosen_count = torch.zeros(len(b))
        together = torch.zeros(len(b), len(b))
        for k in range(draws):
            out, positions, _ = mask_tokens_fixed_count(tokens, vocab_words, rng, do_whole_word_mask=whole)
            chosen = set(positions)
            if k < 3:
                examples.append({"tokens": out, "kinds": kinds(tokens, out, chosen)})
            for w, g in enumerate(groups):
                hit = sum(i in chosen for i in g)
                touched[w] += hit > 0
                partial[w] += 0 < hit < len(g)
            flags = torch.tensor([i in chosen for i in b], dtype=torch.float)  # (|B|,)
            chosen_count += flags
            together += flags[:, None] * flags[None, :]  # (|B|, |B|)
        result["examples"][name] = examples
        result["partial"][name] = [p / max(t, 1) for p, t in zip(partial, touched)]
        result["together"][name] = (together / chosen_count.clamp(min=1)[:, None]).tolist()  # P(j chosen | i chosen)
    return result


def chinese(tokenizer: BertTokenizer, examples: int) -> dict[str, Any]:
    """Chinese whole word masking: one token per character, words from a (hand-written) segmentation."""
    tokens = ["[CLS]"]
    for word in basic_tokenize(CHINESE):  # characters, and WordPiece for anything else
        tokens += [word] if is_cjk_character(word[0]) else tokenizer.wordpiece.tokenize(word)
    tokens.append("[SEP]")
    marks = chinese_word_continuations(tokens, CHINESE_WORDS)
    characters = [t for t in tokenizer.vocab if len(t) == 1 and is_cjk_character(t)]
    out = {"tokens": tokens, "words": CHINESE_WORDS, "marked": [("##" + t if m else t) for t, m in zip(tokens, marks)],
           "groups": [[tokens[i] for i in g] for g in whole_word_groups(tokens, marks)], "examples": {}}
    for name, whole in ("per_character", False), ("whole_word", True):
        rng = random.Random(3)
        rows = []
        for _ in range(examples):
            masked, positions, _ = mask_tokens_fixed_count(tokens, characters, rng, 0.3, 20, whole, marks)
            rows.append({"tokens": masked, "kinds": kinds(tokens, masked, set(positions))})
        out["examples"][name] = rows
    return out


def run(quick: bool = False) -> dict[str, Any]:
    tokenizer = BertTokenizer()
    gen = torch.Generator().manual_seed(0)
    tokens = ["[CLS]", *tokenizer.tokenize(SENTENCE_A), "[SEP]", *tokenizer.tokenize(SENTENCE_B), "[SEP]"]
    data = {
        "sentence_a": SENTENCE_A, "sentence_b": SENTENCE_B, "tokens": tokens,
        "dynamic": dynamic_epochs(tokenizer, tokens, 4, gen),
        "statistics": statistics(tokenizer, 200 if quick else 800, gen),
        "epochs": static_vs_dynamic(4000 if quick else 20000, 12 if quick else 20, gen),
        "whole_words": whole_words(tokens, list(tokenizer.vocab), 600 if quick else 3000),
        "chinese": chinese(tokenizer, 3),
    }
    return data | {"findings": findings(data)}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    epochs, hist, ww = data["epochs"], data["statistics"]["histogram"], data["whole_words"]
    shown = ["{} {}".format(i, t) for i, t in enumerate(ww["b_tokens"])]
    columns = [str(i) for i in range(len(shown))]
    return [
        draw.Lines(words("tokens_selected_per_128"),
                   [float(c) for c in hist["count"]],
                   {words("per_token_bernoulli_hf"): hist["bernoulli"],
                    words("fixed_count_google"): hist["fixed"]},
                   x_label=words("tokens_selected"), y_label=words("share_of_sequences")),
        draw.Lines(words("share_of_tokens_masked"),
                   [float(e) for e in epochs["epoch"]], {words("dynamic_measured"): epochs["dynamic"],
                       "1 - 0.85^N": epochs["theory"],
                       words("n10_static_copies_bert"): epochs["dupe10"],
                       words("one_static_mask"): epochs["static"]},
                   x_label=words("epochs_n"), y_label=words("share_2")),
        draw.Heatmap(words("per_token_masking_p"),
                     ww["together"]["per_token"], shown, columns, corner="i \\ j"),
        draw.Heatmap(words("whole_word_masking_the"),
                     ww["together"]["whole_word"], shown, columns, corner="i \\ j"),
    ]


STYLE = {"mask": "accent", "random": "warn", "kept": "ok"}
SUFFIX = {"mask": "", "random": "*", "kept": "="}  # so that the three read apart without colour too


def styled(label: str, row: dict[str, Any]) -> str:
    """A muted label, then the tokens in Rich markup: [MASK] in the accent colour, a random token in
    yellow and starred, a kept one in green with an equals sign."""
    parts = [f"[muted]{console.esc(label)}[/muted]"]
    for token, kind in zip(row["tokens"], row["kinds"]):
        text = console.esc(token)
        parts.append(f"[{STYLE[kind]}]{text}{SUFFIX[kind]}[/{STYLE[kind]}]" if kind else text)
    return " ".join(parts)


def show(data: dict[str, Any], words: Words) -> None:
    out = console.out()
    esc = console.esc
    out.print("[title]" + esc(words("one_sentence_pair_four")) + "[/title]")
    for epoch, row in enumerate(data["dynamic"], start=1):
        out.print(styled(str(epoch), row))
    out.print(words("accent_accent_replaced_by", mask=esc("[MASK]")))
    out.print()
    st = data["statistics"]
    table = draw.table(words("measured_shares_over_candidate", tokens=st['tokens']),
                       [words(k) for k in ("share", "measured", "theory", "bound")] + [""], ["left"] + ["right"] * 4)
    for row in st["shares"]:
        table.add_row(esc(words(f"share_{row['name']}")), f"{row['measured']:.4f}", f"{row['expected']:.4f}",
                      f"±{row['bound']:.4f}", "[ok]✓[/ok]" if row["within"] else "[fail]✗[/fail]")
    out.print(table)
    out.print()
    figs = figures(data, words)
    draw.show(*figs[:2])
    out.print()
    ww = data["whole_words"]
    out.print("[title]" + esc(words("per_token_against_whole", budget=ww['budget'])) + "[/title]")
    for name, label in ("per_token", words("per_token_2")), ("whole_word", words("whole_word_2")):
        for row in ww["examples"][name]:
            out.print(styled(label, row))
    table = draw.table(words("how_often_a_word"), [words(k) for k in ("word", "per_token", "whole_word")],
                       ["left", "right", "right"])
    for word, a, b in zip(ww["words"], ww["partial"]["per_token"], ww["partial"]["whole_word"]):
        table.add_row(esc(word), f"{a:.2f}", f"{b:.2f}")
    out.print(table)
    draw.show(*figs[2:])
    out.print()
    ch = data["chinese"]
    out.print("[title]" + esc(words("chinese_whole_word_masking")) + "[/title]")
    out.print(esc(words("words") + " ".join(ch["words"])))
    out.print(esc(words("marked") + " ".join(ch["marked"][1:-1])))
    for name, label in ("per_character", words("per_character")), ("whole_word", words("whole_word_3")):
        for row in ch["examples"][name]:
            out.print(styled(label, row))


def findings(data: dict[str, Any]) -> list[list]:
    ps, ep = data["statistics"]["per_sequence"], data["epochs"]
    return [["per_sequence", ps],
            ["epochs", {"epochs": ep["epoch"][-1], "dynamic": ep["dynamic"][-1], "theory": ep["theory"][-1]}],
            ["whole_word_blocks", {}], ["chinese_grouping", {}]]
