"""Pre-train a tiny BERT with masked language modelling and next sentence prediction, and watch it
learn to fill in blanks.

Run through torchrun it trains with DistributedDataParallel:
    torchrun --nproc-per-node 2 -m bertstudy.demos.mini_pretrain [--quick] [--summary FILE]
The environment torchrun sets (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) switches it on;
the backend is nccl when CUDA is available (one GPU per rank) and gloo on CPU. Every rank builds the
same global batches and masks from the same seeds and trains on its shard (every WORLD_SIZE-th
example); DDP averages the gradients, so the ranks stay identical. Only rank 0 prints, and writes
the run's data as JSON to FILE.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from bertstudy import console
from bertstudy.demos import Words, draw
from bertstudy.demos import main as present
from bertstudy.demos.live import one_thread, steps
from bertstudy.reference.bert import BertConfig, BertForPreTraining
from bertstudy.reference.optim import AdamW, bert_learning_rate
from bertstudy.reference.pretraining import create_nsp_pairs, mask_tokens

CORPUS = Path(__file__).resolve().parent.parent / "data" / "pretrain-corpus.txt"
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PAD, UNK, CLS, SEP, MASK = range(len(SPECIALS))
PROBES = [  # (sentence A with one blank, sentence B after it in the corpus, the word the corpus says)
    ("the farmer sells corn at the [MASK] .", "people cook soup with vegetables .", "market"),
    ("every morning ben takes the bus to the [MASK] .", "ben teaches the children to read .", "school"),
    ("anna works at the [MASK] .", "anna helps sick people .", "hospital"),
    ("the bee visits the [MASK] .", "the bee makes honey .", "flowers"),
    ("the cow says [MASK] .", "the sheep says baa .", "moo"),
    ("in winter the weather is [MASK] .", "in spring the weather is mild .", "cold"),
]
SETTINGS = {  # batch_size: the global batch, split over the ranks
    False: {"steps": 800, "batch_size": 32, "hidden_size": 64, "layers": 2, "heads": 2, "intermediate_size": 128,
            "lr": 4e-3, "warmup": 80, "max_seq_length": 24, "seed": 0},
    True: {"steps": 60, "batch_size": 32, "hidden_size": 32, "layers": 1, "heads": 2, "intermediate_size": 64,
           "lr": 3e-3, "warmup": 6, "max_seq_length": 24, "seed": 0},
}


def read_documents(path: Path = CORPUS) -> list[list[list[str]]]:
    """Documents as lists of sentences as lists of words (the file: a sentence per line, blank lines
    between documents)."""
    documents: list[list[list[str]]] = [[]]
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            documents[-1].append(line.split())
        elif documents[-1]:
            documents.append([])
    return [d for d in documents if d]


def build_vocab(documents: list[list[list[str]]]) -> list[str]:
    """The special tokens, then every word of the corpus in sorted order; a token's id is its index."""
    return SPECIALS + sorted({w for d in documents for s in d for w in s})


def collate(pairs: list, max_seq_length: int) -> dict[str, torch.Tensor]:
    """[CLS] A [SEP] B [SEP] for each pair, padded: ids, segments, attention and special-token masks."""
    input_ids = torch.full((len(pairs), max_seq_length), PAD)  # (N, L)
    token_type_ids = torch.zeros_like(input_ids)  # (N, L)
    for row, (a, b, _) in enumerate(pairs):
        tokens = [CLS, *a, SEP, *b, SEP]
        input_ids[row, :len(tokens)] = torch.tensor(tokens)
        token_type_ids[row, len(a) + 2:len(tokens)] = 1
    special = (input_ids == PAD) | (input_ids == CLS) | (input_ids == SEP)  # (N, L): never masked
    labels = torch.tensor([int(p.is_random_next) for p in pairs])  # (N,): 0 IsNext, 1 NotNext
    return {"input_ids": input_ids, "token_type_ids": token_type_ids, "attention_mask": input_ids != PAD,
            "special": special, "next_sentence_label": labels}


@torch.no_grad()
def measure(model: BertForPreTraining, vocab: list[str], pairs: list, max_seq_length: int,
            device: torch.device) -> tuple[list[dict[str, Any]], float]:
    """For each probe, [CLS] A [SEP] B [SEP] with one blank in A: the model's top 3 words for the
    blank (with their probabilities) and the rank of the corpus's word among all the vocabulary;
    then the NSP accuracy on `pairs`."""
    index = {w: i for i, w in enumerate(vocab)}
    model.eval()
    probes = []
    for a, b, answer in PROBES:
        ids_a, ids_b = [index.get(w, UNK) for w in a.split()], [index.get(w, UNK) for w in b.split()]
        ids = [CLS, *ids_a, SEP, *ids_b, SEP]
        segments = [0] * (len(ids_a) + 2) + [1] * (len(ids_b) + 1)
        logits, _ = model(torch.tensor([ids], device=device), torch.tensor([segments], device=device))  # (1, L, V)
        probs = logits[0, ids.index(MASK)].softmax(-1)  # (V,)
        top = probs.topk(3)
        probes.append({"sentence": a, "next": b, "answer": answer, "answer_probability": probs[index[answer]].item(),
                       "answer_rank": int((probs > probs[index[answer]]).sum()) + 1,
                       "top": [[vocab[int(i)], p.item()] for p, i in zip(top.values, top.indices)]})
    batch = {k: v.to(device) for k, v in collate(pairs, max_seq_length).items()}
    _, nsp_logits = model(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])  # (N, 2)
    model.train()
    return probes, (nsp_logits.argmax(-1) == batch["next_sentence_label"]).float().mean().item()


