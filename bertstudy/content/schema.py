"""The shape of a content pack: topics, questions and exercises, as typed dataclasses.

These classes are the schema (see docs/content-format.md); `convert.Collector` fills them from
YAML and each `problems()` adds the rules a type hint cannot say. Leaves out: loading (pack.py)
and grading (the quiz and exercises services).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

FORMAT_VERSION = 1
TOPIC_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
PY_CLASS = re.compile(r"^[A-Z][A-Za-z0-9_]*$")
PY_ID = re.compile(r"^[a-z_][a-z0-9_]*$")
Problems = list[tuple[tuple[str | int, ...], str]]
DERIVED = {"derived": True}  # set by the loader, never written in YAML


@dataclass(frozen=True)
class Text:
    """A text a learner reads, in both languages."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Formula:
    label: Text
    text: str


@dataclass(frozen=True)
class Resource:
    title: str
    url: str
    kind: Literal["paper", "article", "book", "video", "course", "code"]
    lang: Literal["en", "zh"] = "en"

    def problems(self) -> Problems:
        if not re.match(r"^https?://[^\s/]+\.[^\s]+$", self.url):
            return [(("url",), f"'{self.url}' is not a web address; write it as https://...")]
        return []


@dataclass
class Topic:
    id: str
    title: Text
    summary: Text
    minutes: int
    notes: Text
    format_version: int
    prerequisites: list[str] = field(default_factory=list)
    formulas: list[Formula] = field(default_factory=list)
    misconceptions: list[Text] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    demos: list[str] = field(default_factory=list)
    exercises: list[str] = field(default_factory=list, metadata=DERIVED)  # from each exercise's `topic`
    file: str = field(default="", metadata=DERIVED)

    def problems(self) -> Problems:
        out: Problems = _version(self.format_version)
        if not TOPIC_ID.match(self.id):
            out.append((("id",), f"'{self.id}' is not a topic id; use lower-case letters, digits and '-'"))
        if self.minutes <= 0:
            out.append((("minutes",), "must be a positive number of minutes"))
        if self.id in self.prerequisites:
            out.append((("prerequisites",), "a topic cannot be its own prerequisite"))
        return out


@dataclass(frozen=True)
class Choice:
    text: Text
    correct: bool
    explain: Text


@dataclass(frozen=True)
class Concept:
    """A point of a rubric: a claim, asserted when all its parts are asserted in one sentence."""

    id: str
    label: Text
    any: list[str] = field(default_factory=list)  # one part: alternative phrases
    all: list[list[str]] = field(default_factory=list)  # several parts, all in the same sentence
    required: bool = True  # an essential point; the others support it
    weight: float = 1.0
    reversed: list[str] = field(default_factory=list)  # phrases that state the point the wrong way round

    @property
    def parts(self) -> list[list[str]]:
        return self.all or [self.any]

    def problems(self) -> Problems:
        return (_claim(self.any, self.all) + _patterns(self.reversed, "reversed")
                + ([(("weight",), "must be positive")] if self.weight <= 0 else []))


@dataclass(frozen=True)
class Misconception:
    """A wrong claim; asserting it costs its penalty and the verdict."""

    id: str
    explain: Text
    any: list[str] = field(default_factory=list)
    all: list[list[str]] = field(default_factory=list)
    penalty: float = 0.5

    @property
    def parts(self) -> list[list[str]]:
        return self.all or [self.any]

    def problems(self) -> Problems:
        return _claim(self.any, self.all) + ([(("penalty",), "must be between 0 and 1")] if not 0 <= self.penalty <= 1 else [])


@dataclass(frozen=True)
class Rubric:
    concepts: list[Concept]
    misconceptions: list[Misconception] = field(default_factory=list)

    def problems(self) -> Problems:
        if not self.concepts:
            return [(("concepts",), "a rubric needs at least one concept")]
        if not any(c.required for c in self.concepts):
            return [(("concepts",), "mark at least one concept required: true (the essentials a correct answer states)")]
        ids = [c.id for c in self.concepts] + [m.id for m in self.misconceptions]
        dup = next((i for i in ids if ids.count(i) > 1), None)
        return [(("concepts",), f"the id '{dup}' is used twice in this rubric")] if dup else []


KINDS = ("single", "multiple", "numeric", "ordering", "fill", "short", "open")
_NEEDS: dict[str, tuple[str, ...]] = {
    "single": ("choices",), "multiple": ("choices",), "numeric": ("answer",),
    "ordering": ("items",), "fill": ("accept",), "short": ("rubric",), "open": ("rubric",),
}
_OPTIONAL = ("choices", "answer", "tolerance", "unit", "items", "any_order", "accept", "rubric")
_ALLOWED: dict[str, tuple[str, ...]] = {**_NEEDS, "numeric": ("answer", "tolerance", "unit"), "ordering": ("items", "any_order")}


