"""Different heads attend to different things: a two-head attention layer trained on a toy task."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from bertstudy import console
from bertstudy.demos import Words, draw
from bertstudy.demos.live import one_thread, steps
from bertstudy.reference.language_model import Adam
from bertstudy.reference.masks import padding_mask
from bertstudy.reference.transformer import MultiHeadAttention

LETTERS = "ABCDEFabcdef"  # id i and id (i + 6) % 12 are partners
VOCAB = len(LETTERS)
PAD = VOCAB  # the padding token's id
NO_PREVIOUS = VOCAB  # the class "no previous letter" (position 0)
MAX_LEN = 8
EXAMPLE = "CaEcBAfb"  # partners C/c, a/A, B/b; E and f have none


def make_batch(gen: torch.Generator, batch: int) -> dict[str, torch.Tensor]:
    """Random sequences with their two targets; -100 marks positions the loss skips (padding)."""
    ids = torch.stack([torch.randperm(VOCAB, generator=gen)[:MAX_LEN] for _ in range(batch)])  # (B, L), distinct letters
    lengths = torch.randint(MAX_LEN // 2, MAX_LEN + 1, (batch,), generator=gen)  # (B,)
    return targets(ids, lengths)


def targets(ids: torch.Tensor, lengths: torch.Tensor) -> dict[str, torch.Tensor]:
    batch, length = ids.shape
    real = torch.arange(length)[None, :] < lengths[:, None]  # (B, L): True for real tokens
    ids = ids.masked_fill(~real, PAD)
    previous = torch.cat([torch.full((batch, 1), NO_PREVIOUS), ids[:, :-1]], dim=1)  # (B, L)
    is_partner = ((ids[:, :, None] + VOCAB // 2) % VOCAB == ids[:, None, :]) & real[:, None, :]  # (B, L_q, L_k)
    has_partner = is_partner.any(-1) & real  # (B, L)
    own = torch.arange(length).expand(batch, length)
    partner = torch.where(has_partner, is_partner.float().argmax(-1), own)  # (B, L): the partner's position, else its own
    return {"ids": ids, "real": real, "previous": previous.masked_fill(~real, -100),
            "partner": partner.masked_fill(~real, -100), "has_partner": has_partner}


class TwoHeadModel(nn.Module):
    """Token + position embeddings, one multi-head attention layer, two linear read-outs."""

    def __init__(self, d_model: int = 32, num_heads: int = 2):
        super().__init__()
        self.tokens = nn.Embedding(VOCAB + 1, d_model)
        self.positions = nn.Embedding(MAX_LEN, d_model)
        self.attention = MultiHeadAttention(d_model, num_heads)
        self.previous_out = nn.Linear(d_model, VOCAB + 1)
        self.partner_out = nn.Linear(d_model, MAX_LEN)

    def forward(self, ids: torch.Tensor, real: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = self.tokens(ids) + self.positions.weight[: ids.size(1)]  # (B, L, D)
        h, weights = self.attention(x, mask=padding_mask(real))  # (B, L, D), (B, heads, L, L)
        return self.previous_out(h), self.partner_out(h), weights


def head_profile(weights: torch.Tensor, batch: dict[str, torch.Tensor]) -> list[dict[str, float]]:
    """For each head: the mean weight a real query puts on the previous position (queries 1..) and
    on its partner (queries that have one)."""
    real, has_partner = batch["real"], batch["has_partner"]
    out = []
    for head in range(weights.size(1)):
        w = weights[:, head]  # (B, L, L)
        on_previous = w[:, 1:, :-1].diagonal(dim1=1, dim2=2)  # (B, L - 1): query t, key t - 1
        on_partner = w.gather(-1, batch["partner"].clamp_min(0)[:, :, None]).squeeze(-1)  # (B, L)
        out.append({"previous": on_previous[real[:, 1:]].mean().item(), "partner": on_partner[has_partner].mean().item()})
    return out


def run(quick: bool = False) -> dict[str, Any]:
    num_steps = 200 if quick else 400
    torch.manual_seed(3)
    gen = torch.Generator().manual_seed(3)
    model = TwoHeadModel()
    optimizer = Adam(model.parameters(), lr=1e-2)
    curve: dict[str, list[float]] = {"previous": [], "partner": []}
    with one_thread():
        for _ in steps(range(num_steps), "training"):
            batch = make_batch(gen, 64)
            previous_logits, partner_logits, _ = model(batch["ids"], batch["real"])
            previous = F.cross_entropy(previous_logits.flatten(0, 1), batch["previous"].flatten(), ignore_index=-100)
            partner = F.cross_entropy(partner_logits.flatten(0, 1), batch["partner"].flatten(), ignore_index=-100)
            optimizer.zero_grad()
            (previous + partner).backward()
            optimizer.step()
            curve["previous"].append(previous.item())
            curve["partner"].append(partner.item())
        with torch.no_grad():
            test = make_batch(gen, 512)
            previous_logits, partner_logits, weights = model(test["ids"], test["real"])
            example = targets(torch.tensor([[LETTERS.index(c) for c in EXAMPLE]]), torch.tensor([len(EXAMPLE)]))
            _, _, example_weights = model(example["ids"], example["real"])
    real = test["real"]
    profile = head_profile(weights, test)
    every = max(1, num_steps // 40)
    starts = range(0, num_steps, every)
    data = {
        "steps": num_steps, "letters": LETTERS, "example": list(EXAMPLE), "loss_steps": list(starts),
        "loss": {k: [sum(v[i:i + every]) / len(v[i:i + every]) for i in starts] for k, v in curve.items()},
        "accuracy": {"previous": (previous_logits.argmax(-1) == test["previous"])[real].float().mean().item(),
                     "partner": (partner_logits.argmax(-1) == test["partner"])[real].float().mean().item()},
        "heads": profile,
        "previous_head": max(range(len(profile)), key=lambda h: profile[h]["previous"]),
        "example_weights": example_weights[0].tolist(),  # (heads, L, L)
    }
    return data | {"findings": findings(data)}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    tokens = data["example"]
    out = []
    for head, weights in enumerate(data["example_weights"]):
        job = words("looks_one_step_back" if head == data["previous_head"] else "looks_for_the_partner")
        title = words("head_on", value=head + 1, job=job, value2=''.join(tokens))
        out.append(draw.Heatmap(title, weights, tokens, tokens, corner="q \\ k"))
    out.append(draw.Lines(words("training_loss"), [float(s) for s in data["loss_steps"]],
                          {words("previous_letter"): data["loss"]["previous"],
                           words("partner_s_position"): data["loss"]["partner"]},
                          x_label=words("step"), y_label=words("cross_entropy")))
    return out


def show(data: dict[str, Any], words: Words) -> None:
    draw.show(*figures(data, words))
    table = draw.table(words("each_head_s_mean"), [words("head"), words("on_the_previous_position"), words("on_the_partner")], "right")
    for head, profile in enumerate(data["heads"]):
        table.add_row(str(head + 1), f"{profile['previous']:.2f}", f"{profile['partner']:.2f}")
    console.out().print(table)


def findings(data: dict[str, Any]) -> list[list]:
    return [["division_of_labour", {"steps": data["steps"], "previous_head": data["previous_head"] + 1,
                                    "other_head": 2 - data["previous_head"], "previous": data["accuracy"]["previous"],
                                    "partner": data["accuracy"]["partner"]}]]
