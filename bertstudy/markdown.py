"""Rich's Markdown, made right for Chinese.

Two things go wrong with Chinese in CommonMark as Rich renders it. Emphasis: by the flanking rules
a `**` run next to punctuation opens or closes only beside whitespace or more punctuation, so
`的**“看到自己”**，` keeps its asterisks (Chinese puts no spaces around words). Here a delimiter run
beside a CJK character or CJK punctuation may open or close as though a space stood there, which
is what the author meant. Wrapping: Rich breaks lines only at spaces, so a Chinese paragraph with
an English word in it breaks around that word and strands it on a line of its own; paragraphs are
wrapped here as bertstudy.wrapping wraps plain text. Leaves out: `_` emphasis inside CJK words (as in
CommonMark, it never opens there) and wrapping inside table cells.
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.parser_inline import ParserInline
from markdown_it.rules_inline.state_inline import Scanned, StateInline
from rich import markdown as rich_markdown
from rich.text import Text

from bertstudy.wrapping import is_cjk, line_spans


class _CjkState(StateInline):
    def scanDelims(self, start: int, canSplitWord: bool) -> Scanned:
        """CommonMark's delimiter scan, with a CJK character on either side counted as a space
        for the flanking rules (and never as a reason to refuse)."""
        marker, pos = self.src[start], start
        while pos < self.posMax and self.src[pos] == marker:
            pos += 1
        last = self.src[start - 1] if start > 0 else " "
        after = self.src[pos] if pos < self.posMax else " "
        last_space = isWhiteSpace(ord(last)) or is_cjk(last)
        next_space = isWhiteSpace(ord(after)) or is_cjk(after)
        last_punct = isMdAsciiPunct(ord(last)) or isPunctChar(last)
        next_punct = isMdAsciiPunct(ord(after)) or isPunctChar(after)
        left = not isWhiteSpace(ord(after)) and (not next_punct or last_space or last_punct)
        right = not isWhiteSpace(ord(last)) and (not last_punct or next_space or next_punct)
        can_open = left and (canSplitWord or not right or last_punct or is_cjk(last))
        can_close = right and (canSplitWord or not left or next_punct or is_cjk(after))
        return Scanned(can_open, can_close, pos - start)


class _CjkInline(ParserInline):
    def parse(self, src, md, env, tokens):
        state = _CjkState(src, md, env, tokens)
        self.tokenize(state)
        for rule in self.ruler2.getRules(""):
            rule(state)
        return state.tokens


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt().enable("strikethrough").enable("table")  # as Rich's own
    parser.inline.__class__ = _CjkInline
    return parser


class _Paragraph(rich_markdown.Paragraph):
    def __rich_console__(self, console, options):
        width = options.max_width - 1  # a line that fills the width would wrap again
        lines = [self.text[start:end] for start, end in line_spans(self.text.plain, width)]
        text = Text("\n", style=self.text.style).join(lines)
        text.justify = self.justify
        yield text


class Markdown(rich_markdown.Markdown):
    elements = {**rich_markdown.Markdown.elements, "paragraph_open": _Paragraph}

    def __init__(self, markup: str, **options) -> None:
        super().__init__(markup, **options)
        self.parsed = _parser().parse(markup)