@dataclass
class Question:
    id: str
    kind: Literal["single", "multiple", "numeric", "ordering", "fill", "short", "open"]
    prompt: Text
    model_answer: Text
    source: str
    topic: str = field(metadata=DERIVED)
    difficulty: int = 1
    tags: list[str] = field(default_factory=list)
    choices: list[Choice] | None = None
    answer: float | None = None
    tolerance: float = 0.0
    unit: str | None = None
    items: list[Text] | None = None
    any_order: list[list[int]] | None = None  # runs of items (numbered from 1) that may come in any order
    accept: list[str] | None = None
    rubric: Rubric | None = None
    file: str = field(default="", metadata=DERIVED)

    def problems(self) -> Problems:
        out: Problems = []
        if not TOPIC_ID.match(self.id):
            out.append((("id",), f"'{self.id}' is not a question id; use lower-case letters, digits and '-'"))
        if self.difficulty not in (1, 2, 3):
            out.append((("difficulty",), "must be 1, 2 or 3"))
        for key in _NEEDS[self.kind]:
            if getattr(self, key) is None:
                out.append(((key,), f"missing; a '{self.kind}' question needs it"))
        for key in _OPTIONAL:
            default = 0.0 if key == "tolerance" else None
            if key not in _ALLOWED[self.kind] and getattr(self, key) != default:
                out.append(((key,), f"does not belong to a '{self.kind}' question; remove it"))
        if self.choices is not None and self.kind in ("single", "multiple"):
            correct = sum(c.correct for c in self.choices)
            if len(self.choices) < 2:
                out.append((("choices",), "give at least two choices"))
            if self.kind == "single" and correct != 1:
                out.append((("choices",), f"a 'single' question needs exactly one correct choice, not {correct}"))
            if self.kind == "multiple" and correct < 1:
                out.append((("choices",), "mark at least one choice correct: true"))
        if self.items is not None and len(self.items) < 2:
            out.append((("items",), "give at least two items to order"))
        out += _any_order_problems(self.any_order or [], len(self.items or []))
        if self.tolerance < 0:
            out.append((("tolerance",), "must not be negative"))
        return out


@dataclass
class Demo:
    """A live demo's entry in the catalogue and the words it speaks: the sentences its findings are
    told in, and the titles and labels of its figures and tables. The code is bertstudy's
    (`bertstudy.demos.<id with _ for ->`); its run() reports findings as a key and the values the
    key's sentence shows, so that both languages tell the same result."""

    id: str
    topic: str
    title: Text
    seconds: float  # wall time of `bertstudy demo run ID` at the default size on a 2-core CPU (benchmarks/demos.py)
    format_version: int
    about: Text | None = None  # what the demo does and leaves out, told before it runs
    findings: dict[str, Text] = field(default_factory=dict)
    words: dict[str, Text] = field(default_factory=dict)
    file: str = field(default="", metadata=DERIVED)

    @property
    def module(self) -> str:
        return "bertstudy.demos." + self.id.replace("-", "_")

    def finding(self, key: str, values: dict[str, Any], lang: str) -> str:
        """The sentence for `key` in `lang`, with `values` filled in."""
        return _fill(self.findings[key].get(lang), values, lang)

    def word(self, key: str, values: dict[str, Any], lang: str) -> str:
        """The title or label `key` in `lang`, with `values` filled in."""
        return _fill(self.words[key].get(lang), values, lang)

    def problems(self) -> Problems:
        out: Problems = _version(self.format_version)
        if not TOPIC_ID.match(self.id):
            out.append((("id",), f"'{self.id}' is not a demo id; use lower-case letters, digits and '-'"))
        if self.seconds <= 0:
            out.append((("seconds",), "must be a positive number of seconds"))
        for part, texts in (("findings", self.findings), ("words", self.words)):
            for key, text in texts.items():
                fields = [placeholders(text.en), placeholders(text.zh)]
                for lang, found in zip(("en", "zh"), fields):
                    if isinstance(found, str):
                        out.append(((part, key, lang), found))
                if all(isinstance(f, set) for f in fields) and fields[0] != fields[1]:
                    out.append(((part, key), f"en fills in {{{', '.join(sorted(fields[0]))}}} but zh "
                                             f"{{{', '.join(sorted(fields[1]))}}}; both must show the same values"))
        return out


