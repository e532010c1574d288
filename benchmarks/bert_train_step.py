"""Time one pre-training step of the tiny reference BertForPreTraining against transformers' on the same config.

    .venv/bin/python benchmarks/bert_train_step.py [--batch 8] [--length 64] [--rounds 60]

BertConfig.tiny() (2 layers, d_model 32, 2 heads, d_ff 64, 100 tokens), float32, training mode
(dropout on). Each model starts from the same weights and data; a step is forward, the MLM + NSP
cross-entropy loss, backward and AdamW (lr 1e-3, weight decay 0.01). With dropout off, the first
step's losses are checked equal within 1e-5; then the two models' steps are timed in interleaved
rounds (benchmarks/timing.py): each one's median, and the speed-up, the median over rounds of HF's
time over the reference's. Needs the `test` extra (transformers).
"""

from __future__ import annotations

import argparse
import dataclasses

import torch
import torch.nn.functional as F
import transformers

from bertstudy.reference.bert import BertConfig, BertForPreTraining
from bertstudy.reference.bert_weights import load_bert_weights
from timing import interleaved, median, paired_ratio


def batch_of(config: BertConfig, batch: int, length: int, seed: int = 0) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, config.vocab_size, (batch, length), generator=gen)  # (B, L)
    labels = torch.where(torch.rand(batch, length, generator=gen) < 0.15, ids, torch.full_like(ids, -100))
    return {"input_ids": ids, "token_type_ids": (torch.arange(length) >= length // 2).long().expand(batch, length),
            "attention_mask": torch.ones_like(ids), "labels": labels,
            "next_sentence_label": torch.randint(0, 2, (batch,), generator=gen)}


def loss_of(mlm_logits: torch.Tensor, nsp_logits: torch.Tensor, data: dict[str, torch.Tensor]) -> torch.Tensor:
    mlm = F.cross_entropy(mlm_logits.flatten(0, 1), data["labels"].flatten(), ignore_index=-100)
    return mlm + F.cross_entropy(nsp_logits, data["next_sentence_label"])


def steppers(config: BertConfig, data: dict[str, torch.Tensor], dropout: bool):
    """(reference step, HF step) closures over fresh models that start from the same weights."""
    hf_config = transformers.BertConfig(**dataclasses.asdict(config))
    if not dropout:
        hf_config.hidden_dropout_prob = hf_config.attention_probs_dropout_prob = 0.0
        config = dataclasses.replace(config, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    torch.manual_seed(0)
    theirs = transformers.BertForPreTraining(hf_config).train()
    ours = BertForPreTraining(config).train()
    load_bert_weights(ours, theirs.state_dict())
    inputs = {k: data[k] for k in ("input_ids", "token_type_ids", "attention_mask")}

    def make(model, forward):
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)

        def step() -> float:
            optimizer.zero_grad(set_to_none=True)
            loss = loss_of(*forward(model), data)
            loss.backward()
            optimizer.step()
            return loss.item()
        return step

    def hf_forward(model):
        out = model(**inputs)
        return out.prediction_logits, out.seq_relationship_logits

    return make(ours, lambda m: m(**inputs)), make(theirs, hf_forward)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--length", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=60, help="interleaved timed rounds, one step of each model")
    args = parser.parse_args()

    config = BertConfig.tiny()
    data = batch_of(config, args.batch, args.length)
    ours, theirs = steppers(config, data, dropout=False)
    first = (ours(), theirs())
    if abs(first[0] - first[1]) > 1e-5:
        raise SystemExit(f"the first losses differ: {first[0]} vs {first[1]}")
    second = (ours(), theirs())  # after one AdamW step from equal gradients
    ours, theirs = steppers(config, data, dropout=True)
    times = interleaved({"reference": ours, "hf": theirs}, args.rounds, warmups=3)
    t_ours, t_theirs = median(times["reference"]), median(times["hf"])
    print(f"BertForPreTraining training step (forward, loss, backward, AdamW), tiny config, batch {args.batch} x "
          f"{args.length}, {torch.get_num_threads()} threads, torch {torch.__version__}, transformers {transformers.__version__}, "
          f"{args.rounds} interleaved rounds")
    print(f"{'':<16}{'reference ms':>14}{'HF ms':>10}{'speed-up':>10}{'loss step 1':>13}{'loss step 2':>13}")
    print(f"{'tiny':<16}{t_ours * 1e3:>14.2f}{t_theirs * 1e3:>10.2f}{paired_ratio(times['hf'], times['reference']):>9.2f}x"
          f"{first[0]:>13.5f}{second[0]:>13.5f}")
    print(f"{'(HF losses)':<16}{'':>14}{'':>10}{'':>10}{first[1]:>13.5f}{second[1]:>13.5f}")


if __name__ == "__main__":
    main()
