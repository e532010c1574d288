"""How well the rubric grader agrees with people: a labelled set of answers, graded and compared.

Each label file (YAML) lists answers written by people for short-answer questions, each labelled
good, partial, wrong or misconception. The grader's own label for an answer is: misconception when
a misconception of the rubric is found; else good at a score of at least 0.75, partial from 0.25,
wrong below. Run `python -m bertstudy.quiz.agreement DIR` for the table.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from bertstudy.content.pack import Pack
from bertstudy.quiz import rubric

LABELS = ("good", "partial", "wrong", "misconception")


def predicted_label(result: rubric.RubricResult) -> str:
    if result.misconceptions:
        return "misconception"
    if result.score >= 0.75:
        return "good"
    return "partial" if result.score >= 0.25 else "wrong"


@dataclass
class Judged:
    question: str
    lang: str
    text: str
    label: str
    predicted: str
    score: float


def judge(pack: Pack, folder: Path) -> list[Judged]:
    """Every labelled answer in `folder`'s YAML files, with the grader's label beside it."""
    out = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in data["answers"]:
            question = pack.questions[item["question"]]
            if item["label"] not in LABELS or question.rubric is None:
                raise ValueError(f"{path.name}: {item['question']}: label must be one of {LABELS} on a question with a rubric")
            result = rubric.grade(question.rubric, item["text"])
            out.append(Judged(item["question"], item["lang"], item["text"], item["label"], predicted_label(result), result.score))
    return out


def report(judged: list[Judged]) -> dict:
    agree = sum(j.label == j.predicted for j in judged)
    by_label = {label: (sum(j.label == j.predicted for j in judged if j.label == label), sum(j.label == label for j in judged))
                for label in LABELS}
    by_lang = {lang: (sum(j.label == j.predicted for j in judged if j.lang == lang), n) for lang, n in Counter(j.lang for j in judged).items()}
    return {"answers": len(judged), "agreement": agree / len(judged) if judged else 0.0, "by_label": by_label, "by_lang": by_lang}


def main() -> None:
    from bertstudy.content import pack as packs

    folder = Path(sys.argv[1])
    judged = judge(packs.load(packs.builtin_dir()), folder)
    summary = report(judged)
    for j in judged:
        if j.label != j.predicted:
            print(f"DISAGREE {j.question} [{j.lang}] labelled {j.label}, graded {j.predicted} ({j.score:.2f}): {j.text[:100]}")
    print(f"{summary['answers']} answers, agreement {summary['agreement']:.1%}")
    for label, (ok, n) in summary["by_label"].items():
        print(f"  {label:<13} {ok}/{n}")
    for lang, (ok, n) in summary["by_lang"].items():
        print(f"  {lang:<13} {ok}/{n}")


if __name__ == "__main__":
    main()
