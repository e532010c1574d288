"""console.wrap: Chinese mixed with English breaks between characters and at spaces, never inside
an English word, never before closing or after opening punctuation, within the width."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len

from bertstudy.console import NO_LINE_END, NO_LINE_START, wrap

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
