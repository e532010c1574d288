"""bertstudy.wrapping: Chinese mixed with English breaks between characters and at spaces, never inside
an English word, never before closing or after opening punctuation, within the width; and
Markdown in Chinese shows its bold and keeps English words in company."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len

from bertstudy import console
from bertstudy.content.pack import load
from bertstudy.markdown import Markdown
from bertstudy.paths import builtin_pack
from bertstudy.wrapping import NO_LINE_END, NO_LINE_START, is_cjk, wrap

MIXED = ("按 Hugging Face 的 BERT 随机初始化（N(0, 0.02²)；Google 的截断在 2σ），三部分的范数相近；[PAD] 的词向量"
         "为 0（HF 的 padding_idx）。手算的 LayerNorm(词 + 位置 + 句段) 与 BertEmbeddings 的输出之差最大为 0.0e+00，"
         "所以每行的范数都约为 √d ≈ 11.3（11.31–11.31）。")


@pytest.mark.parametrize("width", [24, 31, 40, 57, 78, 79])
def test_mixed_text_wraps_within_the_width_and_keeps_every_word(width):
    lines = wrap(MIXED, width).split("\n")
    assert len(lines) > 1
    assert all(cell_len(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == MIXED.replace(" ", "")
    words = set(re.findall(r"[A-Za-z_]{2,}", MIXED))
    assert all(set(re.findall(r"[A-Za-z_]{2,}", line)) <= words for line in lines), "an English word was cut"
    assert not any(line[0] in NO_LINE_START for line in lines[1:])
    assert not any(line[-1] in NO_LINE_END for line in lines)


def test_english_breaks_at_spaces_and_newlines_stay():
    text = "The entropy falls from 3.52 bits to 0.13.\nDivided by the root, it stays."
    assert wrap(text, 20) == "The entropy falls\nfrom 3.52 bits to\n0.13.\nDivided by the root,\nit stays."


# -- Markdown in both languages --------------------------------------------------------------

TOPICS = load(builtin_pack()).topics
LATIN_WORD = re.compile(r"[\w\-.'’()\[\]/+]+[,.;:!?，。；：！？）]?", re.ASCII)


def render(renderable, width: int) -> str:
    import io

    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None).print(renderable)
    return buffer.getvalue()


def literal_markup(document: Markdown) -> list[str]:
    """Text the parser left as text although it holds `**` (a bold that did not open or close)."""
    inline = [child for token in document.parsed for child in token.children or []]
    return [t.content for t in inline if t.type == "text" and "**" in t.content]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("topic", TOPICS.values(), ids=lambda t: t.id)
def test_topic_notes_render_bold_and_keep_words_company(topic, lang):
    document = console.markdown(topic.notes.get(lang))
    assert isinstance(document, Markdown) and literal_markup(document) == []
    lines = render(document, 80).split("\n")
    assert all(cell_len(line.rstrip()) <= 80 for line in lines)
    stranded = [line for before, line in zip(lines, lines[1:]) if LATIN_WORD.fullmatch(line.strip())
                and before.rstrip() and is_cjk(before.rstrip()[-1])]
    assert stranded == [], "a Latin word alone on a line after Chinese"


@pytest.mark.parametrize("source, bold", [
    ("每个词都能间接地**“看到自己”**，这就是问题。", "“看到自己”"),
    ("这叫**掩码语言模型**（MLM），类似完形填空。", "掩码语言模型"),
    ("**BERT** is bidirectional, and **so** is this.", "BERT"),
])
def test_bold_beside_cjk_punctuation_opens_and_closes(source, bold):
    document = Markdown(source)
    strong = [t.children[i + 1].content for t in document.parsed for i, c in enumerate(t.children or [])
              if c.type == "strong_open"]
    assert bold in strong and literal_markup(document) == []


def test_a_latin_word_is_not_left_alone_after_chinese():
    text = "这是精确的期望值，因此容差为 0。"
    lines = wrap(text, 28).split("\n")  # "0。" alone would fit on the second line
    assert len(lines) == 2 and not LATIN_WORD.fullmatch(lines[1]), lines
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