def train(quick: bool = False, rank: int = 0, world: int = 1, device: torch.device | None = None) -> dict[str, Any]:
    """Pre-train and measure; with world > 1 the process group must already be initialised."""
    s = SETTINGS[quick]
    device = device or torch.device("cpu")
    started = time.perf_counter()
    documents = read_documents()
    vocab = build_vocab(documents)
    index = {w: i for i, w in enumerate(vocab)}
    corpus = [[[index[w] for w in sentence] for sentence in d] for d in documents]
    torch.manual_seed(s["seed"])  # the same initial weights on every rank (DDP also broadcasts rank 0's)
    config = BertConfig.tiny(vocab_size=len(vocab), hidden_size=s["hidden_size"], num_hidden_layers=s["layers"],
                             num_attention_heads=s["heads"], intermediate_size=s["intermediate_size"],
                             max_position_embeddings=s["max_seq_length"], hidden_dropout_prob=0.0,
                             attention_probs_dropout_prob=0.0)
    model = BertForPreTraining(config).to(device)
    held_out = create_nsp_pairs(corpus, random.Random(s["seed"] + 1), s["max_seq_length"])
    before, nsp_before = measure(model, vocab, held_out, s["max_seq_length"], device)

    device_ids = [device.index] if device.type == "cuda" else None
    trained = torch.nn.parallel.DistributedDataParallel(model, device_ids=device_ids) if world > 1 else model
    optimizer = AdamW(model.parameters(), lr=s["lr"], weight_decay=0.01)
    rng, queue, epochs = random.Random(s["seed"]), [], 0  # the stream of NSP pairs
    masks = torch.Generator().manual_seed(s["seed"])  # the same masks on every rank
    mlm_curve, nsp_curve = [], []
    for step in steps(range(s["steps"]), "pretraining"):
        optimizer.lr = bert_learning_rate(step + 1, s["lr"], s["warmup"], s["steps"])
        while len(queue) < s["batch_size"]:  # each epoch Google's procedure makes new pairs, shuffled
            epoch = create_nsp_pairs(corpus, rng, s["max_seq_length"], short_seq_prob=0.1)
            rng.shuffle(epoch)
            queue += epoch
            epochs += 1
        batch = collate(queue[:s["batch_size"]], s["max_seq_length"])  # the global batch
        queue = queue[s["batch_size"]:]
        corrupted, mlm_labels = mask_tokens(batch["input_ids"], batch["special"], MASK, len(vocab), 0.15, masks)
        shard = slice(rank, None, world)  # this rank's share of the global batch
        mine = {k: v[shard].to(device) for k, v in batch.items()}
        inputs, labels = corrupted[shard].to(device), mlm_labels[shard].to(device)  # (N, L) each
        mlm_logits, nsp_logits = trained(inputs, mine["token_type_ids"], mine["attention_mask"])  # (N, L, V), (N, 2)
        if (labels != -100).any():  # the mean MLM cross-entropy over the masked tokens
            mlm = F.cross_entropy(mlm_logits.flatten(0, 1), labels.flatten(), ignore_index=-100)  # (N·L, V)
        else:  # nothing masked in this shard: no MLM signal, but keep the graph for DDP
            mlm = mlm_logits.sum() * 0.0
        nsp = F.cross_entropy(nsp_logits, mine["next_sentence_label"])  # the mean NSP cross-entropy
        optimizer.zero_grad()
        (mlm + nsp).backward()
        optimizer.step()
        logged = torch.stack([mlm.detach(), nsp.detach()])
        if world > 1:  # the curves show the mean over the ranks
            torch.distributed.all_reduce(logged)
            logged /= world
        mlm_curve.append(logged[0].item())
        nsp_curve.append(logged[1].item())
    after, nsp_after = measure(model, vocab, held_out, s["max_seq_length"], device)
    data = {
        "ranks_agree": ranks_agree(model, world, device) if world > 1 else None,
        "settings": dict(s), "world_size": world, "device": str(device),
        "backend": torch.distributed.get_backend() if world > 1 else None,
        "documents": len(documents), "sentences": sum(len(d) for d in documents), "vocab_size": len(vocab),
        "parameters": sum(p.numel() for p in model.parameters()), "epochs": epochs,
        "mlm_loss": mlm_curve, "nsp_loss": nsp_curve, "uniform_mlm_loss": math.log(len(vocab)),
        "before": before, "after": after, "nsp_accuracy_before": nsp_before, "nsp_accuracy_after": nsp_after,
        "held_out_pairs": len(held_out), "seconds": time.perf_counter() - started,
    }
    return data | {"findings": findings(data)}


