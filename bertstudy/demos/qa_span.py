"""From start and end logits to an answer span, as SQuAD decoding does it, and why the naive way fails."""

from __future__ import annotations

from typing import Any

import torch

from bertstudy import console
from bertstudy.demos import Words, draw
from bertstudy.reference.finetuning import decode_answer, qa_best_span, span_scores
from bertstudy.reference.tokenization import BertTokenizer

PASSAGE = "Google published the BERT paper in October 2018, and it won the best long paper award at NAACL in 2019."
QUESTIONS = [
    {"question": "When was the BERT paper published?",
     # (token, which occurrence in the passage or "question", start bump, end bump)
     "peaks": [("2019", 0, 5.5, 1.5), ("2018", 0, 0.5, 4.2), ("bert", "question", 4.4, 0.0),
               ("google", 0, 4.6, 0.0), ("october", 0, 4.0, 0.5), ("paper", 0, 0.0, 3.0),
               ("[CLS]", "question", 1.0, 1.5)]},
    {"question": "Who won the award in 2020?",
     "peaks": [("[CLS]", "question", 3.5, 3.0), ("2019", 0, 2.5, 2.8), ("google", 0, 1.5, 0.0),
               ("award", 0, 0.0, 1.2)]},
]
MAX_ANSWER_LENGTH = 5
THRESHOLDS = (-2.0, 0.0, 2.0)  # null_score_diff_threshold values to compare (Google's default is 0.0)
SHOWN_SPANS = 8  # the highest-scoring spans listed with the rule they break
NOISE = 0.3


