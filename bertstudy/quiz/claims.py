"""What an answer asserts: its sentences, and which of their words stand under a negation.

An answer is split into sentences (. ! ? ; 。！？； or a new line). Each sentence is normalised (NFKC,
case-folded, punctuation as spaces, one space between words) and its negation cues are found with
their scope, in the manner of NegEx: a cue such as "not", "never", "nothing to do with", "rather
than", 不是, 不在于, 没有, 并非, 而非 or 无需 negates what follows it up to the end of its clause; a few, such as
"is irrelevant", "doesn't matter", "never shows up" or 与…无关, negate what comes before them in the
clause (无关的 before a noun, only what stands after 与). "It is not true that" negates what follows,
and so does a belief reported as others' ("many people think", "a common mix-up is that", 很多人以为,
误以为), and so does a warning against it (别指望, 别以为, 别用). A clause ends at a contrast or consequence
("but", "so", "which", 但是, 而是, 所以), at a comma that opens a new clause (not one inside a list:
"nothing to do with variance, saturation or gradients"), and at the comma that closes an opening
"if" / "without" / "unless" clause, at a parenthesis, at a colon, at a bar (|, ｜) and at a dash
between clauses ("isn't a class - it's ignore_index"; a minus sign is not one). The single-character
Chinese cues (不, 没, 未, 无, 非) reach only a short phrase (never past 、, nor past the 的 of a phrase
they modify, 不经过连乘的通道, unless a coverb opens it: 不把最高的 pair 合并), as do "without" and "unlike", and 不
before a complement (训不动, 记不住) negates the complement alone. A denial also ends before "and" with a
new predicate ("does not grow and is fixed") and before the "and" that joins it to the next cue, so
"not X or Y and never Z" denies all three; two cues back to back (不是没有) cancel. Pseudo-negations
("not only", "no-op", 不同, 不断, 非常, an adjective such as 没见过的 (unseen), and a question's 是不是 or 有没有)
and cues inside double quotes (a "no entity" class) are not cues. A sentence that only lists terms
(three or more short items, nothing relating them, no negation, no heading saying what they are,
which reaches over ";" to the end of its line; an identifier such as max_len_per_word, a shape such
as (B, L, d) or a quoted title is one item; a dash or an ellipsis can part items, and so can a space
between Chinese words where nothing else does) is marked as a listing: it names things but asserts
nothing. So is each sentence of a line whose terms run on over ";" or "|" ("MLM; NSP; [CLS]").

Leaves out: syntax. Scope comes from punctuation and connectives, not from a parse, so a negation
that reaches across a clause this cannot see ("not scaling the scores saturates the softmax") is
read too widely or too narrowly; the rubric's own phrases may spell such a construction out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

_TRANSLATE = str.maketrans({
    "\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2211": "\u03a3",  # the n-ary sum sign reads as sigma
})
# Kept inside the normalised text: word characters, spaces and the signs formulas use.
_PUNCT = re.compile(r"[^\w\s√²·+\-*/=()<>'→⇒↑↓^≠≈≤≥∝×∂∏%]")
_CLAUSE_PUNCT = set(",:()|")  # NFKC turns the Chinese forms (，：（）｜) into these already
# A dash between clauses ("isn't a class - it's ignore_index", 不是拼接——那是 ELMo): not the minus of "1 - p".
_DASH = re.compile(r"\s*[\u2014\u2013\u2015]+\s*|(?<=[^\W\d_]{2}) -{1,2} (?=[^\W\d_]{2})|(?<=[\u3400-\u9fff])\s*-{2,}\s*")
_DASH_MARK = "\u2016"
_HARD_BREAK = {_DASH_MARK, ":", "|"}  # a dash, a colon or a bar always ends a clause, as does an aside's parenthesis
_ZH_WITH = re.compile(r"[与和跟同](?!.*[与和跟同])")
_QUOTES = set('"\u201c\u201d\u300c\u300d\u300e\u300f')  # words in quotes are mentioned, not said
_SENTENCE_END = re.compile(r"(?<!\.)[.!?](?=\s|$)|[;。！？；\n]")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|vs|etc|cf|fig|eq|approx|resp|exp|prob|dim|seq|avg|max|min|diff|sz|intermed|orig|indep|activ|struct|unstruct|repr|emb|param)$", re.IGNORECASE)
# A single letter before a full stop is an initial or an abbreviation ("forget g. → ...", "w.p. ε")
# unless a capitalised word follows: "whether B continues A. The negatives ..." ends a sentence.
_INITIAL = re.compile(r"(?<![\w'’])[a-z]$", re.IGNORECASE)
_SENTENCE_START = re.compile(r"\s+[A-Z][a-z]")
_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")  # "one-hot" reads as "one hot"; "1-p" keeps its minus
CJK = re.compile(r"[\u3400-\u9fff]")
_SCRIPT_CHANGE = re.compile(r"(?<=[\u3400-\u9fff])(?=[a-z0-9_\[√])|(?<=[a-z0-9_\]])(?=[\u3400-\u9fff])")

# Cues are matched on the normalised text. "fwd" negates up to the clause end, "back" from the
# clause start, "both" the whole clause.
_EN_CUES = [
    (r"(?:it is|it's|it was) (?:not true|false|wrong|a myth|not the case) that", "fwd"),
    (r"nothing to do with|no (?:effect|influence|impact|bearing|role) (?:on|in)|unrelated to|irrelevant(?: to)?", "both"),
    (r"(?:is|are|was|were|'s)(?: not|n't) (?:the |a )?(?:main |real |actual )?(?:reason|cause|point|issue|problem|purpose|explanation|why|what)"
     r"|(?:is|are|was|were) (?:a myth|wrong|false|incorrect|not true|untrue|a misconception)"
     r"|(?:does|do|did)(?: not|n't) (?:matter|appear|show up|exist|come into it)|never (?:appears?|shows? up)"
     r"|plays? no (?:part|role)|has nothing to do with (?:it|this|that)", "back"),
    # a belief reported as someone else's: "many people think X", "a common mix-up is that X"
    (r"(?:many|some|most|a lot of) (?:people|learners|students|beginners|folks) (?:wrongly |often |still )?(?:think|believe|assume)"
     r"|people (?:often |usually |sometimes )?(?:wrongly )?(?:think|believe|assume)"
     r"|(?:a |the )?(?:common |classic |typical )?(?:mix ?up|misconception|myth|misunderstanding|confusion|mistake|pitfall) is (?:that|to think|thinking)"
     r"|(?:it is|it's) a (?:common )?(?:myth|mistake|misconception) (?:that|to think)", "fwd"),
    (r"rather than|instead of|as opposed to|no longer|not|never|none of|nothing|neither|nor|cannot"
     r"|\w+n't|no(?= [\w√(])|fails? to|lacks?", "fwd"),
    (r"without|unlike", "fwd-narrow"),
]
_EN_PSEUDO = re.compile(
    r"\b(?:not only|not just|not merely|no doubt|no matter|nothing but|not to mention|whether or not|not least"
    r"|no less than|not necessarily the only|no op)\b")
_ZH_CUES = [
    (r"无关|没有关系|没关系|不相关|并不重要|不重要|无所谓|是错的|是错误的|是误解|不成立|不对|站不住", "back"),
    (r"不是(?:主要|真正的?)?(?:原因|关键|重点|目的|问题|理由)", "both"),
    (r"(?:很多人|不少人|有人|有些人|大家|初学者)(?:常常|经常|总|往往)?(?:会)?(?:误以为|以为|觉得|认为)|误以为|误认为|(?<![可所足难])以为|(?<![类区分特差级识告个性派辨鉴离])别(?:指望|期待|幻想|以为|觉得|认为|用|拿|把|再用|去用)|常见的?(?:误解|误区|错误)是", "fwd-wide"),
    (r"并不是|并非|而非|而不是|不是|不在于|并不|不代表|不意味着|不等于|不说明|没有|不会|不能|不一定|无需|无须|不需要|不用|不必|从不|从来不|绝不|毫无|不再|未曾|无法", "fwd-wide"),
    (r"不|没|未|无|非", "fwd-narrow"),
]
_ZH_PSEUDO = re.compile(
    r"是不是|有没有|会不会|能不能|对不对|要不要|好不好|可不可以|不同|不断|不仅|不只|不光|不但|不少|不得不|不管|不论|无论|非常|未来|不久|不错|无监督|无标注|无标签|非线性|非零|无穷|无限|不过|没见过的|没出现过的|未见过的|未出现过的|没遇到过的|未知|未登录|差不多|并非只|不止|不对称|不如|不停|不然|不可或缺|缺一不可|非结构化")
_CUE_RE = re.compile("|".join(
    [rf"(?P<en{i}>\b(?:{p})\b)" for i, (p, _) in enumerate(_EN_CUES)]
    + [rf"(?P<zh{i}>{p})" for i, (p, _) in enumerate(_ZH_CUES)]))
_DIRECTIONS = {f"en{i}": d for i, (_, d) in enumerate(_EN_CUES)} | {f"zh{i}": d for i, (_, d) in enumerate(_ZH_CUES)}

# Where a forward scope stops (besides a clause-ending comma and the sentence end).
_EN_STOP = re.compile(
    r"\b(?:but|however|rather|instead|whereas|although|though|yet|so|therefore|thus|hence|which|while|because|since"
    r"|would|will|leads? to|causes?|makes?|means?|results? in|then|otherwise|unlike|rather than|instead of|as opposed to)\b"
    r"|→|⇒|->|=>|=")
# "without" and "unlike" govern a short phrase: "without zeroing you step with the sum ..."
_EN_NARROW_STOP = re.compile(r"\b(?:you|we|it|they|this|that|there|the model|one|[a-z]+s)\b")
_EN_NARROW_WORDS = 3
_ZH_STOP = re.compile(r"而是|但是|但|可是|然而|却|所以|因此|因而|从而|于是|反而|只是|而且|而|→|⇒|=")
_EN_REASON = re.compile(r"because|since|so|which")
# "... does not grow and is fixed": "and" before a new predicate ends the denial.
_EN_NEXT_PREDICATE = re.compile(r"\b(?:and|or)\s+(?:(?:it|this|that|they|we|you|there|the\s+\w+)\s+)?"
                                r"(?:is|are|was|were|has|have|does|do|did|can|could|will|would|should|must|may|might)\b")
_JOINT = re.compile(r"\b(?:and|or)\b|而且|并且|同时|以及")
# A resultative or potential complement after 不: 训不动, 记不住, 做不了, 学不到.
_COMPLEMENT = re.compile(r"[\u3400-\u9fff]不[了住动到好出起上下来去开完清懂见着]")
_ZH_NARROW_STOP = re.compile(r"会|就|则|导致|使得|使|让|造成|的话|才|也|时(?![间刻序期])")
# 的 ends the phrase a one-character cue modifies (不经过连乘的通道), unless a coverb opens that
# phrase: then it belongs to the coverb's object (不把频率最高的 pair 合并).
_ZH_MODIFIER = re.compile(r"的")
_ZH_COVERB = re.compile(r"\s?[把对给被将用从在跟向为]")
_EN_SUBORDINATE = re.compile(r"^(?:if|when|whenever|without|unless|once|since|as|because|although|though|while|whereas|unlike|before|after|even if)\b")
_LIST_JOIN = re.compile(r"^(?:and|or|nor|and/or|or even|as well as)\b")
_NEW_CLAUSE = re.compile(r"^(?:it|this|that|they|we|you|there|these|those)\b|\b(?:is|are|was|were|be|has|have|had|does|do|did"
                         r"|can|could|will|would|should|must|may|might)\b")


@dataclass(frozen=True)
class Cue:
    text: str
    start: int
    end: int
    scope: tuple[int, int]


@dataclass(frozen=True)
class Sentence:
    index: int  # from 1, as the learner counts
    text: str  # as written
    norm: str  # the normalised text that phrases are matched against
    cues: tuple[Cue, ...]
    listing: bool = False  # a list of terms: it names things but asserts nothing

    def negations(self, start: int, end: int) -> list[Cue]:
        """The cues whose scope reaches the span [start, end): a cue outside the span when its
        scope holds the span's start; a cue within it when its scope overlaps it."""
        out = []
        for cue in self.cues:
            lo, hi = cue.scope
            if cue.start < end and cue.end > start:
                if lo < hi and lo < end and hi > start:
                    out.append(cue)
            elif lo <= start < hi:
                out.append(cue)
        return out