def _fill(text: str, values: dict[str, Any], lang: str) -> str:
    """`text` with `values` filled in, a list joined as the language joins one."""
    join = "、" if lang == "zh" else ", "
    return text.format(**{k: join.join(map(str, v)) if isinstance(v, list) else v for k, v in values.items()})


def placeholders(text: str) -> set[str] | str:
    """The names a sentence fills in (`{name}`, `{name:.1f}`), or why it cannot be filled."""
    import string

    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        return f"{exc}; write a literal brace as {{{{ or }}}}"


@dataclass(frozen=True)
class Edit:
    """One change of a patch: `replace` occurs exactly once in solution.py, and becomes `by`."""

    replace: str
    by: str


@dataclass(frozen=True)
class Mistake:
    id: str
    diagnosis: Text
    patch: list[Edit] = field(default_factory=list)  # edits of solution.py; without any, mistakes/<id>.py

    def problems(self) -> Problems:
        out: Problems = []
        if not PY_ID.match(self.id):
            out.append((("id",), f"'{self.id}' must be a Python identifier (it names the mistake's code)"))
        for i, edit in enumerate(self.patch):
            if not edit.replace:
                out.append((("patch", i, "replace"), "give the text of solution.py to replace"))
        return out


def patched(text: str, patch: list[Edit]) -> tuple[str, Problems]:
    """`text` with every edit made, and the edits that cannot be: each `replace` must occur exactly
    once in `text` (the solution as written, not as other edits left it) and overlap no other."""
    out: Problems = []
    found = []
    for i, edit in enumerate(patch):
        count = text.count(edit.replace)
        if count != 1:
            where = "does not occur in solution.py" if count == 0 else f"occurs {count} times in solution.py"
            out.append((("patch", i, "replace"), f"{where}; quote a piece that occurs exactly once"))
        else:
            found.append((text.index(edit.replace), i, edit))
    found.sort()
    for (start, _, edit), (after, j, _) in zip(found, found[1:]):
        if start + len(edit.replace) > after:
            out.append((("patch", j, "replace"), "overlaps another edit's text; merge the two edits"))
    if out:
        return text, out
    for start, _, edit in reversed(found):
        text = text[:start] + edit.by + text[start + len(edit.replace):]
    return text, out


@dataclass(frozen=True)
class Limits:
    seconds: float = 10.0
    memory_mb: int = 2048
    output_kb: int = 1024

    def problems(self) -> Problems:
        out: Problems = []
        if not 0 < self.seconds <= 600:
            out.append((("seconds",), "must be between 0 and 600"))
        if self.memory_mb < 512:
            out.append((("memory_mb",), "must be at least 512 (importing torch needs it)"))
        return out


@dataclass(frozen=True)
class Case:
    name: str
    args: dict[str, Any]
    seed: int = 0
    init: dict[str, Any] = field(default_factory=dict)  # a module exercise's constructor arguments


# The line of a `builds_on` exercise's starter that the learner's passing parts replace.
PARTS_LINE = "# bertstudy: your parts"


@dataclass
class Exercise:
    id: str
    topic: str
    difficulty: int
    title: Text
    statement: Text
    reference: str
    cases: list[Case]
    hints: list[Text]
    format_version: int
    define: str | None = None
    module: bool = False
    forbidden: list[str] = field(default_factory=list)
    differentiable: bool = False
    stochastic: bool = False
    tolerance: dict[str, dict[str, float]] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    mistakes: list[Mistake] = field(default_factory=list)
    builds_on: list[str] = field(default_factory=list)  # exercises whose passing copies fill the starter
    folder: Path = field(default=Path(), metadata=DERIVED)
    file: str = field(default="", metadata=DERIVED)

    @property
    def entry(self) -> str:
        """The name the learner's file must define."""
        return self.define or self.id

    def mistake_path(self, mistake: Mistake) -> Path:
        """A known mistake's own file (for a patch, where it would be: tracebacks name it)."""
        return self.folder / "mistakes" / f"{mistake.id}.py"

    def mistake_name(self, mistake: Mistake) -> str:
        """How `content check` names a known mistake's code."""
        return f"mistake {mistake.id} (a patch of solution.py)" if mistake.patch else f"mistakes/{mistake.id}.py"

    def mistake_source(self, mistake: Mistake) -> str:
        """A known mistake's code: its own file, or solution.py with its patch applied."""
        if not mistake.patch:
            return self.mistake_path(mistake).read_text(encoding="utf-8")
        text, problems = patched((self.folder / "solution.py").read_text(encoding="utf-8"), mistake.patch)
        if problems:
            from bertstudy.errors import ContentError

            raise ContentError(self.file, None, f"mistakes: {mistake.id}: patch", problems[0][1])
        return text

    def problems(self) -> Problems:
        out: Problems = _version(self.format_version)
        if not PY_ID.match(self.id):
            out.append((("id",), f"'{self.id}' must be a Python identifier"))
        if self.difficulty not in (1, 2, 3):
            out.append((("difficulty",), "must be 1, 2 or 3"))
        if not re.match(r"^[\w.]+:\w+$", self.reference):
            out.append((("reference",), "write it as module:name, e.g. bertstudy.reference.attention:scaled_dot_product_attention"))
        if not self.cases:
            out.append((("cases",), "give at least one case"))
        if self.module and not PY_CLASS.match(self.entry):
            out.append((("define",), "a module exercise names its class: define: TransformerEncoderLayer"))
        for n, case in enumerate(self.cases):
            if case.init and not self.module:
                out.append((("cases", n, "init"), "only a module exercise (module: true) has constructor arguments"))
        if not self.hints:
            out.append((("hints",), "give at least one hint"))
        if self.stochastic and self.differentiable:
            out.append((("stochastic",), "a stochastic exercise is graded by its properties, not by gradients; drop differentiable"))
        for dtype, tol in self.tolerance.items():
            if set(tol) - {"atol", "rtol"}:
                out.append((("tolerance", dtype), "only atol and rtol can be set"))
        return out


