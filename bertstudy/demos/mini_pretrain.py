"""Pre-train a tiny BERT with masked language modelling and next sentence prediction, and watch it
learn to fill in blanks.

The corpus is bertstudy/data/pretrain-corpus.txt: 312 short sentences in 50 documents about a small
closed world (animals, jobs, seasons, a town), one sentence per line and a blank line between
documents, the input format of Google's create_pretraining_data.py. The vocabulary is one token per
word (no WordPiece: a closed world of about 400 words needs none, and it keeps the demo fast). Every epoch
makes fresh sentence pairs with Google's procedure (reference.pretraining.create_nsp_pairs) and every
batch fresh masks (mask_tokens: 15% of the tokens, 80/10/10), dynamic in the RoBERTa way. The model
is reference.bert.BertForPreTraining with a tiny config; the loss is the mean MLM cross-entropy over
the masked tokens plus the mean NSP cross-entropy (as in the paper's appendix A.2), minimised with
AdamW (reference.optim), BERT's linear warm-up and linear decay. The demo draws both loss curves and shows the top
guesses for a few sentences with a blank, and the NSP accuracy on fresh pairs, before and after.

Run through torchrun it trains with DistributedDataParallel:
    torchrun --nproc-per-node 2 -m bertstudy.demos.mini_pretrain [--quick] [--summary FILE]
The environment torchrun sets (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) switches it on;
the backend is nccl when CUDA is available (one GPU per rank) and gloo on CPU. Every rank builds the
same global batches and masks from the same seeds and trains on its shard (every WORLD_SIZE-th
example); DDP averages the gradients, so the ranks stay identical. Only rank 0 prints, and writes
the run's data as JSON to FILE.
Leaves out: WordPiece and a real corpus, sequences longer than 24 tokens, gradient clipping, mixed
precision, checkpoints, and evaluation on text the model never saw (the NSP pairs are new pairings
of the training sentences).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from dataclasses import asdict, dataclass
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


@dataclass(frozen=True)
class Settings:
    steps: int
    batch_size: int  # the global batch, split over the ranks
    hidden_size: int
    layers: int
    heads: int
    intermediate_size: int
    lr: float
    warmup: int
    max_seq_length: int = 24
    seed: int = 0


SETTINGS = {
    False: Settings(steps=800, batch_size=32, hidden_size=64, layers=2, heads=2, intermediate_size=128, lr=4e-3, warmup=80),
    True: Settings(steps=60, batch_size=32, hidden_size=32, layers=1, heads=2, intermediate_size=64, lr=3e-3, warmup=6),
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
    words = sorted({w for d in documents for s in d for w in s})
    return SPECIALS + words


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


class PairStream:
    """Global batches of NSP pairs: each epoch Google's procedure makes new pairs, shuffled."""

    def __init__(self, documents: list, max_seq_length: int, seed: int):
        self.documents, self.max_seq_length = documents, max_seq_length
        self.rng = random.Random(seed)
        self.queue: list = []
        self.epochs = 0

    def next(self, size: int) -> list:
        while len(self.queue) < size:
            epoch = create_nsp_pairs(self.documents, self.rng, self.max_seq_length, short_seq_prob=0.1)
            self.rng.shuffle(epoch)
            self.queue += epoch
            self.epochs += 1
        batch, self.queue = self.queue[:size], self.queue[size:]
        return batch


def losses(model: torch.nn.Module, batch: dict[str, torch.Tensor], mlm_labels: torch.Tensor,
           corrupted: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean MLM cross-entropy over the masked tokens and mean NSP cross-entropy."""
    mlm_logits, nsp_logits = model(corrupted, batch["token_type_ids"], batch["attention_mask"])  # (N, L, V), (N, 2)
    if (mlm_labels != -100).any():
        mlm = F.cross_entropy(mlm_logits.flatten(0, 1), mlm_labels.flatten(), ignore_index=-100)  # (N·L, V)
    else:  # nothing masked in this shard: no MLM signal, but keep the graph for DDP
        mlm = mlm_logits.sum() * 0.0
    nsp = F.cross_entropy(nsp_logits, batch["next_sentence_label"])
    return mlm, nsp


@torch.no_grad()
def fill_in(model: BertForPreTraining, vocab: list[str], device: torch.device) -> list[dict[str, Any]]:
    """For each probe, [CLS] A [SEP] B [SEP] with one blank in A: the model's top 3 words for the
    blank (with their probabilities) and the rank of the corpus's word among all the vocabulary."""
    index = {w: i for i, w in enumerate(vocab)}
    model.eval()
    out = []
    for a, b, answer in PROBES:
        ids_a, ids_b = [index.get(w, UNK) for w in a.split()], [index.get(w, UNK) for w in b.split()]
        ids = [CLS, *ids_a, SEP, *ids_b, SEP]
        segments = [0] * (len(ids_a) + 2) + [1] * (len(ids_b) + 1)
        logits, _ = model(torch.tensor([ids], device=device), torch.tensor([segments], device=device))  # (1, L, V)
        probs = logits[0, ids.index(MASK)].softmax(-1)  # (V,)
        top = probs.topk(3)
        out.append({"sentence": a, "next": b, "answer": answer, "answer_probability": probs[index[answer]].item(),
                    "answer_rank": int((probs > probs[index[answer]]).sum()) + 1,
                    "top": [[vocab[int(i)], p.item()] for p, i in zip(top.values, top.indices)]})
    model.train()
    return out


@torch.no_grad()
def nsp_accuracy(model: BertForPreTraining, pairs: list, max_seq_length: int, device: torch.device) -> float:
    model.eval()
    batch = {k: v.to(device) for k, v in collate(pairs, max_seq_length).items()}
    _, nsp_logits = model(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])  # (N, 2)
    model.train()
    return (nsp_logits.argmax(-1) == batch["next_sentence_label"]).float().mean().item()