def ranks_agree(model: torch.nn.Module, world: int, device: torch.device) -> bool:
    """Whether every rank ends with the same weights (DDP's promise), by comparing checksums."""
    checksum = torch.stack([p.detach().double().sum() for p in model.parameters()]).sum().reshape(1).to(device)
    gathered = [torch.zeros_like(checksum) for _ in range(world)]
    torch.distributed.all_gather(gathered, checksum)
    return all(abs(g.item() - checksum.item()) <= 1e-9 * max(1.0, abs(checksum.item())) for g in gathered)


@one_thread()  # a tiny model: fastest so, and never stalled by another busy process
def run(quick: bool = False) -> dict[str, Any]:
    return train(quick)


def smooth(values: list[float], window: int) -> list[float]:
    """The mean of each value and the window - 1 before it."""
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v - (values[i - window] if i >= window else 0.0)
        out.append(total / min(i + 1, window))
    return out


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    window = max(1, len(data["mlm_loss"]) // 35)
    x = [float(s + 1) for s in range(len(data["mlm_loss"]))]
    series = {
        words("mlm_loss"): smooth(data["mlm_loss"], window),
        words("nsp_loss"): smooth(data["nsp_loss"], window),
        words("ln_v_a_uniform"): [data["uniform_mlm_loss"]] * len(x),
        words("ln_2_a_coin"): [math.log(2)] * len(x),
    }
    title = words("training_loss") + (
        words("moving_mean_over_steps", window=window) if window > 1 else "")
    return [draw.Lines(title, x, series, x_label=words("step"), y_label="nats", log_y=True)]


def show(data: dict[str, Any], words: Words) -> None:
    esc = console.esc
    draw.show(*figures(data, words))
    table = draw.table(words("fill_in_the_blank"),
                       [words(k) for k in ("sentence_a_b_the", "the_corpus_says", "its_rank", "before", "after")])
    for b, a in zip(data["before"], data["after"]):
        guesses = ["\n".join(f"{w} {p:.2f}" for w, p in row["top"]) for row in (b, a)]  # one guess per line
        style = "ok" if a["answer_rank"] == 1 else "fail"
        table.add_row(esc(b["sentence"]), esc(b["answer"]), f"{b['answer_rank']} → {a['answer_rank']}", esc(guesses[0]),
                      f"[{style}]{esc(guesses[1])}[/{style}]")
    console.out().print(table)


WEAK_NSP = 0.75  # an NSP accuracy below this is "only part" of the topic signal


def findings(data: dict[str, Any]) -> list[list]:
    s, losses = data["settings"], data["mlm_loss"]
    setup = {"layers": s["layers"], "d": s["hidden_size"], "heads": s["heads"], "parameters": f"{data['parameters']:,}",
             "documents": data["documents"], "sentences": data["sentences"], "vocab": data["vocab_size"],
             "words": data["vocab_size"] - len(SPECIALS), "specials": len(SPECIALS), "steps": s["steps"],
             "batch": s["batch_size"], "epochs": data["epochs"], "seconds": data["seconds"],
             "where": f"{data['world_size']} × {data['device']}" + (f" ({data['backend']})" if data["backend"] else "")}
    out = [["setup", setup]]
    if data["ranks_agree"] is not None:
        out.append(["ranks_agree" if data["ranks_agree"] else "ranks_differ", {}])
    trained = {"first": sum(losses[:10]) / min(10, len(losses)), "last": sum(losses[-10:]) / min(10, len(losses)),
               "uniform": data["uniform_mlm_loss"], "pairs": data["held_out_pairs"],
               "before": data["nsp_accuracy_before"], "after": data["nsp_accuracy_after"]}
    out.append(["trained_weak_nsp" if data["nsp_accuracy_after"] < WEAK_NSP else "trained", trained])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bertstudy.demos.mini_pretrain",
        description="Pre-train a tiny BERT (MLM + NSP). Under torchrun it trains with DistributedDataParallel.")
    parser.add_argument("--quick", action="store_true", help="a smaller model and fewer steps (seconds)")
    parser.add_argument("--summary", type=Path, metavar="FILE", help="rank 0 writes the run's data as JSON to FILE")
    args = parser.parse_args(argv)
    if not all(k in os.environ for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")):  # not under torchrun
        rank, data = 0, run(args.quick)
    else:
        rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
        use_cuda = torch.cuda.is_available()
        if use_cuda:
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
            torch.cuda.set_device(device)
        else:
            device = torch.device("cpu")
            torch.set_num_threads(max(1, (os.cpu_count() or 1) // int(os.environ.get("LOCAL_WORLD_SIZE", world))))
        torch.distributed.init_process_group("nccl" if use_cuda else "gloo")
        try:
            data = train(args.quick, rank, world, device)
            torch.distributed.barrier()  # no rank tears down while another still has work in flight
        finally:
            torch.distributed.destroy_process_group()
    if rank == 0:
        present("mini-pretrain", data)
        if args.summary:
            args.summary.write_text(json.dumps(data), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
