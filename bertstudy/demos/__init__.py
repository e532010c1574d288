"""Live demos: one module per demo, each runnable alone (`python -m bertstudy.demos.NAME`).

This registry names them without importing them (and so without importing torch). Each demo
module has `run(quick: bool) -> dict` (JSON-ready data, seeded) and `show(data)` (draws it).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from bertstudy.content.schema import Text
from bertstudy.errors import UsageError


@dataclass(frozen=True)
class Demo:
    id: str
    module: str
    topic: str
    title: Text
    seconds: float  # wall time of `bertstudy demo run ID` at the default size on a 2-core CPU (benchmarks/demos.py)


DEMOS = {d.id: d for d in [
    Demo("autograd-by-hand", "bertstudy.demos.autograd_by_hand", "backprop-autograd",
         Text("A scalar autograd, by hand, against torch.autograd", "亲手实现的标量自动微分，与 torch.autograd 对照"), 2),
    Demo("mlp-learns", "bertstudy.demos.mlp_learns", "dl-basics",
         Text("An MLP learns a 2-D dataset: loss curve and decision boundary", "MLP 学习二维数据集：损失曲线与决策边界"), 2),
    Demo("normalization", "bertstudy.demos.normalization", "training-tricks",
         Text("BatchNorm vs LayerNorm statistics; gradients with and without residuals", "BatchNorm 与 LayerNorm 的统计量；有无残差连接时的梯度"), 2),
    Demo("word2vec", "bertstudy.demos.word2vec", "word-embeddings",
         Text("Skip-gram with negative sampling on a small corpus; nearest neighbours", "小语料上的负采样 skip-gram；最近邻"), 4),
    Demo("ngram-vs-neural-lm", "bertstudy.demos.ngram_vs_neural_lm", "language-models",
         Text("Perplexity of an n-gram model and a small neural language model", "n-gram 模型与小型神经语言模型的困惑度"), 3),
    Demo("vanishing-gradients", "bertstudy.demos.vanishing_gradients", "lstm-gru",
         Text("Gradient norm back through time: RNN vs LSTM vs GRU", "沿时间反传的梯度范数：RNN、LSTM 与 GRU"), 2),
    Demo("rnn-vs-attention", "bertstudy.demos.rnn_vs_attention", "rnn",
         Text("Sequential RNN vs parallel self-attention: wall time and path length", "串行的 RNN 与并行的自注意力：耗时与路径长度"), 2),
    Demo("seq2seq-reverse", "bertstudy.demos.seq2seq_reverse", "seq2seq",
         Text("A GRU encoder-decoder with attention learns to reverse digits", "带注意力的 GRU 编码器-解码器学会反转数字串"), 8),
    Demo("attention-heatmap", "bertstudy.demos.attention_heatmap", "attention",
         Text("Self-attention weights over a sentence, as a heatmap", "句子上的自注意力权重热力图"), 2),
    Demo("scaling-sqrt-dk", "bertstudy.demos.scaling_sqrt_dk", "attention",
         Text("Why divide by √d_k: softmax saturation and entropy", "为什么除以 √d_k：softmax 饱和与熵"), 3),
    Demo("multi-head", "bertstudy.demos.multi_head", "multi-head-attention",
         Text("Different heads attend to different things", "不同的头关注不同的东西"), 3),
    Demo("positional-encoding", "bertstudy.demos.positional_encoding", "transformer",
         Text("The sinusoidal positional encoding and similarity against distance", "正弦位置编码，以及相似度随距离的变化"), 2),
    Demo("masks", "bertstudy.demos.masks", "transformer",
         Text("Padding and causal masks and what they do to the weights", "填充掩码与因果掩码对注意力权重的作用"), 2),
    Demo("transformer-copy", "bertstudy.demos.transformer_copy", "transformer",
         Text("A tiny Transformer learns to copy and reverse", "微型 Transformer 学会复制与反转"), 10),
    Demo("wordpiece", "bertstudy.demos.wordpiece", "tokenization",
         Text("BasicTokenizer and WordPiece on English, rare words and Chinese", "BasicTokenizer 与 WordPiece 处理英文、生僻词和中文"), 1),
    Demo("bert-inputs", "bertstudy.demos.bert_inputs", "bert-inputs",
         Text("[CLS] A [SEP] B [SEP]: tokens, ids, segments, positions, mask", "[CLS] A [SEP] B [SEP]：词元、id、句段、位置与掩码"), 2),
    Demo("mlm-masking", "bertstudy.demos.mlm_masking", "pretraining-mlm",
         Text("80/10/10 masking, its statistics, and whole-word masking", "80/10/10 掩码、它的统计特性与全词掩码"), 2),
    Demo("mini-pretrain", "bertstudy.demos.mini_pretrain", "pretraining-mlm",
         Text("Pre-train a tiny BERT with MLM and NSP on a small corpus", "在小语料上用 MLM 和 NSP 预训练微型 BERT"), 14),
    Demo("fine-tune-classify", "bertstudy.demos.fine_tune_classify", "fine-tuning",
         Text("Fine-tune a [CLS] classifier: frozen vs full", "微调 [CLS] 分类器：冻结与全量微调"), 8),
    Demo("ner-alignment", "bertstudy.demos.ner_alignment", "fine-tuning",
         Text("Word labels aligned to WordPiece tokens for NER", "NER 中把词级标签对齐到 WordPiece 词元"), 3),
    Demo("qa-span", "bertstudy.demos.qa_span", "fine-tuning",
         Text("From start and end logits to the best answer span", "从起止 logits 到最佳答案片段"), 1),
    Demo("compress", "bertstudy.demos.compress", "compression",
         Text("Quantisation, pruning and distillation: size, speed, accuracy", "量化、剪枝与蒸馏：大小、速度与准确率"), 12),
    Demo("bert-layers", "bertstudy.demos.bert_layers", "bert-layers",
         Text("What each layer of a pretrained BERT knows", "预训练 BERT 每一层学到了什么"), 2),
]}


def get(demo_id: str) -> Demo:
    if demo_id not in DEMOS:
        raise UsageError(f"unknown demo '{demo_id}'; see `bertstudy demo list`")
    return DEMOS[demo_id]


def load(demo: Demo) -> ModuleType:
    return importlib.import_module(demo.module)
