"""The Transformer demos (scaling-sqrt-dk, positional-encoding, masks, multi-head, transformer-copy)
show what they claim, in --quick mode, with JSON-ready data."""

from __future__ import annotations

import importlib
import json
import math

import pytest

from bertstudy.demos import draw
from conftest import demo_words

DEMOS = ["scaling_sqrt_dk", "positional_encoding", "masks", "multi_head", "transformer_copy"]


@pytest.fixture(scope="module")
def quick_data():
    """Each demo's run(quick=True), once for this file."""
    cache = {}

    def get(name: str) -> dict:
        if name not in cache:
            cache[name] = importlib.import_module(f"bertstudy.demos.{name}").run(quick=True)
        return cache[name]

    return get


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


@pytest.mark.parametrize("name", DEMOS)
def test_data_is_json_and_figures_are_figures(quick_data, name):
    data = quick_data(name)
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    module = importlib.import_module(f"bertstudy.demos.{name}")
    figures = module.figures(data, demo_words(module))
    assert figures and all(isinstance(f, (draw.Heatmap, draw.Lines, draw.Chars)) for f in figures)


def test_scaling_sqrt_dk_claims(quick_data):
    data = quick_data("scaling_sqrt_dk")
    rows = data["rows"]
    for r in rows:
        assert 0.9 < r["score_std_scaled"] < 1.1, "scaled scores keep variance 1"
        assert abs(r["score_std_unscaled"] / math.sqrt(r["d_k"]) - 1) < 0.15, "raw scores spread like √d_k"
        assert r["entropy_scaled"] > 0.8 * data["uniform_entropy"]
    first, last = rows[0], rows[-1]
    assert first["d_k"] == 1 and first["entropy_scaled"] == first["entropy_unscaled"], "at d_k = 1 the scale is 1"
    entropies = [r["entropy_unscaled"] for r in rows]
    assert all(a > b for a, b in zip(entropies, entropies[1:])), "unscaled, the entropy falls as d_k grows"
    assert last["entropy_unscaled"] < 0.1 * data["uniform_entropy"]
    assert last["max_weight_unscaled"] > 0.85 > last["max_weight_scaled"]
    assert last["jacobian_unscaled"] < 0.4 * last["jacobian_scaled"], "the softmax passes little gradient when saturated"
    assert abs(last["jacobian_scaled"] - first["jacobian_scaled"]) < 0.05
    for row in data["example"].values():
        assert math.isclose(sum(row), 1.0, abs_tol=1e-9)
    assert max(data["example"]["unscaled"]) > max(data["example"]["scaled"])


def test_positional_encoding_claims(quick_data):
    import torch

    from bertstudy.reference.positions import sinusoidal_positional_encoding

    data = quick_data("positional_encoding")
    d_model = data["d_model"]
    shown = torch.tensor(data["encoding"])
    torch.testing.assert_close(shown.float(), sinusoidal_positional_encoding(len(data["encoding"]), d_model))
    assert data["encoding"][0] == [0.0, 1.0] * (d_model // 2)
    assert math.isclose(data["norm_squared"], d_model / 2, rel_tol=1e-5)
    curves = list(data["similarity"].values())
    for other in curves[1:]:
        assert max(abs(a - b) for a, b in zip(curves[0], other)) < 1e-5, "similarity depends on the offset only"
    sim = curves[0]
    assert math.isclose(sim[0], 1.0, abs_tol=1e-6) and max(sim[1:]) < 0.999, "largest at offset 0"
    assert sim[0] > sim[1] > sim[2] > sim[3], "falls over the first offsets"
    assert all(row["max_error"] < 1e-4 for row in data["shifts"]), "PE[p+k] = M_k PE[p] for every p"


def test_masks_claims(quick_data):
    data = quick_data("masks")
    expected_zeros = {"none": 0, "padding": 16, "causal": 28, "causal+padding": 31}
    for name, result in data["variants"].items():
        for weights, allowed, total in zip(result["weights"], result["allowed"], result["row_sums"]):
            assert math.isclose(total, 1.0, abs_tol=1e-9), "every row still sums to 1"
            assert all((w > 0) == ok for w, ok in zip(weights, allowed)), "masked weights are exactly 0, the rest positive"
        assert result["zeros"] == expected_zeros[name]
        assert result["masked_weight"] == 0.0
    padding = data["variants"]["padding"]
    pad_columns = [i for i, m in enumerate(data["attention_mask"]) if m == 0]
    assert all(row[i] == 0 for row in padding["weights"] for i in pad_columns)
    assert all(sum(row) > 0.999 for row in padding["weights"][-2:]), "padding queries still get an output"
    assert data["variants"]["causal"]["weights"][0][0] == 1.0, "the first token sees only itself"
    additive = data["additive_row"]
    assert [v == 0 for v in additive] == [m == 1 for m in data["attention_mask"]]
    assert min(additive) < -3e38
    assert data["all_masked"]["minus_inf_is_nan"]
    assert data["all_masked"]["finfo_min"] == pytest.approx([0.25] * 4)


def test_multi_head_claims(quick_data):
    data = quick_data("multi_head")
    for curve in data["loss"].values():
        assert mean(curve[-5:]) < 0.2 * mean(curve[:5]), "the loss falls"
    assert data["accuracy"]["previous"] > 0.9 and data["accuracy"]["partner"] > 0.9
    previous_head = data["previous_head"]
    partner_head = 1 - previous_head
    heads = data["heads"]
    assert heads[previous_head]["previous"] > 0.8 and heads[previous_head]["partner"] < 0.3
    assert heads[partner_head]["partner"] > 0.8 and heads[partner_head]["previous"] < 0.3, "the heads took different jobs"
    letters = data["example"]
    weights = data["example_weights"]
    for t in range(1, len(letters)):
        row = weights[previous_head][t]
        assert row.index(max(row)) == t - 1
    for t, letter in enumerate(letters):
        partner = letter.swapcase()
        target = letters.index(partner) if partner in letters else t
        row = weights[partner_head][t]
        assert row.index(max(row)) == target, f"{letter} should look at position {target}"
        assert math.isclose(sum(row), 1.0, abs_tol=1e-5)


def test_transformer_copy_claims(quick_data):
    data = quick_data("transformer_copy")
    for task, curve in data["loss"].items():
        assert mean(curve[-10:]) < 0.25 * mean(curve[:10]), f"{task}: the loss falls"
    copy, reverse = data["tasks"]["copy"], data["tasks"]["reverse"]
    assert copy["exact_match"] > 0.6 and reverse["exact_match"] > 0.5
    assert copy["on_same_position"] > 3 * copy["on_mirrored_position"], "copying reads the diagonal"
    assert reverse["on_mirrored_position"] > 3 * reverse["on_same_position"], "reversing reads the anti-diagonal"
    for task, result in data["tasks"].items():
        for sample in result["samples"]:
            answer = sample["source"] if task == "copy" else sample["source"][::-1]
            assert sample["correct"] == (sample["output"] == answer)
        length = len(result["example_source"])
        assert len(result["cross_attention"]) == length + 1 and all(len(row) == length for row in result["cross_attention"])
        assert all(math.isclose(sum(row), 1.0, abs_tol=1e-5) for row in result["cross_attention"])
