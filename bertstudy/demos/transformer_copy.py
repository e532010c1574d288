"""A tiny encoder-decoder Transformer learns to copy and to reverse strings of digits.

The model is bertstudy.reference.transformer.Transformer (one encoder and one decoder layer,
d_model 32, 2 heads, sinusoidal positions, output projection tied to the target embeddings),
trained from scratch for each task with teacher forcing: the decoder reads BOS + the target and
learns to predict the target + EOS, under a causal mask, attending to the source through
cross-attention. Sources are 2 to 6 random digits (2 to 4 with --quick), padded. After training,
greedy generation (one token at a time, each fed back in) is scored by exact match on fresh
strings, and the decoder's cross-attention on one example shows how each task is solved: output
position i reads source position i to copy, and the mirrored position to reverse.
Leaves out: real translation data, label smoothing, the warm-up schedule, beam search, and
lengths beyond those trained on (the model does not generalise to longer strings).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from bertstudy import console
from bertstudy.demos import Words, draw, main
from bertstudy.demos.live import one_thread, steps
from bertstudy.reference.language_model import Adam
from bertstudy.reference.transformer import Transformer

PAD, BOS, EOS = 0, 1, 2
FIRST_DIGIT = 3  # ids 3 .. 12 are the digits 0 .. 9
VOCAB = FIRST_DIGIT + 10
TASKS = ("copy", "reverse")
EXAMPLE = "314159"  # the string whose cross-attention is drawn (its first max_len digits)


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
    if task == "reverse":
        mirrored = (lengths[:, None] - 1 - positions).clamp_min(0)  # source index read by output position i
        answer = src.gather(1, mirrored).masked_fill(~real, PAD)
    else:
        answer = src
    target = torch.cat([answer, torch.full((batch, 1), PAD)], dim=1)  # (B, L + 1)
    target.scatter_(1, lengths[:, None], EOS)  # EOS right after the last digit
    decoder_input = torch.cat([torch.full((batch, 1), BOS), target[:, :-1]], dim=1)  # (B, L + 1)
    return {"src": src, "real": real, "decoder_input": decoder_input, "target": target, "lengths": lengths}


def new_model() -> Transformer:
    return Transformer(VOCAB, VOCAB, d_model=32, num_heads=2, num_encoder_layers=1, num_decoder_layers=1, d_ff=64,
                       dropout=0.0, max_len=16, tie_output=True)


def exact_matches(model: Transformer, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Greedy outputs (B, L + 1) padded with EOS, and whether each equals its target up to EOS."""
    length = batch["target"].size(1)
    generated = model.generate(batch["src"], BOS, length, EOS, batch["real"])  # (B, <= L + 1)
    generated = F.pad(generated, (0, length - generated.size(1)), value=EOS)
    counted = batch["target"] != PAD  # the digits and the EOS
    return generated, ((generated == batch["target"]) | ~counted).all(dim=1)


def cross_attention(model: Transformer, src: torch.Tensor, real: torch.Tensor, decoder_input: torch.Tensor) -> torch.Tensor:
    """The last decoder layer's cross-attention weights (L_t, L_s), averaged over heads, for one example."""
    captured = []
    hook = model.decoder.layers[-1].cross_attn.register_forward_hook(lambda module, args, output: captured.append(output[1]))
    try:
        model(src, decoder_input, real)
    finally:
        hook.remove()
    return captured[0][0].mean(dim=0)  # (B, h, L_t, L_s) -> (L_t, L_s)


def text(ids: list[int]) -> str:
    return "".join(str(i - FIRST_DIGIT) for i in ids if i >= FIRST_DIGIT)


def train(task: str, num_steps: int, max_len: int, seed: int) -> dict[str, Any]:
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = new_model()
    optimizer = Adam(model.parameters(), lr=1e-2, betas=(0.9, 0.98))
    losses = []
    for _ in steps(range(num_steps), f"training: {task}"):
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
        generated, correct = exact_matches(model, test)
        length = max_len
        example = batch_of(torch.tensor([[FIRST_DIGIT + int(c) for c in EXAMPLE[:length]]]), torch.tensor([length]), task)
        weights = cross_attention(model, example["src"], example["real"], example["decoder_input"])  # (L + 1, L)
    samples = [{"source": text(test["src"][i].tolist()), "output": text(generated[i].tolist()),
                "correct": bool(correct[i])} for i in range(5)]
    rows = torch.arange(length)
    return {"loss": losses, "exact_match": correct.float().mean().item(), "samples": samples,
            "on_same_position": weights[rows, rows].mean().item(),  # output i reading source i
            "on_mirrored_position": weights[rows, length - 1 - rows].mean().item(),  # output i reading source L-1-i
            "example_source": text(example["src"][0].tolist()), "example_length": length,
            "example_target": text(example["target"][0].tolist()),
            "cross_attention": weights[: length + 1, :length].tolist()}


def run(quick: bool = False) -> dict[str, Any]:
    num_steps, max_len = (80, 4) if quick else (600, 6)
    with one_thread():
        results = {task: train(task, num_steps, max_len, seed) for seed, task in enumerate(TASKS)}
    every = max(1, num_steps // 50)
    data = {"steps": num_steps, "max_len": max_len, "loss_steps": list(range(0, num_steps, every)),
            "loss": {task: [sum(r["loss"][i:i + every]) / len(r["loss"][i:i + every]) for i in range(0, num_steps, every)]
                     for task, r in results.items()},
            "tasks": {task: {k: v for k, v in r.items() if k != "loss"} for task, r in results.items()}}
    return data | {"findings": findings(data)}


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    names = {"copy": words("copy"), "reverse": words("reverse")}
    out: list[draw.Figure] = [draw.Lines(words("training_loss_cross_entropy"),
                                         [float(s) for s in data["loss_steps"]],
                                         {names[t]: data["loss"][t] for t in TASKS}, x_label=words("step"),
                                         log_y=True)]
    for task in TASKS:
        r = data["tasks"][task]
        rows = [f"→{c}" for c in r["example_target"]] + ["→EOS"]
        title = words("cross_attention_on", value=names[task], example_source=r['example_source'])
        out.append(draw.Heatmap(title, r["cross_attention"], rows, list(r["example_source"]), corner="out \\ src"))
    return out


def show(data: dict[str, Any], words: Words) -> None:
    out = console.out()
    draw.show(*figures(data, words))
    table = draw.Table(title=words("greedy_generation_on_200"))
    for header in ([words("task"), words("exact_match"), words("cross_attention_same_mirrored"), words("examples_input_output")]):
        table.add_column(header)
    for task in TASKS:
        r = data["tasks"][task]
        shown = "  ".join(f"{s['source']}→{s['output']}{'' if s['correct'] else ' ✗'}" for s in r["samples"])
        table.add_row(words("copy") if task == "copy" else words("reverse"),
                      f"{r['exact_match']:.0%}", f"{r['on_same_position']:.2f} / {r['on_mirrored_position']:.2f}", shown)
    out.print(table)


TIE = 0.05  # exact-match rates within 5 points on 200 strings: a tie


def findings(data: dict[str, Any]) -> list[list]:
    copy, reverse = data["tasks"]["copy"], data["tasks"]["reverse"]
    gap = copy["exact_match"] - reverse["exact_match"]
    pace = "reverse_slower" if gap > TIE else "copy_slower" if gap < -TIE else "alike"
    return [["cross_attention", {"same": copy["on_same_position"], "mirrored": reverse["on_mirrored_position"]}],
            [pace, {"steps": data["steps"]}]]


if __name__ == "__main__":
    main("transformer-copy")
