"""Skip-gram with negative sampling (Mikolov et al. 2013, "Distributed Representations of Words and
Phrases and their Compositionality", sections 2.2-2.3).

Every word w has two vectors: a centre vector v_w (the one kept as the word's embedding) and a
context vector u_w. A training pair is a centre word c and a word o seen within `window` positions
of it; K noise words w_1 .. w_K are drawn from the unigram distribution raised to the power 3/4.
The loss of one pair is the negative of the paper's objective,

    -log σ(u_oᵀ v_c) - Σ_{k=1..K} log σ(-u_{w_k}ᵀ v_c)

and a batch's loss is its mean over the pairs (the sum over the K noise words stays a sum).
Frequent words are subsampled with the paper's formula: each occurrence of w is kept with
probability min(1, sqrt(t / f(w))), f(w) being w's share of all tokens, afresh every epoch.
Noise words are drawn with replacement and not filtered, so one may happen to equal o.
The pieces: sgns_loss; noise_distribution; keep_probabilities and subsample; skipgram_pairs;
SkipGram (the two tables) and train_skipgram; nearest_neighbours by cosine similarity.
Leaves out: the C tool's own subsampling variant ((sqrt(f/t) + 1) · t/f), its skipping of a
noise draw equal to o, its dynamic window (a window size drawn per centre word), its linearly
decaying learning rate and its plain SGD (Adam here), hierarchical softmax, CBOW and phrases.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from bertstudy.reference.optim import Adam


def sgns_loss(center: torch.Tensor, context: torch.Tensor, negatives: torch.Tensor) -> torch.Tensor:
    """The skip-gram negative-sampling loss, averaged over a batch of B pairs.

    center (B, D): v_c of each pair's centre word; context (B, D): u_o of its observed context
    word; negatives (B, K, D): u_{w_k} of its K noise words. Returns a 0-dim tensor:
    mean over the batch of -log σ(u_o·v_c) - Σ_k log σ(-u_k·v_c). log σ is computed as
    F.logsigmoid, which stays finite however large the scores are (log(sigmoid(x)) is -inf for
    x below about -88 in float32).
    """
    positive = (context * center).sum(dim=-1)  # (B,): u_o · v_c
    negative = (negatives @ center.unsqueeze(-1)).squeeze(-1)  # (B, K, D) @ (B, D, 1) -> (B, K): u_k · v_c
    loss = -F.logsigmoid(positive) - F.logsigmoid(-negative).sum(dim=-1)  # (B,)
    return loss.mean()


def noise_distribution(counts: torch.Tensor, power: float = 0.75) -> torch.Tensor:
    """P_n(w) ∝ count(w)^power over the vocabulary: counts (V,) -> probabilities (V,) float64.

    The power 3/4 lifts rare words above their share of the corpus and lowers frequent ones;
    power 1 is the unigram distribution, power 0 the uniform one.
    """
    weights = counts.to(torch.float64).pow(power)  # (V,); a word never seen keeps weight 0
    return weights / weights.sum()


def keep_probabilities(counts: torch.Tensor, t: float) -> torch.Tensor:
    """The probability of keeping one occurrence of each word when subsampling: (V,) float64.

    The paper discards w with probability 1 - sqrt(t / f(w)), f(w) = count(w) / total, so it
    keeps it with min(1, sqrt(t / f(w))): only words more frequent than t are thinned.
    """
    frequency = counts.to(torch.float64) / counts.sum()  # (V,)
    return torch.sqrt(t / frequency.clamp_min(1e-300)).clamp(max=1.0)


def subsample(sentences: Sequence[Sequence[int]], keep: torch.Tensor, generator: torch.Generator) -> list[list[int]]:
    """Drop each token of each sentence independently, keeping word w with probability keep[w]."""
    ids = torch.tensor([w for sentence in sentences for w in sentence], dtype=torch.long)  # (T,) all tokens
    kept = torch.rand(len(ids), generator=generator, dtype=torch.float64) < keep[ids]  # (T,) bool
    lengths = [len(sentence) for sentence in sentences]
    return [s[k].tolist() for s, k in zip(ids.split(lengths), kept.split(lengths))]


def skipgram_pairs(sentences: Sequence[Sequence[int]], window: int) -> torch.Tensor:
    """Every (centre, context) pair at most `window` positions apart within a sentence: (N, 2) int64.

    A word is not its own context; pairs never cross a sentence boundary.
    """
    pairs = []
    for sentence in sentences:
        for i, center in enumerate(sentence):
            for j in range(max(0, i - window), min(len(sentence), i + window + 1)):
                if j != i:
                    pairs.append((center, sentence[j]))
    return torch.tensor(pairs, dtype=torch.long).reshape(-1, 2)


class SkipGram(nn.Module):
    """The two embedding tables of word2vec, initialised as the C tool does: centre vectors
    uniform in ±0.5/D, context vectors zero."""

    def __init__(self, vocab_size: int, dim: int, generator: torch.Generator | None = None):
        super().__init__()
        self.center = nn.Embedding(vocab_size, dim)  # v_w, the embeddings we keep
        self.context = nn.Embedding(vocab_size, dim)  # u_w, used only to train v
        with torch.no_grad():
            self.center.weight.uniform_(-0.5 / dim, 0.5 / dim, generator=generator)
            self.context.weight.zero_()

    def forward(self, centers: torch.Tensor, contexts: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """centers (B,), contexts (B,), noise (B, K) word ids -> the mean SGNS loss."""
        return sgns_loss(self.center(centers), self.context(contexts), self.context(noise))  # (B, D), (B, D), (B, K, D)


def train_skipgram(
    model: SkipGram, sentences: Sequence[Sequence[int]], counts: torch.Tensor, *,
    steps: int, batch_size: int = 256, window: int = 2, num_negatives: int = 5,
    lr: float = 0.01, t: float = 1e-3, generator: torch.Generator,
) -> Iterator[float]:
    """Train `model` for `steps` batches with Adam (reference.optim); yields each batch's loss.

    Every epoch subsamples the sentences afresh, makes their window pairs and shuffles them;
    each batch draws batch_size × num_negatives noise words from P_n (power 3/4).
    All randomness comes from `generator`.
    """
    noise = noise_distribution(counts)
    keep = keep_probabilities(counts, t)
    optimizer = Adam(model.parameters(), lr=lr)
    batches: Iterator[torch.Tensor] = iter(())
    for _ in range(steps):
        batch = next(batches, None)
        if batch is None:  # a new epoch
            pairs = skipgram_pairs(subsample(sentences, keep, generator), window)  # (N, 2)
            pairs = pairs[torch.randperm(len(pairs), generator=generator)]
            batches = iter(pairs.split(batch_size))
            batch = next(batches)
        negatives = torch.multinomial(noise, len(batch) * num_negatives, replacement=True, generator=generator)
        loss = model(batch[:, 0], batch[:, 1], negatives.view(len(batch), num_negatives))  # (B,), (B,), (B, K)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        yield loss.item()


def nearest_neighbours(vectors: torch.Tensor, word: int, k: int) -> list[tuple[int, float]]:
    """The k words whose vectors have the highest cosine similarity to `word`'s, itself excluded.

    vectors (V, D). Returns [(word id, cosine), ...], most similar first.
    """
    unit = vectors / vectors.norm(dim=-1, keepdim=True).clamp_min(1e-12)  # (V, D), rows of length 1
    cosine = unit @ unit[word]  # (V,)
    cosine[word] = -math.inf
    best = cosine.topk(k)
    return list(zip(best.indices.tolist(), best.values.tolist()))
