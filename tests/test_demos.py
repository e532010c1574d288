"""Every demo runs in --quick mode and shows what it claims."""

from __future__ import annotations

import importlib
import io
import json
import math

import pytest

from bertstudy import console, demos, i18n
from bertstudy.content.pack import load
from bertstudy.demos import draw, live
from bertstudy.paths import builtin_pack

DEMOS = load(builtin_pack()).demos


def cjk(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("demo", DEMOS.values(), ids=lambda d: d.id)
def test_demo_runs_quick_and_draws(demo, monkeypatch):
    module = importlib.import_module(demo.module)
    data = module.run(quick=True)
    buffer = io.StringIO()
    from rich.console import Console

    monkeypatch.setattr(console, "out", lambda: Console(file=buffer, width=120, color_system=None))
    words = demos.Words(demo, "en")
    demos.show(module, data, words)
    assert buffer.getvalue().strip()
    figures = module.figures(data, words)
    assert figures and all(isinstance(f, (draw.Heatmap, draw.Lines, draw.Chars)) for f in figures)
    json.dumps(data)  # the data is JSON-ready: --save and --json write it as it is
    english, chinese = demos.notes(demo, data, "en"), demos.notes(demo, data, "zh")  # told from the pack
    assert english and len(english) == len(chinese) == len(data["findings"])
    assert all(note.strip() and "{" not in note for note in english + chinese)
    assert all(cjk(note) for note in chinese)
    assert demo.about and demo.about.en.strip() and cjk(demo.about.zh)  # what it does, in both languages


def test_attention_heatmap_claims():
    from bertstudy.demos import attention_heatmap

    data = attention_heatmap.run(quick=True)
    tokens = data["tokens"]
    for head in data["heads"]:
        assert all(math.isclose(sum(row), 1.0, abs_tol=1e-5) for row in head["weights"])
    if data["model"] is None:  # raw similarity: each token's weight goes to copies of itself
        weights = data["heads"][0]["weights"]
        for i, token in enumerate(tokens):
            assert sum(w for w, other in zip(weights[i], tokens) if other == token) > 0.5
    else:  # a real positional head: most of each row's weight on the previous token
        previous = data["heads"][0]
        assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]"
        shifted = [previous["weights"][i][i - 1] for i in range(1, len(tokens))]
        assert previous["score"] == pytest.approx(sum(shifted) / len(shifted))
        assert previous["score"] > 0.5


def test_attention_heatmap_without_the_pretrained_model(monkeypatch):
    from bertstudy.demos import attention_heatmap

    monkeypatch.setattr(attention_heatmap.pretrained, "available", lambda: False)
    data = attention_heatmap.run(quick=True)
    assert data["model"] is None and data["tokens"] == attention_heatmap.SENTENCE.split()


def test_a_progress_bar_names_its_phase_from_the_interface_strings_in_both_languages():
    phases = [key for key in i18n.MESSAGES if key.startswith("demo.step.")]
    assert phases and all(cjk(i18n.MESSAGES[key][1]) for key in phases)
    with pytest.raises(KeyError):  # looked up on every run, so a demo's unknown phase fails its quick test
        list(live.steps([1], "no_such_phase"))
