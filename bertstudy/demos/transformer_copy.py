"""A tiny encoder-decoder Transformer learns to copy and to reverse strings of digits."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from bertstudy import console
from bertstudy.demos import Words, draw
from bertstudy.demos.live import one_thread, steps
from bertstudy.reference.language_model import Adam
from bertstudy.reference.transformer import Transformer

PAD, BOS, EOS = 0, 1, 2
FIRST_DIGIT = 3  # ids 3 .. 12 are the digits 0 .. 9
VOCAB = FIRST_DIGIT + 10
TASKS = ("copy", "reverse")
EXAMPLE = "314159"  # the string whose cross-attention is drawn (its first max_len digits)
TIE = 0.05  # exact-match rates within 5 points on 200 strings: a tie


def make_batch(gen: torch.Generator, batch: int, max_len: int, task: str) -> dict[str, torch.Tensor]:
    """Random strings of 2 .. max_len digits, as a batch for `task`."""
    lengths = torch.randint(2, max_len + 1, (batch,), generator=gen)  # (B,)
    digits = torch.randint(FIRST_DIGIT, VOCAB, (batch, max_len), generator=gen)  # (B, L)
    return batch_of(digits, lengths, task)


def batch_of(digits: torch.Tensor, lengths: torch.Tensor, task: str) -> dict[str, torch.Tensor]:
    """Sources (B, L) padded with PAD after each length; targets (B, L + 1): the answer, EOS, then
    PAD; decoder inputs: the targets shifted right behind BOS."""
    batch, max_len = digits.shape
    positions = torch.arange(max_len)[None, :]  # (1, L)
    real = positions < lengths[:, None]  # (B, L)
    src = digits.masked_fill(~real, PAD)
    answer = src
    if task == "reverse":  # output position i reads source position length - 1 - i
        answer = src.gather(1, (lengths[:, None] - 1 - positions).clamp_min(0)).masked_fill(~real, PAD)
    target = torch.cat([answer, torch.full((batch, 1), PAD)], dim=1)  # (B, L + 1)
    target.scatter_(1, lengths[:, None], EOS)  # EOS right after the last digit
    decoder_input = torch.cat([torch.full((batch, 1), BOS), target[:, :-1]], dim=1)  # (B, L + 1)
    return {"src": src, "real": real, "decoder_input": decoder_input, "target": target}


def cross_attention(model: Transformer, example: dict[str, torch.Tensor]) -> torch.Tensor:
    """The last decoder layer's cross-attention weights (L_t, L_s), averaged over heads, for one example."""
    captured = []
    hook = model.decoder.layers[-1].cross_attn.register_forward_hook(lambda module, args, output: captured.append(output[1]))
    model(example["src"], example["decoder_input"], example["real"])
    hook.remove()
    return captured[0][0].mean(dim=0)  # (B, h, L_t, L_s) -> (L_t, L_s)


def text(ids: list[int]) -> str:
    return "".join(str(i - FIRST_DIGIT) for i in ids if i >= FIRST_DIGIT)


def train(task: str, num_steps: int, max_len: int, seed: int) -> dict[str, Any]:
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = Transformer(VOCAB, VOCAB, d_model=32, num_heads=2, num_encoder_layers=1, num_decoder_layers=1, d_ff=64,
                        dropout=0.0, max_len=16, tie_output=True)
    optimizer = Adam(model.parameters(), lr=1e-2, betas=(0.9, 0.98))
    losses = []
    for _ in steps(range(num_steps), f"training_{task}"):
        batch = make_batch(gen, 64, max_len, task)
        logits = model(batch["src"], batch["decoder_input"], batch["real"])  # (B, L + 1, V)
        loss = F.cross_entropy(logits.flatten(0, 1), batch["target"].flatten(), ignore_index=PAD)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        test = make_batch(torch.Generator().manual_seed(1000 + seed), 200, max_len, task)
        generated = model.generate(test["src"], BOS, max_len + 1, EOS, test["real"])  # (B, <= L + 1)
        generated = F.pad(generated, (0, max_len + 1 - generated.size(1)), value=EOS)  # (B, L + 1)
        correct = ((generated == test["target"]) | (test["target"] == PAD)).all(dim=1)  # PAD after EOS: not scored
        digits = torch.tensor([[FIRST_DIGIT + int(c) for c in EXAMPLE[:max_len]]])  # (1, L)
        example = batch_of(digits, torch.tensor([max_len]), task)
        weights = cross_attention(model, example)  # (L + 1, L)
    samples = [{"source": text(test["src"][i].tolist()), "output": text(generated[i].tolist()),
                "correct": bool(correct[i])} for i in range(5)]
    rows = torch.arange(max_len)
    return {"loss": losses, "exact_match": correct.float().mean().item(), "samples": samples,
            "on_same_position": weights[rows, rows].mean().item(),  # output i reading source i
            "on_mirrored_position": weights[rows, max_len - 1 - rows].mean().item(),  # output i reading source L-1-i
            "example_source": text(example["src"][0].tolist()), "example_length": max_len,
            "example_target": text(example["target"][0].tolist()), "cross_attention": weights.tolist()}


def run(quick: bool = False) -> dict[str, Any]:
    num_steps, max_len = (80, 4) if quick else (600, 6)
    with one_thread():
        results = {task: train(task, num_steps, max_len, seed) for seed, task in enumerate(TASKS)}
    every = max(1, num_steps // 50)
    starts = range(0, num_steps, every)
    losses = {task: r.pop("loss") for task, r in results.items()}
    data = {"steps": num_steps, "max_len": max_len, "loss_steps": list(starts),
            "loss": {task: [sum(v[i:i + every]) / len(v[i:i + every]) for i in starts] for task, v in losses.items()},
            "tasks": results}
    return data | {"findings": findings(data)}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    out: list[draw.Figure] = [draw.Lines(words("training_loss_cross_entropy"), [float(s) for s in data["loss_steps"]],
                                         {words(t): data["loss"][t] for t in TASKS}, x_label=words("step"), log_y=True)]
    for task in TASKS:
        r = data["tasks"][task]
        rows = [f"→{c}" for c in r["example_target"]] + ["→EOS"]
        title = words("cross_attention_on", value=words(task), example_source=r["example_source"])
        out.append(draw.Heatmap(title, r["cross_attention"], rows, list(r["example_source"]), corner="out \\ src"))
    return out


def show(data: dict[str, Any], words: Words) -> None:
    draw.show(*figures(data, words))
    headers = [words(key) for key in ("task", "exact_match", "cross_attention_same_mirrored", "examples_input_output")]
    table = draw.table(words("greedy_generation_on_200"), headers)
    for task in TASKS:
        r = data["tasks"][task]
        shown = "  ".join(f"{s['source']}→{s['output']}{'' if s['correct'] else ' ✗'}" for s in r["samples"])
        table.add_row(words(task), f"{r['exact_match']:.0%}",
                      f"{r['on_same_position']:.2f} / {r['on_mirrored_position']:.2f}", shown)
    console.out().print(table)


def findings(data: dict[str, Any]) -> list[list]:
    copy, reverse = data["tasks"]["copy"], data["tasks"]["reverse"]
    gap = copy["exact_match"] - reverse["exact_match"]
    pace = "reverse_slower" if gap > TIE else "copy_slower" if gap < -TIE else "alike"
    return [["cross_attention", {"same": copy["on_same_position"], "mirrored": reverse["on_mirrored_position"]}],
            [pace, {"steps": data["steps"]}]]