def mentions_negation(text: str) -> bool:
    """Whether `text` (a phrase of a rubric) holds a negation cue of its own."""
    return any(True for _ in _cue_matches(canonical(re.sub(r"\\[bBwWsSdD](?:[+*?]|\{[\d,]*\})?", " ", text))))


def canonical(text: str) -> str:
    """NFKC, one kind of dash and apostrophe, != as ≠, case-folded."""
    return unicodedata.normalize("NFKC", text).replace("!=", "\u2260").translate(_TRANSLATE).casefold()


def normalise(text: str) -> str:
    """The normalised form phrases and answers are compared in (punctuation as spaces)."""
    return " ".join(_PUNCT.sub(" ", _spaced(text)).split())


def _spaced(text: str) -> str:
    """Canonical text with "one-hot" as "one hot" and a space between Chinese and Latin
    ("默认ignore_index" reads as "默认 ignore_index", so both halves are words)."""
    return _SCRIPT_CHANGE.sub(" ", _HYPHEN.sub(" ", canonical(text)))


@lru_cache(maxsize=256)
def sentences(answer: str) -> tuple[Sentence, ...]:
    """The answer's sentences, each with its negation cues and their scopes."""
    out = []
    for line in unicodedata.normalize("NFKC", answer).split("\n"):
        parts = _split(line)
        # terms over ; or | ("MLM; NSP; [CLS]") are one list, though ; ends a sentence
        listed = len(parts) > 1 and _is_listing(line) and not _cues(*_normalise_with_marks(line))
        headed = False  # under a heading that says what the items are ("add: A; B, C")
        for raw in parts:
            norm, marks = _normalise_with_marks(raw)
            heading = _HEADING.match(raw)
            headed = headed or bool(heading and not _GENERIC_HEADING.search(heading.group()))
            if norm:
                cues = tuple(_cues(norm, marks))
                # a sentence that denies something says something: it is not a bare list of terms
                listing = not cues and (listed or not headed and _is_listing(raw))
                out.append(Sentence(len(out) + 1, raw, norm, cues, listing))
            headed = headed and raw.endswith(";")  # a heading reaches on over ; to the end of its line
    return tuple(out)


