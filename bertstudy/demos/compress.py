"""Compressing a small BERT classifier: int8 quantisation, pruning and distillation side by side."""

from __future__ import annotations

import copy
import statistics
import time
import warnings
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import nn

from bertstudy import console
from bertstudy.demos import Words, draw
from bertstudy.demos.live import one_thread, steps
from bertstudy.reference import compression
from bertstudy.reference.basics import cross_entropy
from bertstudy.reference.bert import BertConfig, BertForSequenceClassification
from bertstudy.reference.optim import AdamW, bert_learning_rate

SEED = 0
CLS = 1
VOCAB_SIZE = 42  # [PAD] 0, [CLS] 1, then 40 words
WEIGHTS = torch.tensor([0.0, 0.0] + [2.0] * 6 + [1.0] * 8 + [-2.0] * 6 + [-1.0] * 8 + [0.0] * 12)  # (VOCAB_SIZE,)
WORDS = 12  # words per sentence, after [CLS]
LEARNING_RATE = 3e-3
TEMPERATURE, ALPHA = 2.0, 0.5  # the distillation loss's T and weight of the soft term
TABLE_SPARSITIES = (0.3, 0.6, 0.9)
BATCH_SIZE = 32
N_LABELLED = 200  # of the training sentences, the ones whose labels the students may use


@dataclass(frozen=True)
class Plan:
    teacher_steps: int
    student_steps: int
    n_train: int  # labelled sentences the teacher learns from
    n_test: int
    timing_batch: int  # sentences in the batch whose forward pass is timed
    timing_runs: int
    warmup_runs: int
    log_every: int  # student steps between two points of the learning curves
    curve_sparsities: tuple[float, ...]


PLANS = {
    "default": Plan(300, 300, 3000, 1000, 256, 20, 3, 25, (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)),
    "quick": Plan(100, 100, 1500, 400, 64, 2, 1, 20, (0.0, 0.3, 0.6, 0.9)),
}