def distributed_env() -> tuple[int, int, int] | None:
    """(rank, world size, local rank) when torchrun (or torch.distributed.run) started this process."""
    if not all(k in os.environ for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")):
        return None
    return int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", 0))


def train(quick: bool = False, rank: int = 0, world: int = 1, device: torch.device | None = None) -> dict[str, Any]:
    """Pre-train and measure; with world > 1 the process group must already be initialised."""
    settings = SETTINGS[quick]
    device = device or torch.device("cpu")
    started = time.perf_counter()
    documents = read_documents()
    vocab = build_vocab(documents)
    index = {w: i for i, w in enumerate(vocab)}
    corpus = [[[index[w] for w in s] for s in d] for d in documents]
    torch.manual_seed(settings.seed)  # the same initial weights on every rank (DDP also broadcasts rank 0's)
    config = BertConfig.tiny(vocab_size=len(vocab), hidden_size=settings.hidden_size, num_hidden_layers=settings.layers,
                             num_attention_heads=settings.heads, intermediate_size=settings.intermediate_size,
                             max_position_embeddings=settings.max_seq_length, hidden_dropout_prob=0.0,
                             attention_probs_dropout_prob=0.0)
    model = BertForPreTraining(config).to(device)
    held_out = create_nsp_pairs(corpus, random.Random(settings.seed + 1), settings.max_seq_length)
    before = fill_in(model, vocab, device)
    nsp_before = nsp_accuracy(model, held_out, settings.max_seq_length, device)

    trained = model
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        trained = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    optimizer = AdamW(model.parameters(), lr=settings.lr, weight_decay=0.01)
    stream = PairStream(corpus, settings.max_seq_length, settings.seed)
    masks = torch.Generator().manual_seed(settings.seed)  # the same masks on every rank
    mlm_curve, nsp_curve = [], []
    for step in steps(range(settings.steps), "pre-training"):
        optimizer.lr = bert_learning_rate(step + 1, settings.lr, settings.warmup, settings.steps)
        batch = collate(stream.next(settings.batch_size), settings.max_seq_length)
        corrupted, mlm_labels = mask_tokens(batch["input_ids"], batch["special"], MASK, len(vocab), 0.15, masks)
        shard = slice(rank, None, world)  # this rank's share of the global batch
        mine = {k: v[shard].to(device) for k, v in batch.items()}
        mlm, nsp = losses(trained, mine, mlm_labels[shard].to(device), corrupted[shard].to(device))
        optimizer.zero_grad()
        (mlm + nsp).backward()
        optimizer.step()
        logged = torch.stack([mlm.detach(), nsp.detach()])
        if world > 1:  # the curves show the mean over the ranks
            torch.distributed.all_reduce(logged)
            logged /= world
        mlm_curve.append(logged[0].item())
        nsp_curve.append(logged[1].item())
    after = fill_in(model, vocab, device)
    nsp_after = nsp_accuracy(model, held_out, settings.max_seq_length, device)
    data = {
        "ranks_agree": ranks_agree(model, world, device),
        "settings": asdict(settings), "world_size": world, "device": str(device),
        "backend": torch.distributed.get_backend() if world > 1 else None,
        "documents": len(documents), "sentences": sum(len(d) for d in documents), "vocab_size": len(vocab),
        "parameters": sum(p.numel() for p in model.parameters()), "epochs": stream.epochs,
        "mlm_loss": mlm_curve, "nsp_loss": nsp_curve, "uniform_mlm_loss": math.log(len(vocab)),
        "before": before, "after": after, "nsp_accuracy_before": nsp_before, "nsp_accuracy_after": nsp_after,
        "held_out_pairs": len(held_out), "seconds": time.perf_counter() - started,
    }
    return data | {"findings": findings(data)}


def ranks_agree(model: torch.nn.Module, world: int, device: torch.device) -> bool | None:
    """Whether every rank ends with the same weights (DDP's promise), by comparing checksums."""
    if world == 1:
        return None
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
    out = console.out()
    esc = console.esc
    draw.show(*figures(data, words))
    table = draw.Table(title=words("fill_in_the_blank"))
    for name in (words("sentence_a_b_the"), words("the_corpus_says"), words("its_rank"), words("before"), words("after")):
        table.add_column(name)
    for b, a in zip(data["before"], data["after"]):
        guesses = ["\n".join(f"{w} {p:.2f}" for w, p in row["top"]) for row in (b, a)]  # one guess per line
        right = a["answer_rank"] == 1
        table.add_row(esc(b["sentence"]), esc(b["answer"]), f"{b['answer_rank']} → {a['answer_rank']}", esc(guesses[0]),
                      ("[ok]" if right else "[fail]") + esc(guesses[1]) + ("[/ok]" if right else "[/fail]"))
    out.print(table)


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
    env = distributed_env()
    if env is None:
        rank, data = 0, run(args.quick)
    else:
        rank, world, local_rank = env
        use_cuda = torch.cuda.is_available()
        if use_cuda:
            device = torch.device("cuda", local_rank)
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