def made_up_logits(tokens: list[str], in_passage: list[bool], peaks: list[tuple], seed: int
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded noise, plus each peak's bumps on its token: the n-th occurrence in the passage, or the
    occurrence in the question part ([CLS] counts as part of it)."""
    gen = torch.Generator().manual_seed(seed)
    start, end = (NOISE * torch.randn(len(tokens), generator=gen) for _ in range(2))  # (L,) each
    for token, where, start_bump, end_bump in peaks:
        matches = [i for i, t in enumerate(tokens) if t == token and in_passage[i] == (where != "question")]
        position = matches[0 if where == "question" else where]
        start[position] += start_bump
        end[position] += end_bump
    return start, end


def why_invalid(i: int, j: int, in_passage: list[bool], max_answer_length: int) -> str | None:
    """The first rule the span (i, j) breaks (the pack's word `reason_<rule>` says it), or None when it is valid."""
    if j < i:
        return "end_before_start"
    if not (in_passage[i] and in_passage[j]):
        return "outside_passage"
    if j - i + 1 > max_answer_length:
        return "too_long"
    return None


def decode(tokenizer: BertTokenizer, question: dict[str, Any], seed: int) -> dict[str, Any]:
    q, p = tokenizer.tokenize(question["question"]), tokenizer.tokenize(PASSAGE)
    tokens = [tokenizer.cls_token, *q, tokenizer.sep_token, *p, tokenizer.sep_token]
    in_passage = [False] * (len(q) + 2) + [True] * len(p) + [False]  # True on the passage's tokens
    start, end = made_up_logits(tokens, in_passage, question["peaks"], seed)
    mask = torch.tensor(in_passage)
    answer = decode_answer(start, end, mask, MAX_ANSWER_LENGTH)
    naive = (int(start.argmax()), int(end.argmax()))
    raw = start.unsqueeze(1) + end.unsqueeze(0)  # (L, L): every pair, valid or not
    ranked = sorted(((raw[i, j].item(), i, j) for i in range(len(tokens)) for j in range(len(tokens))), reverse=True)
    top = [{"start": i, "end": j, "score": s, "problem": why_invalid(i, j, in_passage, MAX_ANSWER_LENGTH)}
           for s, i, j in ranked[:SHOWN_SPANS]]
    valid = torch.isfinite(span_scores(start, end, mask, MAX_ANSWER_LENGTH))  # (L, L)
    decisions = [{"threshold": t, "span": list(qa_best_span(start, end, mask, MAX_ANSWER_LENGTH, t))} for t in THRESHOLDS]
    return {
        "question": question["question"], "tokens": tokens, "in_passage": in_passage,
        "start_logits": start.tolist(), "end_logits": end.tolist(),
        "naive": list(naive), "naive_problem": why_invalid(*naive, in_passage, MAX_ANSWER_LENGTH),
        "best": [answer.best_start, answer.best_end], "best_score": answer.best_score,
        "null_score": answer.null_score, "top_spans": top, "n_valid": int(valid.sum()),
        "n_pairs": len(tokens) ** 2, "decisions": decisions,
    }


def run(quick: bool = False) -> dict[str, Any]:
    """quick changes nothing: nothing is trained, decoding takes milliseconds."""
    tokenizer = BertTokenizer()
    data = {"passage": PASSAGE, "max_answer_length": MAX_ANSWER_LENGTH,
            "examples": [decode(tokenizer, q, seed=n) for n, q in enumerate(QUESTIONS)]}
    return data | {"findings": findings(data)}


def _text(example: dict[str, Any], span: list[int]) -> str:
    return " ".join(example["tokens"][span[0]:span[1] + 1]).replace(" ##", "")


def span_map(example: dict[str, Any], max_answer_length: int, labelled: bool = False) -> list[str]:
    """One line per start position, one character per end position. labelled: each line starts
    with its position and token, under a ruler that numbers every fifth end position (for the
    terminal; the PNG keeps to the symbols)."""
    tokens, in_passage = example["tokens"], example["in_passage"]
    width = max(len(t) for t in tokens) + 3
    marks = {tuple(example["naive"]): "naive", tuple(example["best"]): "best"}  # best wins where they coincide
    lines = []
    if labelled:
        ruler = "".join(f"{j:<5}" for j in range(0, len(tokens), 5))  # each fifth position's number over it
        lines.append(" " * (width + 1) + ruler[:len(tokens)])
    for i, token in enumerate(tokens):
        row = (MAP[marks.get((i, j)) or why_invalid(i, j, in_passage, max_answer_length) or "valid"]
               for j in range(len(tokens)))
        lines.append((f"{i:>2} {token:>{width - 3}} " if labelled else "") + "".join(row))
    return lines


MAP = {"best": "●", "naive": "✕", "valid": "·", "end_before_start": " ", "outside_passage": "░", "too_long": "▒"}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    first = data["examples"][0]
    logits = draw.Heatmap(words("start_and_end_logits"),
                          [[s, e] for s, e in zip(first["start_logits"], first["end_logits"])],
                          [f"{i} {t}" for i, t in enumerate(first["tokens"])],
                          [words("start"), words("end")], corner=words("token"))
    legend = {MAP["best"]: words("best_valid_span"),
              MAP["naive"]: words("separate_argmax_of_start"),
              MAP["valid"]: words("valid_span"),
              MAP["outside_passage"]: words("an_end_outside_the"),
              MAP["too_long"]: words("more_than_tokens", max_answer_length=data['max_answer_length']),
              MAP["end_before_start"]: words("end_before_start_blank")}
    return [logits, draw.Chars(words("every_start_end_pair"), span_map(first, data["max_answer_length"]), legend)]


def show(data: dict[str, Any], words: Words) -> None:
    out = console.out()
    first, second = data["examples"]
    out.print(f"[title]{console.esc(words('question') + first['question'])}[/title]")
    out.print(console.esc(words("passage") + data["passage"]))
    logits, grid = figures(data, words)
    draw.show(logits)
    table = draw.table(words("the_spans_with_the"), [words(k) for k in ("start", "end", "span", "score", "verdict")],
                       overflow="fold")  # Chinese has no spaces to wrap at
    for span in first["top_spans"]:
        reason = span["problem"]
        verdict = (f"[fail]{words('reason_' + reason)}[/fail]" if reason else
                   f"[ok]{words('valid_the_answer')}[/ok]" if [span["start"], span["end"]] == first["best"] else
                   f"[muted]{words('valid_lower_score')}[/muted]")
        text = _text(first, [span["start"], span["end"]]) if span["start"] <= span["end"] else "—"
        table.add_row(str(span["start"]), str(span["end"]), console.esc(text), f"{span['score']:.2f}", verdict)
    out.print(table)
    out.print()
    # the span map again, each row with its position and token and a ruler over the columns, for the terminal
    draw.show(draw.Chars(words("every_start_end_pair_2"), span_map(first, data["max_answer_length"], labelled=True),
                         grid.legend))
    out.print()

    out.print(f"[title]{console.esc(words('squad_2_0_question') + second['question'])}[/title]")
    headers = [words("threshold"), words("null_score_best_score"), words("prediction")]
    table = draw.table(words("no_answer_the_cls"), headers, "right")
    diff = second["null_score"] - second["best_score"]
    for decision in second["decisions"]:
        span = decision["span"]
        prediction = words("no_answer_0_0") if span == [0, 0] else f"“{_text(second, span)}” {tuple(span)}"
        table.add_row(f"{decision['threshold']:g}", f"{diff:.2f}", console.esc(prediction))
    out.print(table)


def findings(data: dict[str, Any]) -> list[list]:
    first, second = data["examples"]
    naive, best = first["naive"], first["best"]
    tokens = first["tokens"]
    argmaxes = {"start": naive[0], "start_token": tokens[naive[0]], "end": naive[1], "end_token": tokens[naive[1]],
                "pairs": first["n_pairs"], "valid": first["n_valid"], "best_start": best[0], "best_end": best[1],
                "best_text": _text(first, best), "best_score": first["best_score"]}
    return [[f"argmax_{first['naive_problem'] or 'valid'}", argmaxes],
            ["no_answer", {"null_score": second["null_score"], "best_text": _text(second, second["best"]),
                           "best_score": second["best_score"]}]]