TEACHER = BertConfig.tiny(vocab_size=VOCAB_SIZE, hidden_size=64, num_attention_heads=4, intermediate_size=128,
                          max_position_embeddings=16, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
STUDENT = replace(TEACHER, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)


def sentences(n: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """n sentences (n, 1 + WORDS) int64 starting with [CLS], and their labels (n,): 1 when the
    words' weights add up to more than 0, 0 when to less (sentences that sum to 0 are not used)."""
    ids, labels = [], []
    while sum(len(t) for t in ids) < n:
        words = torch.randint(2, VOCAB_SIZE, (2 * n, WORDS), generator=gen)  # (2n, WORDS)
        score = WEIGHTS[words].sum(dim=1)  # (2n,)
        keep = score != 0
        ids.append(words[keep])
        labels.append((score[keep] > 0).long())
    words, y = torch.cat(ids)[:n], torch.cat(labels)[:n]
    return torch.cat([torch.full((n, 1), CLS), words], dim=1), y  # (n, 1 + WORDS), (n,)


def predict(model: nn.Module, ids: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model(ids).argmax(dim=-1)  # (n,)


def accuracy(model: nn.Module, ids: torch.Tensor, labels: torch.Tensor) -> float:
    return (predict(model, ids) == labels).float().mean().item()


def train(model: nn.Module, ids: torch.Tensor, labels: torch.Tensor, n_steps: int, gen: torch.Generator,
          phase: str, teacher: nn.Module | None = None, test: tuple[torch.Tensor, torch.Tensor] | None = None,
          log_every: int = 0) -> list[float]:
    """AdamW with BERT's warm-up and linear decay on random batches of (ids, labels); with a teacher,
    the loss is the distillation loss. Returns the test accuracy every log_every steps (if asked)."""
    optimizer = AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    curve = []
    model.train()
    for step in steps(range(n_steps), phase):
        optimizer.lr = bert_learning_rate(step, LEARNING_RATE, n_steps // 10, n_steps)
        batch = torch.randint(0, len(ids), (BATCH_SIZE,), generator=gen)
        logits = model(ids[batch])  # (B, 2)
        if teacher is None:
            loss = cross_entropy(logits, labels[batch])
        else:
            with torch.no_grad():
                teacher_logits = teacher(ids[batch])  # (B, 2)
            loss = compression.distillation_loss(logits, teacher_logits, labels[batch], TEMPERATURE, ALPHA)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if test is not None and log_every and (step + 1) % log_every == 0:
            model.eval()
            curve.append(accuracy(model, *test))
            model.train()
    model.eval()
    return curve


def latency_ms(model: nn.Module, ids: torch.Tensor, runs: int, warmup: int) -> float:
    """Median wall time of one forward pass on `ids`, in milliseconds, after `warmup` untimed runs."""
    times = []
    with torch.no_grad():
        for _ in range(warmup + runs):
            start = time.perf_counter()
            model(ids)
            times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times[warmup:])


def torch_quantize_dynamic(model: nn.Module) -> nn.Module | None:
    """PyTorch's dynamic int8 quantisation of every nn.Linear, or None where this torch has none.
    torch.ao.quantization is deprecated in torch 2.13 in favour of the torchao package
    (`quantize_(model, Int8DynamicActivationInt8WeightConfig())`); its warnings are silenced here."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from torch.ao.quantization import quantize_dynamic

            return quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    except (ImportError, RuntimeError):
        return None


@one_thread()  # tiny models: fastest so, and steady latencies when another process is busy
def run(quick: bool = False) -> dict[str, Any]:
    plan = PLANS["quick" if quick else "default"]
    gen = torch.Generator().manual_seed(SEED)
    train_ids, train_labels = sentences(plan.n_train, gen)
    test_ids, test_labels = sentences(plan.n_test, gen)
    test = (test_ids, test_labels)

    torch.manual_seed(SEED)
    teacher = BertForSequenceClassification(TEACHER)
    train(teacher, train_ids, train_labels, plan.teacher_steps, gen, "teacher")
    reference = predict(teacher, test_ids)  # the fp32 teacher's predictions
    timing_batch = test_ids[:plan.timing_batch]

    def measure(key: str, model: nn.Module, **extra: Any) -> dict[str, Any]:
        predictions = predict(model, test_ids)
        return {"key": key, "bytes": compression.serialized_size(model),
                "latency_ms": latency_ms(model, timing_batch, plan.timing_runs, plan.warmup_runs),
                "accuracy": (predictions == test_labels).float().mean().item(),
                "agreement": (predictions == reference).float().mean().item(), **extra}

    rows = [measure("fp32", teacher, params=sum(p.numel() for p in teacher.parameters()))]

    # int8 dynamic quantisation: ours and PyTorch's
    with torch.no_grad():
        logits = teacher(test_ids)  # (n_test, 2)
        theirs = torch_quantize_dynamic(teacher)
        for key, quantized in ("int8_ours", compression.quantize_dynamic(teacher)), ("int8_torch", theirs):
            if quantized is not None:  # error: ||logits' - logits|| / ||logits||
                error = ((quantized(test_ids) - logits).norm() / logits.norm()).item()
                rows.append(measure(key, quantized, error=error))

    # unstructured magnitude pruning: the table's rows, then the curves
    def pruned(sparsity: float, scope: str = "global") -> nn.Module:
        model = copy.deepcopy(teacher)
        compression.prune_linear_layers(model, sparsity, scope=scope)
        return model

    rows += [measure(f"pruned_{round(s * 100)}", pruned(s), sparsity=s) for s in TABLE_SPARSITIES]
    curves = {scope: [accuracy(pruned(s, scope), *test) for s in plan.curve_sparsities]
              for scope in ("global", "layer")}

    # attention heads: Michel et al.'s importance on training batches, then prune half of them
    batches = [torch.randint(0, plan.n_train, (128,), generator=gen) for _ in range(4)]
    importance = compression.head_importance(
        teacher, batches, lambda model, batch: cross_entropy(model(train_ids[batch]), train_labels[batch]))
    for key, scores in ("heads_least", importance), ("heads_most", -importance):
        model = copy.deepcopy(teacher)
        removed = compression.heads_to_remove(scores, 0.5)
        compression.prune_heads(model, removed)
        rows.append(measure(key, model, removed={str(k): v for k, v in removed.items()}, n_heads=importance.numel()))

    # distillation: the same student trained two ways from the same initial weights
    torch.manual_seed(SEED + 1)
    distilled = BertForSequenceClassification(STUDENT)
    plain = copy.deepcopy(distilled)
    transfer_labels = predict(teacher, train_ids)  # the teacher's predictions stand in for labels...
    transfer_labels[:N_LABELLED] = train_labels[:N_LABELLED]  # ...except where labels are known
    curve_distilled = train(distilled, train_ids, transfer_labels, plan.student_steps,
                            torch.Generator().manual_seed(SEED + 2), "student_distilled",
                            teacher=teacher, test=test, log_every=plan.log_every)
    curve_plain = train(plain, train_ids[:N_LABELLED], train_labels[:N_LABELLED], plan.student_steps,
                        torch.Generator().manual_seed(SEED + 2), "student_labels",  # the same batches
                        test=test, log_every=plan.log_every)
    params = sum(p.numel() for p in distilled.parameters())
    rows += [measure("student_distilled", distilled, params=params), measure("student_labels", plain, params=params)]

    data = {
        "teacher": {"layers": TEACHER.num_hidden_layers, "d_model": TEACHER.hidden_size, "heads": TEACHER.num_attention_heads},
        "student": {"layers": STUDENT.num_hidden_layers, "d_model": STUDENT.hidden_size, "heads": STUDENT.num_attention_heads},
        "n_train": plan.n_train, "n_labelled": N_LABELLED, "n_test": plan.n_test,
        "teacher_steps": plan.teacher_steps, "student_steps": plan.student_steps,
        "timing_batch": len(timing_batch), "torch_quantization": theirs is not None,
        "rows": rows,
        "sparsities": list(plan.curve_sparsities), "pruning_curves": curves,
        "head_importance": importance.tolist(),
        "student_steps_logged": [plan.log_every * (i + 1) for i in range(len(curve_plain))],
        "student_curves": {"distilled": curve_distilled, "labels_only": curve_plain},
    }
    return data | {"findings": findings(data)}


# ---- drawing -----------------------------------------------------------------------------------------

ROWS = ("fp32", "int8_ours", "int8_torch", "pruned_30", "pruned_60", "pruned_90", "heads_least", "heads_most",
        "student_distilled", "student_labels")  # the table's rows, each named by the pack's word `row_<key>`


def figures(data: dict[str, Any], words: Words) -> list[draw.Figure]:
    curves, importance, learning = data["pruning_curves"], data["head_importance"], data["student_curves"]
    pruning = draw.Lines(words("accuracy_after_magnitude_pruning"), [100 * s for s in data["sparsities"]],
                         {words("global"): curves["global"], words("per_layer"): curves["layer"]},
                         x_label=words("sparsity"), y_label=words("accuracy"))
    heads = draw.Heatmap(words("head_importance_l_h"), importance,
                         [words("layer", i=i) for i in range(len(importance))],
                         [words("head", h=h) for h in range(len(importance[0]))])
    students = draw.Lines(words("student_accuracy_on_held"), data["student_steps_logged"],
                          {words("distilled"): learning["distilled"], words("labels_only"): learning["labels_only"]},
                          x_label=words("training_steps"), y_label=words("accuracy"))
    return [pruning, heads, students]


CLOSE = 0.02  # accuracies nearer than this are "about the same"
NOISE = 0.2  # latency ratios within 20% of 1 are timing noise on a shared CPU


def findings(data: dict[str, Any]) -> list[list]:
    """What to notice, read from this run's numbers (so a note never claims what the run did not show)."""
    rows = {row["key"]: row for row in data["rows"]}
    fp32, ours, torch_row = rows["fp32"], rows["int8_ours"], rows.get("int8_torch")
    out: list[list] = [["setup", {**data["teacher"], "steps": data["teacher_steps"], "n_train": data["n_train"],
                                  **{f"student_{key}": value for key, value in data["student"].items()},
                                  "n_test": data["n_test"], "timing_batch": data["timing_batch"]}]]
    kb = {key: round(row["bytes"] / 1024) for key, row in rows.items()}
    out.append(["int8", {"fp32_kb": kb["fp32"], "int8_kb": kb["int8_ours"], "error": ours["error"]}])
    if torch_row is None:
        out.append(["int8_torch_missing", {}])
    else:
        ratio = torch_row["latency_ms"] / fp32["latency_ms"]
        speed = "faster" if ratio < 1 - NOISE else "slower" if ratio > 1 + NOISE else "as_fast"
        out.append([f"int8_torch_{speed}", {"error": torch_row["error"]}])
        if torch_row["error"] > ours["error"]:
            out.append(["int8_torch_coarser", {}])
    pruned = [rows[f"pruned_{round(100 * s)}"] for s in TABLE_SPARSITIES]
    out.append(["pruning", {"sparsities": [f"{round(100 * r['sparsity'])}%" for r in pruned],
                            "accuracies": [f"{100 * r['accuracy']:.1f}%" for r in pruned], "fp32": fp32["accuracy"]}])
    scopes = {"sparsity": data["sparsities"][-1]} | {scope: c[-1] for scope, c in data["pruning_curves"].items()}
    out.append(["pruning_layer_hurts" if scopes["layer"] < scopes["global"] - CLOSE else "pruning_scopes_close", scopes])
    least, most = rows["heads_least"], rows["heads_most"]
    heads = {"fp32_kb": kb["fp32"], "pruned_kb": kb["heads_least"], "least": least["accuracy"], "most": most["accuracy"]}
    out.append(["heads_score_tells" if most["accuracy"] < least["accuracy"] - CLOSE else "heads_redundant", heads])
    distilled, plain = rows["student_distilled"], rows["student_labels"]
    out.append(["student", {"params": distilled["params"], "teacher_params": fp32["params"],
                            "kb": kb["student_distilled"], "labels": data["n_labelled"],
                            "unlabelled": data["n_train"] - data["n_labelled"], "temperature": TEMPERATURE,
                            "alpha": ALPHA}])
    scores = {"distilled": distilled["accuracy"], "plain": plain["accuracy"],
              "ahead": 100 * (distilled["accuracy"] - plain["accuracy"])}
    out.append(["distillation_pays" if scores["ahead"] > 100 * CLOSE else "distillation_even", scores])
    return out


def show(data: dict[str, Any], words: Words) -> None:
    headers = [words(key) for key in ("model", "size_kb", "ms_batch", "accuracy", "agrees_with_fp32")]
    table = draw.table(words("compression_side_by_side"), headers, ["left"] + ["right"] * 4)
    table.columns[0].no_wrap = True  # a model's name stays on one line
    for row in data["rows"]:
        table.add_row(console.esc(words(f"row_{row['key']}")), f"{row['bytes'] / 1024:.1f}", f"{row['latency_ms']:.2f}",
                      f"{100 * row['accuracy']:.1f}%", f"{100 * row['agreement']:.1f}%")
    console.out().print(table)
    draw.show(*figures(data, words))