def _split(answer: str) -> list[str]:
    parts, last = [], 0
    text = unicodedata.normalize("NFKC", answer)
    for m in _SENTENCE_END.finditer(text):
        if m.group() == "." and (_ABBREVIATION.search(text, 0, m.start())
                                 or _INITIAL.search(text, 0, m.start()) and not _SENTENCE_START.match(text, m.end())):
            continue
        parts.append(text[last:m.end()].strip())
        last = m.end()
    parts.append(text[last:].strip())
    return [p for p in parts if p]


_LIST_SEPARATOR = re.compile(r"[,，、/;；|]|\s·\s|\s[\u2014\u2013]+\s|\s-{1,2}\s|\u2014\u2014|\s(?:and|or|&)\s|(?<=[\u3400-\u9fff])[和或及与](?=[\u3400-\u9fff])")
_RELATION = re.compile(
    r"→|⇒|->|=>|=|<|>|≈|∝|@|\b(?:is|are|was|were|be|been|because|so|since|therefore|thus|hence|which|when|if|then|while|so that"
    r"|makes?|causes?|leads?|gives?|lets?|keeps?|needs?|uses?"
    r"|masks? out|only (?:looks?|sees?|attends?|reads?)|by contrast|in contrast|whereas|however"
    r"|grows?|scales?|scaling|depends?|becomes?|gets?|into|summed|added"
    r"|it|they|them|we|you)\b"  # a pronoun makes a clause, not a term
    r"|因为|所以|因此|导致|使|让|会|是|就|才|(?<![法规准原守细总])则|把|被|可以|需要|越|为了|从而|擅长|适合|得到|相加|只有|分别|各自|混在"
    r"|随(?![机便意])|(?<![因作认以成行])为(?!了)|变成|变为|成为|除以|乘以|只剩|剩下|增长|增加|增大|减小|变大|变小|持平|提升|提高|下降|降低|更好|更差|变好|变差|捕捉|捕获|学到|学会|无关|没问题|取决于|快|慢|(?<![可性功智])能(?![力量])|只看|只用|只在|只对|符合|给出")
