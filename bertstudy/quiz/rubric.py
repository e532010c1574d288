"""Grading free text against a concept rubric, without a language model.

A concept is found when any of its phrases occurs in the normalised answer (NFKC, case-folded,
punctuation turned into spaces); a phrase starting with `re:` is a regular expression; a single
English word also matches a close misspelling. Misconception phrases cost their penalty.
Leaves out: paraphrases no phrase anticipates (hence the self-rating on open questions).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from bertstudy.content.schema import Rubric

_PUNCT = re.compile(r"[^\w\s√²·+\-*/=()]+")
_CJK = re.compile(r"[\u3400-\u9fff]")


_DASHES = str.maketrans({"\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-"})


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).casefold()
    return " ".join(_PUNCT.sub(" ", text).split())


def _found(phrase: str, answer: str, words: list[str]) -> bool:
    if phrase.startswith("re:"):
        return re.search(phrase[3:], answer, flags=re.IGNORECASE) is not None
    target = normalise(phrase)
    if not target:
        return False
    if _CJK.search(target):
        return target.replace(" ", "") in answer.replace(" ", "")
    if re.search(rf"(?<!\w){re.escape(target)}", answer):
        return True
    if " " not in target and len(target) >= 6:  # one typo in a long word
        return any(difflib.SequenceMatcher(None, target, w).ratio() >= 0.86 for w in words)
    return False


@dataclass
class RubricResult:
    score: float
    found: list[str]  # concept ids
    missing: list[str]
    misconceptions: list[str]


def grade(rubric: Rubric, answer: str) -> RubricResult:
    text = normalise(answer)
    words = text.split()
    total = sum(c.weight for c in rubric.concepts)
    found = [c.id for c in rubric.concepts if any(_found(p, text, words) for p in c.any)]
    missing = [c.id for c in rubric.concepts if c.id not in found]
    wrong = [m.id for m in rubric.misconceptions if any(_found(p, text, words) for p in m.any)]
    gained = sum(c.weight for c in rubric.concepts if c.id in found) / total
    penalty = sum(m.penalty for m in rubric.misconceptions if m.id in wrong)
    return RubricResult(max(0.0, gained - penalty), found, missing, wrong)
