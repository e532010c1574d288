"""Every demo runs in --quick mode and shows what it claims."""

from __future__ import annotations

import importlib
import io
import math

import pytest

from bertstudy import console
from bertstudy.demos import DEMOS


@pytest.mark.parametrize("demo", DEMOS.values(), ids=lambda d: d.id)
def test_demo_runs_quick_and_draws(demo, monkeypatch):
    module = importlib.import_module(demo.module)
    data = module.run(quick=True)
    buffer = io.StringIO()
    from rich.console import Console

    monkeypatch.setattr(console, "out", lambda: Console(file=buffer, width=120, color_system=None))
    module.show(data)
    assert buffer.getvalue().strip()


def test_attention_heatmap_claims():
    from bertstudy.demos import attention_heatmap

    data = attention_heatmap.run(quick=True)
    tokens, weights = data["tokens"], data["weights"]
    assert all(math.isclose(sum(row), 1.0, abs_tol=1e-5) for row in weights)
    for i, token in enumerate(tokens):  # raw similarity: each token's weight goes to copies of itself
        same = sum(w for w, other in zip(weights[i], tokens) if other == token)
        assert same > 0.5
    unscaled = [row["entropy_unscaled"] for row in data["saturation"]]
    scaled = [row["entropy_scaled"] for row in data["saturation"]]
    assert unscaled[-1] < unscaled[0] / 3, "without the scale the softmax saturates as d_k grows"
    assert min(scaled) > 0.7 * data["uniform_entropy"], "with the scale the entropy stays high"
