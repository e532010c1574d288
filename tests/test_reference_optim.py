"""The written-out optimisers equal torch.optim's, and BERT's schedule has Google's shape."""

from __future__ import annotations

import pytest
import torch

from bertstudy.reference.optim import Adam, AdamW, bert_learning_rate


@pytest.mark.parametrize(("ours", "theirs", "options"), [
    (Adam, torch.optim.Adam, {"lr": 0.05}),
    (AdamW, torch.optim.AdamW, {"lr": 0.05, "weight_decay": 0.1}),
    (AdamW, torch.optim.AdamW, {"lr": 0.01, "betas": (0.8, 0.98), "eps": 1e-6}),
])
def test_written_out_optimisers_match_torch_optim(ours, theirs, options):
    gen = torch.Generator().manual_seed(0)
    start = [torch.randn(4, 3, generator=gen, dtype=torch.float64), torch.randn(3, generator=gen, dtype=torch.float64)]
    mine = [p.clone().requires_grad_() for p in start]
    reference = [p.clone().requires_grad_() for p in start]
    pairs = ((mine, ours(mine, **options)), (reference, theirs(reference, **options)))
    x = torch.randn(8, 4, generator=gen, dtype=torch.float64)
    for _ in range(25):
        for params, optimizer in pairs:
            optimizer.zero_grad()
            torch.tanh(x @ params[0] + params[1]).pow(2).sum().backward()
            optimizer.step()
    for a, b in zip(mine, reference):
        torch.testing.assert_close(a, b)
    assert not torch.equal(mine[0], start[0])


def test_frozen_parameters_are_left_alone():
    frozen, live = torch.ones(2), torch.ones(2, requires_grad=True)
    optimizer = AdamW([frozen, live], lr=0.1)
    (live * 3).sum().backward()
    optimizer.step()
    assert torch.equal(frozen, torch.ones(2)) and (live < 1).all()


def test_bert_schedule_warms_up_then_decays_from_step_zero():
    peak, warmup, total = 1e-4, 10, 100
    rates = [bert_learning_rate(step, peak, warmup, total) for step in range(total + 5)]
    assert rates[0] == 0 and rates[5] == pytest.approx(peak / 2)
    assert rates[warmup] == pytest.approx(peak * 0.9)  # Google's decay counts from step 0
    assert rates[55] == pytest.approx(peak * 0.45) and rates[total:] == [0.0] * 5