@dataclass(frozen=True)
class Avoid:
    """A word a text should not use for a term's meaning: `word` is read in that meaning when one
    of the `when` patterns (regular expressions) matches the sentence around it."""

    word: str
    when: list[str]

    def problems(self) -> Problems:
        return _patterns(self.when, "when") + ([] if self.when else [(("when",), "give at least one pattern")])


@dataclass(frozen=True)
class Term:
    """One entry of a pack's glossary: the words its texts use for one idea, in each language."""

    id: str
    en: str
    zh: str
    meaning: Text
    marks: list[str] = field(default_factory=list)  # patterns that fix `zh` in this meaning where it stands (片段 A)
    avoid: list[Avoid] = field(default_factory=list)  # other words that, in this meaning, texts should not use

    def problems(self) -> Problems:
        return _patterns(self.marks, "marks") + ([] if TOPIC_ID.match(self.id) else [(("id",), f"'{self.id}' is not a term id; use a-z, 0-9 and '-'")])


@dataclass
class Glossary:
    """`glossary.yaml` at the top of a pack: one word per idea, checked by `content check`."""

    format_version: int
    terms: list[Term]

    def problems(self) -> Problems:
        ids = [t.id for t in self.terms]
        dup = next((i for i in ids if ids.count(i) > 1), None)
        return _version(self.format_version) + ([(("terms",), f"the term '{dup}' is listed twice")] if dup else [])


def _version(value: int) -> Problems:
    if value != FORMAT_VERSION:
        return [(("format_version",), f"this bertstudy reads format_version {FORMAT_VERSION}, not {value}")]
    return []


def _any_order_problems(groups: list[list[int]], n_items: int) -> Problems:
    """Each group of an ordering question's `any_order` is a run of consecutive item numbers (from
    1, as the items are listed), and no item is in two groups: items that commute sit side by side
    in every correct order, so the pairs inside a group are the only ones whose order is free."""
    out: Problems = []
    seen: set[int] = set()
    for g, group in enumerate(groups):
        if len(group) < 2 or sorted(group) != list(range(min(group), min(group) + len(group))):
            out.append((("any_order", g), "give two or more consecutive item numbers, e.g. [2, 3]"))
        elif min(group) < 1 or max(group) > n_items:
            out.append((("any_order", g), f"item numbers run from 1 to {n_items}"))
        elif seen & set(group):
            out.append((("any_order", g), "an item belongs to at most one group"))
        seen |= set(group)
    return out


def _claim(any_: list[str], all_: list[list[str]]) -> Problems:
    if bool(any_) == bool(all_):
        return [(("any",), "give either 'any' (alternative phrases) or 'all' (parts, each a list of phrases), not both")]
    if any(not part for part in all_):
        return [(("all",), "every part needs at least one phrase")]
    return _patterns(any_, "any") + [p for i, part in enumerate(all_) for p in _patterns(part, "all", i)]


def _patterns(phrases: list[str], key: str, *at: int) -> Problems:
    out: Problems = []
    for i, phrase in enumerate(phrases):
        body = phrase.removeprefix("not:")
        if body.startswith("re:"):
            try:
                re.compile(body[3:])
            except re.error as exc:
                out.append(((key, *at, i), f"invalid regular expression: {exc}"))
        elif not body.strip():
            out.append(((key, *at, i), "an empty phrase matches nothing; remove it"))
    return out
