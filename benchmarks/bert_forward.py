"""Time the reference BertModel's forward pass against Hugging Face transformers' on the same weights.

    .venv/bin/python benchmarks/bert_forward.py [--layers 4] [--batch 8] [--length 128] [--rounds 15]

bert-base widths (d_model 768, 12 heads, d_ff 3072) with fewer layers, float32, eval mode, under
torch.no_grad, half the batch padded for its last quarter. HF's weights are loaded into the
reference and the outputs checked equal within 1e-5; HF runs with its default attention (SDPA) and
with "eager". The three forwards are timed in interleaved rounds (benchmarks/timing.py): the table
gives each one's median and the throughput ratio, the median over rounds of HF's time over the
reference's (above 1.0 the reference is faster). GFLOP/s counts the encoder's matrix products and
is set against this CPU's float32 matmul peak, measured in the same run. Needs the `test` extra.
"""

from __future__ import annotations

import argparse
import dataclasses

import torch
import transformers

from bertstudy.reference.bert import BertConfig, BertModel
from bertstudy.reference.bert_weights import load_bert_weights
from timing import interleaved, median, paired_ratio


def encoder_flops(config: BertConfig, batch: int, length: int) -> float:
    """Multiply-adds x 2 of the encoder's matrix products: Q, K, V and output projections, QKᵀ and
    the weighted sum of V, and the two FFN layers."""
    tokens, d, d_ff = batch * length, config.hidden_size, config.intermediate_size
    per_layer = 2 * tokens * (4 * d * d + 2 * d * d_ff) + 2 * 2 * batch * length * length * d
    return per_layer * config.num_hidden_layers


def matmul_peak_gflops(n: int = 2048, runs: int = 5) -> float:
    """float32 GFLOP/s of one large square matrix product, the best of `runs`."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    best = min(interleaved({"matmul": lambda: a @ b}, runs, warmups=1)["matmul"])
    return 2 * n ** 3 / best / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=4, help="encoder layers (bert-base has 12)")
    parser.add_argument("--batch", type=int, default=8, help="sequences per batch")
    parser.add_argument("--length", type=int, default=128, help="tokens per sequence")
    parser.add_argument("--rounds", type=int, default=15, help="interleaved timed rounds")
    args = parser.parse_args()

    torch.manual_seed(0)
    config = BertConfig.base(num_hidden_layers=args.layers)
    ids = torch.randint(1, config.vocab_size, (args.batch, args.length))  # (B, L)
    mask = torch.ones_like(ids)
    mask[args.batch // 2:, args.length * 3 // 4:] = 0  # half the batch padded for the last quarter
    inputs = {"input_ids": ids, "token_type_ids": torch.zeros_like(ids), "attention_mask": mask}

    hf = {implementation: transformers.BertModel(transformers.BertConfig(
        **dataclasses.asdict(config), attn_implementation=implementation)).eval() for implementation in ("sdpa", "eager")}
    hf["eager"].load_state_dict(hf["sdpa"].state_dict())
    reference = BertModel(config).eval()
    load_bert_weights(reference, hf["sdpa"].state_dict())
    with torch.no_grad():
        ours = reference(**inputs)[0]  # (B, L, D)
        differences = {}
        for implementation, model in hf.items():
            theirs = model(**inputs).last_hidden_state  # (B, L, D)
            torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=0)
            differences[implementation] = (ours - theirs).abs().max().item()
        times = interleaved({"reference": lambda: reference(**inputs),
                             **{name: (lambda m=model: m(**inputs)) for name, model in hf.items()}}, args.rounds)

    print(f"BertModel forward, d_model {config.hidden_size}, {args.layers} layers, batch {args.batch} x "
          f"{args.length}, float32, {torch.get_num_threads()} threads, torch {torch.__version__}, "
          f"transformers {transformers.__version__}, {args.rounds} interleaved rounds")
    flops = encoder_flops(config, args.batch, args.length)
    peak = matmul_peak_gflops()
    t_ours = median(times["reference"])
    print(f"{'HF attention':<14}{'reference ms':>14}{'HF ms':>10}{'throughput':>12}{'ref GFLOP/s':>13}"
          f"{'HF GFLOP/s':>12}{'max |diff|':>12}")
    for implementation in hf:
        t_theirs = median(times[implementation])
        print(f"{implementation:<14}{t_ours * 1e3:>14.1f}{t_theirs * 1e3:>10.1f}"
              f"{paired_ratio(times[implementation], times['reference']):>11.2f}x"
              f"{flops / t_ours / 1e9:>13.1f}{flops / t_theirs / 1e9:>12.1f}{differences[implementation]:>12.1e}")
    print(f"float32 matmul peak (2048 x 2048, same run): {peak:.1f} GFLOP/s; the reference reaches "
          f"{flops / t_ours / 1e9 / peak:.0%} of it")


if __name__ == "__main__":
    main()
