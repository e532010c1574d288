"""The pack's glossary (`glossary.yaml`): one word for each idea, and warnings where a text uses a
word for an idea the glossary gives another word.

The Chinese texts, for example, keep 片段 for BERT's segments A and B. A glossary term lists the
words to avoid for its idea and the patterns that show a sentence is about that idea (片段 near
WordPiece or ## means a subword, so write 子词); a term may also list the patterns that fix its own
word in its own meaning where it stands (片段 A, 片段嵌入), which no warning overrides. Every text
a learner reads (each `en` / `zh` of a bilingual text) is checked, sentence by sentence; rubric
phrases, accepted answers and code are not, since they match what learners write.

Leaves out: any understanding of the sentence beyond its patterns. A misuse the patterns do not
anticipate is not found, so the glossary grows with the content it checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bertstudy.content.schema import Glossary, Term
from bertstudy.errors import ContentError

FILE = "glossary.yaml"
_SENTENCE = re.compile(r"[^。；！？!?\n]+")
_CHECKED = ("curriculum/*.yaml", "quizzes/*.yaml", "exercises/*/exercise.yaml", "demos/*.yaml")


@dataclass(frozen=True)
class Usage:
    """A word used where the glossary gives another: which word, for which term, where."""

    word: str
    term: Term
    owner: Term | None  # the term whose own word `word` is
    sentence: str
    at: int  # where in the sentence


def load(root: Path) -> tuple[Glossary | None, list[ContentError]]:
    """The pack's glossary (None when it has none) and the problems of its file."""
    from bertstudy.content import yamlsource
    from bertstudy.content.convert import Collector

    path = root / FILE
    if not path.is_file():
        return None, []
    try:
        doc = yamlsource.load(path, FILE)
    except ContentError as exc:
        return None, [exc]
    collector = Collector(doc)
    glossary = collector.build(Glossary, doc.data)
    return glossary, collector.errors


def misuses(glossary: Glossary, text: str) -> list[tuple[int, Usage]]:
    """Each place (character offset) where `text` uses a word the glossary says to avoid there.
    When the sentences of several terms match, the term whose pattern stands nearest wins."""
    owners = {t.zh: t for t in glossary.terms}
    words = {a.word for t in glossary.terms for a in t.avoid}
    found = []
    for sentence in _SENTENCE.finditer(text):
        body = sentence.group()
        for word in words:
            owner = owners.get(word)
            marked = [m.span() for p in (owner.marks if owner else []) for m in re.finditer(p, body)]
            for hit in re.finditer(re.escape(word), body):
                if any(a <= hit.start() < b for a, b in marked):
                    continue
                near = [(_distance(hit.span(), m.span()), term) for term in glossary.terms for a in term.avoid
                        if a.word == word for p in a.when for m in re.finditer(p, body)]
                if near:
                    term = min(near, key=lambda n: n[0])[1]
                    found.append((sentence.start() + hit.start(), Usage(word, term, owner, body.strip(), hit.start())))
    return sorted(found, key=lambda f: f[0])


def _distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, b[0] - a[1], a[0] - b[1])


def check(root: Path) -> tuple[list[ContentError], list[ContentError]]:
    """The glossary file's problems, and a warning for every misused word in the pack's texts."""
    from bertstudy.content import yamlsource

    glossary, problems = load(root)
    if glossary is None or problems:
        return problems, []
    warnings = []
    for pattern in _CHECKED:
        for path in sorted(root.glob(pattern)):
            rel = str(path.relative_to(root))
            try:
                doc = yamlsource.load(path, rel)
            except ContentError:
                continue  # collect() reports it
            for key_path, text in _texts(doc.data, ()):
                for at, usage in misuses(glossary, text):
                    warnings.append(_warning(doc, key_path, text, at, usage))
    return [], warnings


def _texts(data: Any, path: tuple) -> list[tuple[tuple, str]]:
    """Every text a learner reads: the `en` and `zh` strings of the bilingual mappings."""
    if isinstance(data, dict):
        if isinstance(data.get("en"), str) and isinstance(data.get("zh"), str):
            return [(path + (lang,), data[lang]) for lang in ("en", "zh")]
        return [t for key, value in data.items() for t in _texts(value, path + (str(key),))]
    if isinstance(data, list):
        return [t for i, value in enumerate(data) for t in _texts(value, path + (i,))]
    return []


def _warning(doc, key_path: tuple, text: str, at: int, usage: Usage) -> ContentError:
    error = doc.error(key_path, "")
    line = error.line
    if line is not None and "\n" in text.rstrip("\n"):  # a block scalar: its text starts below the key
        line += 1 + text.count("\n", 0, at)
    kept = f" ({usage.word} is kept for {usage.owner.en})" if usage.owner else ""
    message = (f"'{usage.word}' here means {usage.term.en}; write {usage.term.zh}{kept}: "
               f"…{usage.sentence[max(0, usage.at - 18): usage.at + len(usage.word) + 18]}…")
    return ContentError(doc.file, line, error.key, message)
