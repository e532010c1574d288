"""Language models that predict the next token, and their perplexity.

- `NGramModel`: an n-gram model from counts (Jurafsky & Martin, "Speech and Language Processing",
  chapter 3), smoothed one of two ways:
  * add-k: P(w | h) = (count(h w) + k) / (count(h) + k·V);
  * interpolated Kneser-Ney with one discount D (Kneser & Ney 1995; Chen & Goodman 1998):
    P(w | h) = max(c(h w) - D, 0) / c(h) + D · N₁₊(h •) / c(h) · P(w | h minus its first word),
    where c(h) = Σ_w c(h w), N₁₊(h •) is the number of different words seen after h, and c is
    the raw count at the highest order but the continuation count N₁₊(• h w) (the number of
    different words seen before h w) at lower orders. The recursion ends in the uniform
    distribution 1/V; a context never seen falls back entirely to the shorter one.
  Every sentence is padded with n - 1 start tokens <s> in front and one end token </s> behind:
  </s> is predicted (and counts towards perplexity), <s> never is.
- `FeedForwardLM`: a neural LM after Bengio et al. 2003: the embeddings of the previous n - 1
  tokens, concatenated, through a tanh hidden layer to logits over the vocabulary.
- `perplexity`: exp of the mean negative log-likelihood in nats over the predicted tokens of a
  whole batch (not a mean of per-sequence perplexities), skipping targets equal to ignore_index.
- Around them: `Vocabulary` (words <-> ids, with <unk>), `ngram_windows` (the (context, next
  token) pairs a neural LM trains on), `train_lm`, and `sample_sentence` for any of the models.
Leaves out: modified Kneser-Ney (three discounts), Katz back-off, Bengio's direct input-to-output
connections, recurrent and Transformer LMs (see recurrent.py and bert.py), sub-word vocabularies.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence

import torch
from torch import nn

from bertstudy.reference.basics import cross_entropy
from bertstudy.reference.optim import Adam


def perplexity(logits: torch.Tensor, targets: torch.Tensor, ignore_index: int = -100) -> torch.Tensor:
    """exp(-(1/N) Σ log P(target)) over the N targets that are not ignore_index.

    logits (..., V), e.g. (B, L, V), float; targets (...) int64, e.g. (B, L), a class in [0, V)
    or ignore_index (padding). Every kept token of every sequence weighs the same. Returns a
    0-dim tensor of the logits' dtype; at least one target must be kept.
    """
    vocab_size = logits.size(-1)
    nll = cross_entropy(logits.reshape(-1, vocab_size), targets.reshape(-1), ignore_index)  # mean over kept tokens, nats
    return torch.exp(nll)


def perplexity_of_log_probs(log_probs: torch.Tensor) -> torch.Tensor:
    """exp(-mean(log_probs)): the perplexity of N tokens from their natural-log probabilities (N,)."""
    return torch.exp(-log_probs.mean())


class Vocabulary:
    """Word <-> id, with <unk> (id 0) for words never seen, <s> (1) and </s> (2)."""

    UNK, BOS, EOS = "<unk>", "<s>", "</s>"

    def __init__(self, sentences: Iterable[Sequence[str]], min_count: int = 1):
        counts = Counter(word for sentence in sentences for word in sentence)
        words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        self.tokens = [self.UNK, self.BOS, self.EOS] + words
        self.index = {token: i for i, token in enumerate(self.tokens)}
        self.unk, self.bos, self.eos = 0, 1, 2

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, words: Sequence[str]) -> list[int]:
        return [self.index.get(w, self.unk) for w in words]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.tokens[i] for i in ids]

    def counts(self, sentences: Iterable[Sequence[int]]) -> torch.Tensor:
        """How often each id occurs in encoded `sentences`: (V,) int64."""
        flat = torch.tensor([i for sentence in sentences for i in sentence], dtype=torch.long)
        return torch.bincount(flat, minlength=len(self))


class NGramModel:
    """An n-gram model over ids 0 .. V-1, smoothed with "add-k" or "kneser-ney" (see the module)."""

    def __init__(self, n: int, vocab_size: int, bos: int, eos: int, smoothing: str = "kneser-ney",
                 k: float = 1.0, discount: float = 0.75):
        if smoothing not in ("add-k", "kneser-ney"):
            raise ValueError(f"smoothing must be 'add-k' or 'kneser-ney', not {smoothing!r}")
        if not 0 < discount <= 1:
            raise ValueError("the Kneser-Ney discount must be in (0, 1]")
        self.n, self.vocab_size, self.bos, self.eos = n, vocab_size, bos, eos
        self.smoothing, self.k, self.discount = smoothing, k, discount
        self.fit([])

    def fit(self, sentences: Iterable[Sequence[int]]) -> NGramModel:
        """Count the n-grams of `sentences` (lists of ids), forgetting any earlier fit."""
        # counts[m][h][w]: how often word w followed the m-1 tokens h (m = 1 .. n)
        self.counts: dict[int, dict[tuple[int, ...], Counter[int]]] = {m: defaultdict(Counter) for m in range(1, self.n + 1)}
        # continuation[m][h][w]: how many different tokens x were seen before h w (m = 1 .. n-1)
        self.continuation: dict[int, dict[tuple[int, ...], Counter[int]]] = {m: defaultdict(Counter) for m in range(1, self.n)}
        self._memo: dict[tuple[tuple[int, ...], int], torch.Tensor] = {}
        for sentence in sentences:
            padded = [self.bos] * (self.n - 1) + list(sentence) + [self.eos]
            for t in range(self.n - 1, len(padded)):  # every predicted position, </s> included
                for m in range(1, self.n + 1):
                    self.counts[m][tuple(padded[t - m + 1:t])][padded[t]] += 1
        for m in range(1, self.n):
            for longer, followers in self.counts[m + 1].items():
                for w in followers:  # each distinct (x, h, w) adds one to N₁₊(• h w)
                    self.continuation[m][longer[1:]][w] += 1
        return self

    def distribution(self, context: Sequence[int]) -> torch.Tensor:
        """P(· | context): (V,) float64 probabilities that sum to 1. Only the last n-1 tokens of
        `context` matter; a shorter context is padded with <s> in front."""
        history = tuple([self.bos] * (self.n - 1) + list(context))[len(context):] if self.n > 1 else ()
        return self._probabilities(history, self.n).clone()  # a copy: the memo keeps the original

    def _probabilities(self, history: tuple[int, ...], order: int) -> torch.Tensor:
        """P(· | the last order-1 tokens of history) at `order`, memoised (text repeats its contexts)."""
        h = history[len(history) - (order - 1):] if order > 1 else ()
        if (h, order) not in self._memo:
            self._memo[h, order] = self._add_k(h) if self.smoothing == "add-k" else self._kneser_ney(h, order)
        return self._memo[h, order]

    def _add_k(self, h: tuple[int, ...]) -> torch.Tensor:
        seen = self.counts[self.n].get(h) or {}
        counts = torch.zeros(self.vocab_size, dtype=torch.float64)
        counts[list(seen)] = torch.tensor(list(seen.values()), dtype=torch.float64)
        return (counts + self.k) / (counts.sum() + self.k * self.vocab_size)  # (V,)

    def _kneser_ney(self, h: tuple[int, ...], order: int) -> torch.Tensor:
        if order == 0:
            return torch.full((self.vocab_size,), 1.0 / self.vocab_size, dtype=torch.float64)
        table = self.counts[order] if order == self.n else self.continuation[order]
        lower = self._probabilities(h, order - 1)  # (V,), the history without its first token
        seen = table.get(h)
        if not seen:
            return lower  # an unseen context: all the mass goes to the shorter one
        total = sum(seen.values())
        discounted = torch.zeros(self.vocab_size, dtype=torch.float64)
        discounted[list(seen)] = (torch.tensor(list(seen.values()), dtype=torch.float64) - self.discount).clamp_min(0)
        left_over = self.discount * len(seen) / total  # the mass the discount took away
        return discounted / total + left_over * lower  # (V,)

    def log_probs(self, sentence: Sequence[int]) -> torch.Tensor:
        """ln P of each token of `sentence` and of the final </s>, given what precedes it: (T+1,)."""
        padded = [self.bos] * (self.n - 1) + list(sentence) + [self.eos]
        out = [self.distribution(padded[t - self.n + 1:t])[padded[t]] for t in range(self.n - 1, len(padded))]
        return torch.stack(out).log()


def ngram_windows(sentences: Iterable[Sequence[int]], context_size: int, bos: int, eos: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(contexts (N, context_size), targets (N,)): every token and each sentence's </s>, with the
    context_size tokens before it (<s> where the sentence has none): the same predictions an
    n-gram model with n = context_size + 1 makes."""
    contexts, targets = [], []
    for sentence in sentences:
        padded = [bos] * context_size + list(sentence) + [eos]
        for t in range(context_size, len(padded)):
            contexts.append(padded[t - context_size:t])
            targets.append(padded[t])
    return torch.tensor(contexts, dtype=torch.long).reshape(-1, context_size), torch.tensor(targets, dtype=torch.long)