# Chinese terms typed with spaces alone ("生成器 判别器 替换"): where no other separator parts items,
# a space between two Chinese words does (Chinese puts none inside a sentence).
_SPACED_TERMS = re.compile(r"[\u3400-\u9fff]\s+[\u3400-\u9fff]")
_SPACES = re.compile(r"\s+")
_ELLIPSIS = re.compile(r"\.{3,}|…+")
_IDENTIFIER = re.compile(r"\w+(?:_\w+)+")  # max_input_chars_per_word is one term
_SHAPE = re.compile(r"\(\s*[\w.+*/^-]+(?:\s*,\s*[\w.+*/^-]+)*\s*\)")  # (B, L, 768), (n), not an aside
_HEADING = re.compile(r"^[^:：]{1,30}[:：]")  # "Key ideas:" before a list
_GENERIC_HEADING = re.compile(r"\b(?:key|keyword|buzzword|idea|word|term|concept|point|topic|answer|summary)s?\b|关键|要点|概念|术语|核心|答案|总结|思路", re.IGNORECASE)


def _is_listing(raw: str) -> bool:
    """A sentence that only lists terms: three or more short items, nothing relating them."""
    text = unicodedata.normalize("NFKC", raw).strip().rstrip(".。!！?？;；")
    heading = _HEADING.match(text)
    if heading and not _GENERIC_HEADING.search(heading.group()):
        return False  # "limits: A, B, C" states what the items are; "key ideas: A, B, C" does not
    text = _HEADING.sub("", text)
    text = re.sub(r"[\"“「『][^\"”」』]*[\"”」』]", " term ", text)  # a quoted title is mentioned: one term
    text = re.sub(r"(?<=\w)\([^()]*\)", "", text)  # O(n), f(x): the argument is part of the term
    text = _SHAPE.sub(" shape ", text)  # a shape such as (B, L, 768) is one term, not a list
    text = re.sub(r"\bw/(?=\s)", "with", text)  # "w/" is "with", not a separator
    text = _ELLIPSIS.sub(",", text)
    separator = _SPACES if _SPACED_TERMS.search(raw.strip()) and not _LIST_SEPARATOR.search(text) else _LIST_SEPARATOR
    items = [i.strip() for i in separator.split(text) if i and i.strip()]
    # a relation relates the item's other words ("显存随层数增长"); alone ("增大") it is one more term
    if len(items) < 3 or any(_RELATION.search(item) and _RELATION.sub("", item).strip() for item in map(canonical, items)):
        return False
    sizes = [len(CJK.findall(i)) / 2 + len(re.findall(r"(?!vs\b)[^\W\d_]{2,}|\S*\d\S*", _IDENTIFIER.sub("term", CJK.sub(" ", i)))) for i in items]
    return max(sizes) <= 4 and (len(items) >= 4 or max(sizes) <= 1.5 or "、" in text)


