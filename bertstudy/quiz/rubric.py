"""Grading free text against a rubric of claims, without a language model.

A rubric lists points, the claims a full answer makes (the `required` ones are the essentials, the
others support them), and misconceptions, the wrong claims learners make. A point is one or more
parts that must all be asserted in the same sentence (`all`; `any` is a point of one part), so a
relation such as "the variance grows with d_k" needs its words together, not scattered over a list.
Each part is a list of alternative phrases: words (a CJK phrase ignores spaces; a long English word
also matches one typo), `re:` and a regular expression, or either behind `not:`, which is asserted
only where it stands negated ("the encoder has no causal mask"). A phrase is asserted where it is
found outside the scope of a negation (claims.py); a cue inside the found words counts too, unless
the phrase spells it out itself ("doesn't depend on the batch"), and a shorter match of the phrase
that stops before such a cue is asserted ("attention runs in parallel, an RNN does not run in
parallel"). A point's `reversed` phrases state it the wrong way round.

The verdict: correct when every required point is asserted, none is reversed and no misconception
is asserted. Otherwise the score is the share of required points (three quarters) and supporting
points (a quarter) asserted, less each error's penalty. Every point says which sentence asserted it,
or why none did: denied (and by which cue), only named in a list of terms, found without its
relation, or absent.
Leaves out: paraphrases no phrase anticipates (hence the self-rating on open questions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from bertstudy.content.schema import Concept, Misconception, Rubric
from bertstudy.quiz import claims

REVERSED_PENALTY = 0.5


@dataclass(frozen=True)
class Found:
    """One phrase found in one sentence."""

    sentence: claims.Sentence
    start: int
    end: int
    asserted: bool
    cue: str | None  # the negation that decided it, if any


@dataclass
class Point:
    """What the answer did with one point (or misconception) of the rubric."""

    id: str
    required: bool
    status: str  # asserted | denied | reversed | listed | unrelated | missing
    sentence: int | None = None  # from 1
    evidence: str | None = None  # the sentence as written
    cue: str | None = None  # denied: the negation that denies it
    words: str | None = None  # reversed: the words that reverse it; unrelated: a part it lacks

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class RubricResult:
    score: float
    correct: bool
    points: list[Point]
    misconceptions: list[Point] = field(default_factory=list)  # the asserted ones


def grade(rubric: Rubric, answer: str) -> RubricResult:
    sentences = claims.sentences(answer)
    points = [_point(c, sentences) for c in rubric.concepts]
    wrong = [p for p in (_misconception(m, sentences) for m in rubric.misconceptions) if p.status == "asserted"]
    required = [(c, p) for c, p in zip(rubric.concepts, points) if c.required]
    supporting = [(c, p) for c, p in zip(rubric.concepts, points) if not c.required]
    reversed_ = [p for p in points if p.status == "reversed"]
    complete = all(p.status == "asserted" for _, p in required)
    score = 1.0 if complete else 0.75 * _share(required) + 0.25 * _share(supporting)
    penalty = sum(m.penalty for m in rubric.misconceptions if m.id in {p.id for p in wrong}) + REVERSED_PENALTY * len(reversed_)
    correct = complete and not wrong and not reversed_
    return RubricResult(max(0.0, min(score, 1.0) - penalty) if not correct else 1.0, correct, points, wrong)


def _share(pairs: list[tuple[Concept, Point]]) -> float:
    total = sum(c.weight for c, _ in pairs)
    return sum(c.weight for c, p in pairs if p.status == "asserted") / total if total else 0.0


def _point(concept: Concept, sentences: tuple[claims.Sentence, ...]) -> Point:
    for phrase in concept.reversed:
        hit = next((f for s in sentences for f in _find(phrase, s) if f.asserted), None)
        if hit:
            return Point(concept.id, concept.required, "reversed", hit.sentence.index, hit.sentence.text,
                         words=hit.sentence.norm[hit.start:hit.end])
    return _claim(concept.id, concept.required, concept.parts, sentences)


def _misconception(m: Misconception, sentences: tuple[claims.Sentence, ...]) -> Point:
    return _claim(m.id, False, m.parts, sentences)


_RANK = {"asserted": 0, "denied": 1, "listed": 2, "unrelated": 3, "missing": 4}


def _claim(cid: str, required: bool, parts: list[list[str]], sentences: tuple[claims.Sentence, ...]) -> Point:
    """The best reading of a claim over the sentences: asserted in one, else denied, else found in
    part, else missing."""
    best = Point(cid, required, "missing")
    for sentence in sentences:
        found = [[f for phrase in part for f in _find(phrase, sentence)] for part in parts]
        point = Point(cid, required, "asserted", sentence.index, sentence.text)
        if all(any(f.asserted for f in part) for part in found):
            pass
        elif all(found) and sentence.listing:
            point.status = "listed"
        elif all(found):
            point.status = "denied"
            point.cue = next((f.cue for part in found if not any(f.asserted for f in part) for f in part if f.cue), None)
        elif any(found):
            point.status = "unrelated"
            point.words = _hint(next(part for part, hits in zip(parts, found) if not hits), sentence)
        else:
            continue
        if _RANK[point.status] < _RANK[best.status]:
            best = point
    return best


def _hint(part: list[str], sentence: claims.Sentence) -> str:
    """A word of the part the sentence lacks, to show the learner: a plain phrase (not a regular
    expression), in Chinese where the sentence is, else the first phrase as written."""
    plain = [p.removeprefix("not:") for p in part if not p.removeprefix("not:").startswith("re:")]
    zh = bool(claims.CJK.search(sentence.text))
    fitting = [p for p in plain if bool(claims.CJK.search(p)) == zh]
    return (fitting or plain or [part[0].removeprefix("not:").removeprefix("re:")])[0]


def _find(phrase: str, sentence: claims.Sentence) -> list[Found]:
    pattern, negative, explicit, fuzzy = _compiled(phrase)
    spans = [m.span() for m in pattern.finditer(sentence.norm) if m.end() > m.start()]
    if not spans and fuzzy:
        spans = [w.span() for w in re.finditer(r"\w+", sentence.norm) if _one_typo(fuzzy, w.group())]
    spells = explicit and not negative  # a `not:` phrase counts every cue
    out = []
    for start, end in spans:
        cues = _denials(pattern, spells, sentence, start, end)
        inner = [c.start for c in cues if start < c.start < end]
        if len(cues) % 2 and not negative and inner:  # "A is X, B is not X": a shorter match may stop before the cue
            shorter = pattern.match(sentence.norm, start, min(inner))
            if shorter and shorter.end() > start:
                end = shorter.end()
                cues = _denials(pattern, spells, sentence, start, end)
        negated = len(cues) % 2 == 1
        out.append(Found(sentence, start, end, negated == negative and not sentence.listing, cues[0].text if cues else None))
    return out


def _denials(pattern: re.Pattern, spells: bool, sentence: claims.Sentence, start: int, end: int) -> list[claims.Cue]:
    """The cues that deny the words found at [start, end), of a phrase that `spells` a negation or not."""
    cues = sentence.negations(start, end)
    return _beside_its_own(cues, pattern, sentence.norm, start, end) if spells else cues


def _beside_its_own(cues: list[claims.Cue], pattern: re.Pattern, norm: str, start: int, end: int) -> list[claims.Cue]:
    """The cues that deny a phrase which spells a negation out itself: those outside the found
    words, and those inside that the phrase does not need and that reach its end ("padding 不会让
    batch 统计量噪声大"). Where the phrase's own negation was met by a cue that stops short of the
    end ("梯度不再只是连乘，不会随深度消失"), the next cue that reaches the end plays its part."""
    inside = [c for c in cues if c.start < end and c.end > start]
    spelled = {c for c in inside if _spelled(pattern, norm, start, end, c)}
    short = sum(1 for c in spelled if c.scope[1] < end)
    reaching = [c for c in inside if c not in spelled and c.scope[1] >= end]
    return [c for c in cues if c not in inside] + reaching[short:]


def _spelled(pattern: re.Pattern, norm: str, start: int, end: int, cue: claims.Cue) -> bool:
    """Whether the phrase spells the cue: the found words need it (blanked out, they no longer
    match: "doesn't depend on the batch"), or the phrase also matches from the cue on ("去掉 NSP，无
    NSP ≥ 有 NSP"). "padding 不会让 batch 统计量噪声大" matches "padding ... 噪声大" without its 不会,
    so there 不会 denies."""
    blank = norm[:cue.start] + "x" * (cue.end - cue.start) + norm[cue.end:]
    return pattern.fullmatch(blank, start, end) is None or pattern.match(norm, cue.start) is not None


def _one_typo(word: str, written: str) -> bool:
    """Whether `written` is `word` with one letter added, dropped, changed, or two swapped."""
    if abs(len(word) - len(written)) > 1 or word == written:
        return False
    i = next((i for i, (a, b) in enumerate(zip(word, written)) if a != b), min(len(word), len(written)))
    if len(word) == len(written):
        return word[i + 1:] == written[i + 1:] or (word[i + 2:] == written[i + 2:] and word[i:i + 2] == written[i + 1::-1][:2])
    longer, shorter = (word, written) if len(word) > len(written) else (written, word)
    return longer[i + 1:] == shorter[i:]


@lru_cache(maxsize=4096)
def _compiled(phrase: str) -> tuple[re.Pattern, bool, bool, str | None]:
    """The phrase's pattern; whether it is a `not:` phrase; whether it spells out a negation; and
    the one long English word a typo of which also counts."""
    negative = phrase.startswith("not:")
    body = phrase.removeprefix("not:")
    if body.startswith("re:"):
        return re.compile(body[3:], re.IGNORECASE), negative, claims.mentions_negation(body[3:]), None
    target = claims.normalise(body)
    if claims.CJK.search(target):
        pattern = r"\s?".join(re.escape(ch) for ch in target.replace(" ", ""))
    else:
        pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in target.split())
    fuzzy = target if " " not in target and len(target) >= 6 and not claims.CJK.search(target) else None
    return re.compile(pattern), negative, claims.mentions_negation(target), fuzzy
