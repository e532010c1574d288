"""How well the rubric grader agrees with people: labelled answers, graded and compared.

A label file (YAML, format_version 2) lists answers to short and open questions, each with its
language, its type (paraphrase, terse, negated, keywords, misconception, partial, ...) and a label:
`pass` when an examiner accepts it as correct, `fail` otherwise. The grader passes an answer when
its verdict is correct. Agreement is the share of answers where the two concur; recall is the share
of `pass` answers the grader passes, specificity the share of `fail` answers it fails.

Run `python -m bertstudy.quiz.agreement DIR [DIR ...] [--show]` for the table of the answers under
the folders together (and, with --show, every disagreement with the grader's reasons).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from bertstudy.content.pack import Pack
from bertstudy.quiz import rubric

LABELS = ("pass", "fail")
# The labelled sets under tests/data/free-text: the rubrics were tuned on the first until every
# answer agreed; the held-apart ones were never read while tuning, only measured.
TUNED_ON = ("dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "dev9", "dev10", "dev11", "dev12", "dev13", "dev14", "dev15", "dev16", "dev17", "dev18", "dev19", "dev20", "dev21", "earlier")
HELD_APART = ("heldout", "heldout2", "heldout3")


@dataclass
class Judged:
    question: str
    lang: str
    type: str
    text: str
    label: str
    predicted: str
    result: rubric.RubricResult
    file: str

    @property
    def agrees(self) -> bool:
        return self.label == self.predicted


def load(folder: Path) -> list[dict]:
    """Every labelled answer in the YAML files under `folder` (or in the one file `folder`)."""
    items = []
    for path in sorted(folder.rglob("*.yaml")) if folder.is_dir() else [folder]:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data.get("format_version") != 2:
            raise ValueError(f"{path}: expected format_version 2")
        for i, item in enumerate(data["answers"]):
            if item.get("label") not in LABELS or item.get("lang") not in ("en", "zh") or not str(item.get("text", "")).strip():
                raise ValueError(f"{path}: answer {i + 1}: needs lang en|zh, a label pass|fail and a text")
            items.append({**item, "file": str(path)})
    return items


def judge(pack: Pack, folder: Path) -> list[Judged]:
    """Every labelled answer under `folder`, with the grader's verdict beside it."""
    out = []
    for item in load(folder):
        question = pack.questions.get(item["question"])
        if question is None or question.rubric is None:
            raise ValueError(f"{item['file']}: {item['question']} is not a question with a rubric")
        result = rubric.grade(question.rubric, item["text"])
        out.append(Judged(item["question"], item["lang"], item.get("type", ""), item["text"], item["label"],
                          "pass" if result.correct else "fail", result, item["file"]))
    return out


def scores(judged: list[Judged]) -> dict:
    """Agreement, recall (of pass labels) and specificity (of fail labels), with their counts."""
    positive = [j for j in judged if j.label == "pass"]
    negative = [j for j in judged if j.label == "fail"]
    return {
        "answers": len(judged),
        "agreement": _rate(judged), "recall": _rate(positive), "specificity": _rate(negative),
        "counts": {"agree": sum(j.agrees for j in judged), "pass": len(positive), "fail": len(negative)},
    }


def _rate(judged: list[Judged]) -> float:
    return sum(j.agrees for j in judged) / len(judged) if judged else float("nan")


def report(judged: list[Judged]) -> dict:
    """Scores overall, per language and per answer type."""
    by: dict[str, dict[str, list[Judged]]] = {"lang": defaultdict(list), "type": defaultdict(list)}
    for j in judged:
        by["lang"][j.lang].append(j)
        by["type"][j.type].append(j)
    return {"all": scores(judged), **{key: {k: scores(v) for k, v in sorted(groups.items())} for key, groups in by.items()}}


def why(j: Judged) -> str:
    """The grader's reasons for one answer, on one line."""
    parts = [f"{p.id}{'' if p.required else '?'}={p.status}" + "".join(f" [{v}]" for v in (p.cue, p.words) if v)
             for p in j.result.points]
    parts += [f"misconception {m.id} in sentence {m.sentence}" for m in j.result.misconceptions]
    return "; ".join(parts)


def table(summary: dict) -> str:
    rows = [("all", summary["all"])] + [(k, v) for k, v in summary["lang"].items()] + [(k, v) for k, v in summary["type"].items()]
    lines = [f"{'':<20}{'answers':>8}{'agreement':>11}{'recall':>9}{'specificity':>13}"]
    for name, s in rows:
        lines.append(f"{name:<20}{s['answers']:>8}{s['agreement']:>11.3f}{s['recall']:>9.3f}{s['specificity']:>13.3f}")
    return "\n".join(lines).replace("nan", "  -")


def main() -> None:
    from bertstudy.content import pack as packs
    from bertstudy.paths import builtin_pack

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+", metavar="folder")
    parser.add_argument("--show", action="store_true", help="list every disagreement with the grader's reasons")
    args = parser.parse_args()
    pack = packs.load(builtin_pack())
    judged = [j for folder in args.folders for j in judge(pack, folder)]
    if args.show:
        for j in judged:
            if not j.agrees:
                print(f"{j.question} [{j.lang} {j.type}] labelled {j.label}: {j.text}\n    -> {why(j)}")
    print(table(report(judged)))


if __name__ == "__main__":
    main()