@dataclass
class _Marks:
    """Where, in a normalised sentence, its punctuation stood."""

    breaks: list[int] = field(default_factory=list)  # a clause mark: comma, colon, parenthesis, dash
    hard: set[int] = field(default_factory=set)  # the breaks that always end a clause: dash, colon, an aside's parenthesis
    quoted: list[tuple[int, int]] = field(default_factory=list)  # spans inside double quotes
    commas: list[int] = field(default_factory=list)  # where 、 stood: it ends a one-character denial


def _normalise_with_marks(raw: str) -> tuple[str, _Marks]:
    """The normalised sentence and where its clause marks and quotes stood."""
    chars: list[str] = []
    marks = _Marks()
    opened: int | None = None
    parentheses: list[bool] = []  # per open parenthesis: whether it opened an aside, not a formula's O(1)
    for ch in _spaced(_DASH.sub(_DASH_MARK, raw)):
        if ch in _CLAUSE_PUNCT or ch == _DASH_MARK:
            marks.breaks.append(len(chars) - (1 if chars and chars[-1] == " " else 0))
            hard = ch in _HARD_BREAK
            if ch == "(":
                hard = not (chars and re.match(r"[a-z0-9_'²]", chars[-1]))
                parentheses.append(hard)
            elif ch == ")":
                hard = parentheses.pop() if parentheses else True
            if hard:
                marks.hard.add(marks.breaks[-1])
        if ch == "、":
            marks.commas.append(len(chars))
        if ch in _QUOTES:
            if opened is None:
                opened = len(chars)
            else:
                marks.quoted.append((opened, len(chars)))
                opened = None
        if _PUNCT.match(ch) or ch.isspace():
            if chars and chars[-1] != " ":
                chars.append(" ")
            continue
        chars.append(ch)
    norm = "".join(chars).rstrip()
    marks.breaks = [min(b, len(norm)) for b in marks.breaks]
    marks.hard = {min(b, len(norm)) for b in marks.hard}
    return norm, marks


