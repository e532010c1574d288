"""A GRU encoder-decoder with attention learns to reverse strings of digits."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from bertstudy import console
from bertstudy.demos import Words, draw
from bertstudy.demos.live import one_thread, steps
from bertstudy.reference.decoding import beam_search, greedy_decode
from bertstudy.reference.optim import Adam
from bertstudy.reference.seq2seq import Seq2Seq, teacher_forcing_inputs

PAD, BOS, EOS = 0, 1, 2
FIRST_DIGIT = 3  # token of digit k is 3 + k
VOCAB = FIRST_DIGIT + 10
SETTINGS = {  # quick, default
    True: {"min_len": 3, "max_len": 5, "steps": 60, "batch": 32, "d_embed": 16, "d_hidden": 32, "lr": 1e-2, "eval": 30},
    False: {"min_len": 3, "max_len": 8, "steps": 300, "batch": 64, "d_embed": 32, "d_hidden": 64, "lr": 5e-3, "eval": 200},
}
EXAMPLE = [3, 1, 4, 1, 5, 9, 2, 6]  # the digits whose alignment is drawn (as many as fit the run's lengths)


def digits_batch(gen: torch.Generator, size: int, min_len: int, max_len: int,
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random digit strings: src (B, S) padded with PAD, src_mask (B, S) True on real tokens, and
    target (B, S + 1): each string reversed, then EOS, then padding."""
    lengths = torch.randint(min_len, max_len + 1, (size,), generator=gen)  # (B,)
    width = int(lengths.max())
    src_mask = torch.arange(width)[None, :] < lengths[:, None]  # (B, S)
    src = (FIRST_DIGIT + torch.randint(0, 10, (size, width), generator=gen)).masked_fill(~src_mask, PAD)  # (B, S)
    target = torch.full((size, width + 1), PAD)  # (B, S + 1)
    for i, n in enumerate(lengths.tolist()):
        target[i, :n] = src[i, :n].flip(0)
        target[i, n] = EOS
    return src, src_mask, target


def train(model: Seq2Seq, settings: dict[str, Any], gen: torch.Generator) -> list[float]:
    """Teacher forcing with Adam; returns the loss of every step (nats per target token)."""
    optimiser = Adam(model.parameters(), lr=settings["lr"])
    losses = []
    for _ in steps(range(settings["steps"]), "training"):
        src, src_mask, target = digits_batch(gen, settings["batch"], settings["min_len"], settings["max_len"])
        logits, _ = model(src, teacher_forcing_inputs(target, BOS), src_mask)  # (B, T, V)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), target.reshape(-1), ignore_index=PAD)  # padding is not scored
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return losses


def evaluate(model: Seq2Seq, src: torch.Tensor, src_mask: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
    """Exact-match and per-digit accuracy of greedy and beam-3 decoding, and the share of the
    teacher-forced attention that lies on the anti-diagonal (exactly, and within one position),
    with the share that uniform attention would put there (1/L per row)."""
    _, weights = model(src, teacher_forcing_inputs(target, BOS), src_mask)  # (B, T, S)
    exact_greedy = exact_beam = right_digits = rows = 0
    on = near = uniform = 0.0
    for row, mask, wanted, alignment in zip(src, src_mask, target, weights):
        n = int(mask.sum())
        answer = wanted[:n + 1].tolist()  # the reversed digits and EOS
        step = model.step_function(row[:n])
        greedy, _ = greedy_decode(step, BOS, EOS, max_len=n + 3)
        beam, _ = beam_search(step, BOS, EOS, max_len=n + 3, beam_size=3)
        exact_greedy += greedy == answer
        exact_beam += beam == answer
        right_digits += sum(a == b for a, b in zip(greedy[:n], answer[:n]))
        for t in range(n):  # the rows that write a digit; the EOS row may look anywhere
            source = n - 1 - t
            on += alignment[t, source].item()
            near += alignment[t, max(0, source - 1):source + 2].sum().item()
            uniform += 1 / n
            rows += 1
    return {"exact_greedy": exact_greedy / len(src), "exact_beam": exact_beam / len(src),
            "digit_accuracy": right_digits / rows, "anti_diagonal": on / rows, "anti_diagonal_band": near / rows,
            "anti_diagonal_uniform": uniform / rows}


def run(quick: bool = False) -> dict[str, Any]:
    settings = SETTINGS[quick]
    torch.manual_seed(0)  # the model's initial weights
    model = Seq2Seq(VOCAB, VOCAB, settings["d_embed"], settings["d_hidden"], score="additive")
    gen = torch.Generator().manual_seed(1)
    with one_thread():
        losses = train(model, settings, gen)
        with torch.no_grad():
            held_out = digits_batch(torch.Generator().manual_seed(2), settings["eval"], settings["min_len"], settings["max_len"])
            scores = evaluate(model, *held_out)
            example = torch.tensor([[FIRST_DIGIT + d for d in EXAMPLE[:settings["max_len"]]]])  # (1, S)
            answer, _ = greedy_decode(model.step_function(example[0]), BOS, EOS, max_len=example.size(1) + 3)
            target = torch.cat([example.flip(1), torch.tensor([[EOS]])], dim=1)  # (1, S + 1)
            _, weights = model(example, teacher_forcing_inputs(target, BOS))  # (1, S + 1, S)
    every = max(1, settings["steps"] // 50)
    starts = range(0, len(losses), every)
    data = {
        "settings": settings, "losses": losses, "curve_step": [float(i + every) for i in starts],
        "curve": [sum(losses[i:i + every]) / len(losses[i:i + every]) for i in starts], **scores,
        "example": EXAMPLE[:settings["max_len"]], "example_answer": [token_text(t) for t in answer],
        "alignment": weights[0].tolist(),
    }
    return data | {"findings": findings(data)}


def token_text(token: int) -> str:
    return "<eos>" if token == EOS else "<bos>" if token == BOS else "<pad>" if token == PAD else str(token - FIRST_DIGIT)


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    example = [str(d) for d in data["example"]]
    rows = [f"{t}:{d}" for t, d in enumerate(example[::-1])] + [f"{len(example)}:<eos>"]
    return [
        draw.Lines(words("training_loss_cross_entropy"), data["curve_step"], {words("loss"): data["curve"]},
                   x_label=words("step")),
        draw.Heatmap(words("alignment_row_t_holds"), data["alignment"], rows,
                     [f"{j}:{d}" for j, d in enumerate(example)], corner=words("out_src")),
    ]


def show(data: dict[str, Any], words: Words) -> None:
    draw.show(*figures(data, words))
    table = draw.table(words("after_steps_of_strings", **data["settings"]), [words("measure"), words("value")],
                       ["left", "right"])
    for key in ("exact_greedy", "exact_beam", "digit_accuracy", "anti_diagonal", "anti_diagonal_uniform", "anti_diagonal_band"):
        table.add_row(words(key), f"{100 * data[key]:.1f}%")
    console.out().print(table)


def findings(data: dict[str, Any]) -> list[list]:
    example = " ".join(str(d) for d in data["example"])
    answer = " ".join(data["example_answer"])
    right = " ".join(str(d) for d in reversed(data["example"])) + " <eos>"
    values = {"example": example, "answer": answer, "right": right, "band": data["anti_diagonal_band"]}
    return [["decoded_right" if answer == right else "decoded_wrong", values], ["alignment", values]]