class FeedForwardLM(nn.Module):
    """Bengio et al. 2003: logits = W_out tanh(W_h [e(w_{t-n+1}); ...; e(w_{t-1})] + b_h) + b_out."""

    def __init__(self, vocab_size: int, context_size: int, d_embed: int = 32, d_hidden: int = 64):
        super().__init__()
        self.context_size = context_size
        self.embedding = nn.Embedding(vocab_size, d_embed)  # one table shared by every position
        self.hidden = nn.Linear(context_size * d_embed, d_hidden)
        self.output = nn.Linear(d_hidden, vocab_size)

    def forward(self, context: torch.Tensor) -> torch.Tensor:
        """context (B, n-1) token ids -> logits (B, V) for the next token."""
        x = self.embedding(context).flatten(1)  # (B, n-1, d_embed) -> (B, (n-1)·d_embed)
        return self.output(torch.tanh(self.hidden(x)))  # (B, V)

    @torch.no_grad()
    def distribution(self, context: Sequence[int]) -> torch.Tensor:
        """P(· | the last n-1 tokens of context): (V,) float64."""
        ids = torch.tensor([list(context)[-self.context_size:]], dtype=torch.long)  # (1, n-1)
        return torch.softmax(self(ids)[0].double(), dim=-1)


def train_lm(model: FeedForwardLM, contexts: torch.Tensor, targets: torch.Tensor, *, steps: int,
             batch_size: int = 128, lr: float = 3e-3, generator: torch.Generator) -> Iterator[float]:
    """Train `model` on (contexts, targets) for `steps` shuffled batches with Adam and the mean
    cross-entropy; yields each batch's loss (nats per token) as it goes."""
    optimizer = Adam(model.parameters(), lr=lr)
    order = torch.empty(0, dtype=torch.long)
    for _ in range(steps):
        if len(order) == 0:  # a new epoch
            order = torch.randperm(len(targets), generator=generator)
        batch, order = order[:batch_size], order[batch_size:]
        loss = cross_entropy(model(contexts[batch]), targets[batch])  # (B, V), (B,) -> 0-dim
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        yield loss.item()


def sample_sentence(next_distribution: Callable[[list[int]], torch.Tensor], context_size: int, bos: int, eos: int,
                    generator: torch.Generator, max_len: int = 30) -> list[int]:
    """Draw tokens one at a time from next_distribution(last context_size tokens) until </s>
    (not returned) or max_len tokens. <s> is never drawn."""
    history = [bos] * context_size
    sentence: list[int] = []
    while len(sentence) < max_len:
        probs = next_distribution(history[len(history) - context_size:]).clone()  # (V,)
        probs[bos] = 0.0
        token = int(torch.multinomial(probs, 1, generator=generator))
        if token == eos:
            break
        sentence.append(token)
        history.append(token)
    return sentence