def _cue_matches(norm: str):
    """The negation cues in `norm`, pseudo-negations left out."""
    pseudo = [m.span() for m in _EN_PSEUDO.finditer(norm)] + [m.span() for m in _ZH_PSEUDO.finditer(norm)]
    return (m for m in _CUE_RE.finditer(norm) if not any(s <= m.start() < e for s, e in pseudo))


def _cues(norm: str, marks: _Marks) -> list[Cue]:
    cues = []
    breaks = marks.breaks
    # A cue inside double quotes is a mention ("an extra \"no entity\" class"), not a denial.
    matches = [m for m in _cue_matches(norm) if not any(s <= m.start() < e for s, e in marks.quoted)]
    for i, m in enumerate(matches):
        direction, zh = _DIRECTIONS[m.lastgroup], m.lastgroup.startswith("zh")
        start, end = m.span()
        clause_start = max([b for b in breaks if b <= start] + [0])
        if direction == "back":
            # 与…无关的 modifies a noun: it denies only what stands between 与 and 无关
            attributive = zh and norm.startswith("的", end) and _ZH_WITH.search(norm, clause_start, start)
            scope = (attributive.start() if attributive else clause_start, start)
        elif zh and _COMPLEMENT.match(norm, start - 1):
            scope = (end, end + 1)  # 训不动, 记不住: the negation is the complement's alone
        else:
            stop = _scope_end(norm, marks, clause_start, end, zh, narrow=direction == "fwd-narrow")
            following = next((n.start() for n in matches[i + 1:] if _DIRECTIONS[n.lastgroup] != "back"), None)
            if following is not None and norm[end:following].strip():  # "not ... and ... never ...": two denials
                joints = list(_JOINT.finditer(norm, end, following))  # the last "and" before it: "not A or B and never C"
                stop = min(stop, joints[-1].start() if joints else following)
            scope = (clause_start, stop) if direction == "both" else (end, stop)
        cues.append(Cue(m.group(), start, end, scope))
    return cues


def _scope_end(norm: str, marks: _Marks, clause_start: int, cue_end: int, zh: bool, narrow: bool) -> int:
    """Where a forward scope that starts at `cue_end` stops: at the end of its clause, or before a
    connective that opens another claim ("not because ..." reads on past "because")."""
    end, breaks = len(norm), marks.breaks
    for i, b in enumerate(breaks):
        if b >= cue_end and (b in marks.hard or _comma_ends_clause(norm, clause_start, b, breaks[i + 1] if i + 1 < len(breaks) else len(norm))):
            end = b
            break
    if zh:
        stops = (_ZH_STOP, _ZH_NARROW_STOP) if narrow else (_ZH_STOP,)
        if narrow and not _ZH_COVERB.match(norm, cue_end):
            stops += (_ZH_MODIFIER,)
        for pattern in stops:
            m = pattern.search(norm, cue_end + 1, end)
            end = m.start() if m else end
        return min([end] + [c for c in marks.commas if c > cue_end and narrow])
    for m in _EN_STOP.finditer(norm, cue_end, end):
        gap = len(norm[cue_end:m.start()].split())
        if gap >= (3 if _EN_REASON.match(m.group()) else 1):
            end = m.start()
            break
    m = _EN_NEXT_PREDICATE.search(norm, cue_end, end)
    end = m.start() if m else end
    if narrow:
        words = list(re.finditer(r"\S+", norm[cue_end:end]))
        if len(words) > _EN_NARROW_WORDS:
            end = cue_end + words[_EN_NARROW_WORDS - 1].end()
        m = _EN_NARROW_STOP.search(norm, cue_end + 1 + (words[0].end() if words else 0), end)
        end = m.start() if m else end
    return end


def _comma_ends_clause(norm: str, clause_start: int, at: int, next_break: int) -> bool:
    """A comma ends a clause unless what follows it is one more item of a list; the comma after an
    opening "if" / "without" clause always ends it."""
    opening = norm[clause_start:at].strip()
    if _EN_SUBORDINATE.match(opening):
        return True
    following = norm[at:next_break].strip()
    if not following or CJK.search(following) or CJK.search(norm[max(0, at - 1):at]):
        return True
    if _NEW_CLAUSE.search(following):
        return True
    words = following.split()
    return not (len(words) <= 4 or (_LIST_JOIN.match(following) and len(words) <= 6))
