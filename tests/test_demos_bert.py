"""The bert-layers demo's claims: on the real model, context flows into the ambiguous words' vectors
(sense accuracy rises above the embeddings') while linearly readable position fades."""

from __future__ import annotations

import pytest

from bertstudy.demos import bert_layers
from bertstudy.reference import pretrained


@pytest.mark.skipif(not pretrained.available(), reason=f"needs the pretrained model: {pretrained.INSTALL}")
def test_real_layers_learn_context_and_lose_position():
    data = bert_layers.run(quick=True)
    layers = data["layers"]
    assert data["model"] and len(layers) == 7
    assert max(r["sense_accuracy"] for r in layers[1:]) >= 0.9 > layers[0]["sense_accuracy"]
    assert layers[0]["position_r2"] > 0.9 and layers[-1]["position_r2"] < layers[0]["position_r2"] - 0.3
    assert layers[-1]["self_similarity"] < layers[0]["self_similarity"]
    assert all(0 < r["attention_entropy"] < 6 for r in layers[1:])


def test_without_the_model_a_random_control_runs(monkeypatch):
    monkeypatch.setattr(bert_layers.pretrained, "available", lambda: False)
    data = bert_layers.run(quick=True)
    assert data["model"] is None and len(data["layers"]) == 7
    assert all(0 <= r["sense_accuracy"] <= 1 for r in data["layers"])
