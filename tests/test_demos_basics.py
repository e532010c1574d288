"""The basics demos show what they claim: the scalar autograd agrees with torch and with finite
differences, the MLP learns the two moons, and BatchNorm, LayerNorm and residual connections do
what the notes say. Each demo runs once (quick) per module; its data is JSON-ready."""

from __future__ import annotations

import json
import math

import pytest

from bertstudy.demos import autograd_by_hand, draw, mlp_learns, normalization
from conftest import demo_words


@pytest.fixture(scope="module")
def by_hand():
    return autograd_by_hand.run(quick=True)


@pytest.fixture(scope="module")
def moons():
    return mlp_learns.run(quick=True)


@pytest.fixture(scope="module")
def norms():
    return normalization.run(quick=True)


@pytest.mark.parametrize("name", ["by_hand", "moons", "norms"])
def test_data_is_json_ready_and_deterministic(request, name):
    data = request.getfixturevalue(name)
    assert json.loads(json.dumps(data)) == data
    module = {"by_hand": autograd_by_hand, "moons": mlp_learns, "norms": normalization}[name]
    assert module.run(quick=True) == data  # seeded: the same numbers every run


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", ["by_hand", "moons", "norms"])
def test_figures_are_well_formed_in_both_languages(request, name, lang):
    data = request.getfixturevalue(name)
    module = {"by_hand": autograd_by_hand, "moons": mlp_learns, "norms": normalization}[name]
    figures = module.figures(data, demo_words(module, lang))
    assert figures
    for figure in figures:
        if isinstance(figure, draw.Heatmap):
            assert len(figure.values) == len(figure.rows)
            assert all(len(row) == len(figure.columns) for row in figure.values)
        elif isinstance(figure, draw.Lines):
            assert all(len(ys) == len(figure.x) for ys in figure.series.values())
            assert all(math.isfinite(y) for ys in figure.series.values() for y in ys)
        else:
            assert len({len(line) for line in figure.lines}) == 1
    titles = " ".join(f.title for f in figures)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in titles) == (lang == "zh")


# ---- autograd-by-hand ----------------------------------------------------------------------------

def test_scalar_autograd_matches_torch_and_finite_differences(by_hand):
    rows = by_hand["parameters"]
    assert len(rows) == 2 * 4 + 4 + 4 + 1  # 2 -> 4 -> 1: weights and biases
    assert by_hand["max_difference_torch"] < 1e-12
    assert by_hand["max_difference_finite"] < 1e-7
    assert max(abs(r["hand"]) for r in rows) > 0.1  # a real gradient, not all zeros
    for r in rows:
        assert abs(r["hand"] - r["torch"]) <= by_hand["max_difference_torch"]


def test_both_engines_train_in_lockstep_and_the_loss_falls(by_hand):
    hand, torch_losses = by_hand["loss_hand"], by_hand["loss_torch"]
    assert len(hand) == len(torch_losses) == len(by_hand["steps"])
    assert max(abs(a - b) for a, b in zip(hand, torch_losses)) < 1e-12
    assert hand[-1] < 0.6 * hand[0]
    assert by_hand["graph_nodes"] > 100


# ---- mlp-learns ----------------------------------------------------------------------------------

def test_the_mlp_learns_the_two_moons(moons):
    loss = moons["loss"]
    assert loss[-1] < 0.05 * loss[0]
    assert moons["accuracy_after"] >= 0.98 and moons["accuracy_before"] < 0.8
    assert len(loss) == len(moons["steps"])


def test_the_decision_picture_marks_every_class_and_its_region(moons):
    chars = mlp_learns.CHARS
    for picture in (moons["boundary_before"], moons["boundary_after"]):
        assert len(picture) == mlp_learns.GRID[1] and all(len(line) == mlp_learns.GRID[0] for line in picture)
        text = "".join(picture)
        assert chars["point0"] in text and chars["point1"] in text
    after = "".join(moons["boundary_after"])
    assert chars["region0"] in after and chars["region1"] in after  # both classes own part of the plane
    labels = moons["labels"]
    assert labels.count(0) == labels.count(1) == len(labels) // 2


def test_two_moons_are_not_linearly_separable():
    import torch

    gen = torch.Generator().manual_seed(0)
    x, labels = mlp_learns.two_moons(200, noise=0.1, gen=gen)
    features = torch.cat([x, torch.ones(len(x), 1, dtype=x.dtype)], dim=1)  # least squares on [x, 1]
    target = labels.to(x.dtype) * 2 - 1
    w = torch.linalg.lstsq(features, target[:, None]).solution
    linear_accuracy = ((features @ w)[:, 0].sign() == target).double().mean().item()
    assert linear_accuracy < 0.95


# ---- normalization -------------------------------------------------------------------------------

def test_batch_norm_fixes_columns_and_layer_norm_fixes_rows(norms):
    bn, ln = norms["stats"]["batch_norm"], norms["stats"]["layer_norm"]
    assert max(abs(m) for m in bn["feature_mean"]) < 1e-12
    assert all(abs(s - 1) < 1e-3 for s in bn["feature_std"])
    assert max(abs(m) for m in ln["example_mean"]) < 1e-12
    assert all(abs(s - 1) < 1e-6 for s in ln["example_std"])
    # and each leaves the other axis alone
    assert max(abs(m) for m in bn["example_mean"]) > 0.1
    assert max(abs(m) for m in ln["feature_mean"]) > 0.5


def test_batch_norm_depends_on_the_batch_and_layer_norm_does_not(norms):
    change = norms["other_batch_change"]
    assert change["batch_norm"] > 0.1
    assert change["layer_norm"] < 1e-12


def test_residual_connections_stop_gradients_vanishing(norms):
    grads = norms["grad_norms"]
    assert all(len(g) == norms["depth"] for g in grads.values())
    ratio = {name: g[0] / g[-1] for name, g in grads.items()}
    assert ratio["plain"] < 1e-5  # exponential decay towards the input
    assert ratio["residual"] > 1e-2  # no exponential decay
    assert 0.3 < ratio["pre_ln"] < 3  # about equal everywhere
    plain = grads["plain"]
    assert all(a < b for a, b in zip(plain, plain[1:]))  # shrinks at every layer going back
