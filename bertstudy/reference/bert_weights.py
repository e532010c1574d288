"""Loading Hugging Face-format BERT weights into the reference models of bert.py, and saving them back.

A checkpoint is a flat dict from parameter names to tensors, in the layout of HF's BertModel and
task models (nn.Linear weights are (out, in)). It may come as a dict, a .safetensors file or a
PyTorch .bin/.pt file. The loader forgives what real checkpoints vary in: the legacy names
`LayerNorm.gamma` / `LayerNorm.beta` (for `weight` / `bias`), a `bert.` prefix that is there or
missing (a BertModel checkpoint into a task model, a pre-training checkpoint into BertModel), the
tied MLM decoder left out (HF's safetensors files store `cls.predictions.decoder.*` only once, under
the embeddings and `cls.predictions.bias`) and the old `embeddings.position_ids` buffer. It then
reports missing and unexpected keys by name.
Leaves out: TensorFlow checkpoints (their kernels are (in, out) and their names use `/`),
sharded checkpoints (model.safetensors.index.json), dtype conversion and downloading from the Hub.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

PREFIX = "bert."
# Keys of the tied MLM decoder: the same Parameters as the word embeddings and `cls.predictions.bias`.
TIED_KEYS = {"cls.predictions.decoder.weight": "bert.embeddings.word_embeddings.weight",
             "cls.predictions.decoder.bias": "cls.predictions.bias"}
LEGACY_NAMES = {"gamma": "weight", "beta": "bias"}  # TF-era LayerNorm parameter names
BASE_PARTS = ("embeddings.", "encoder.", "pooler.")  # BertModel's own keys, without `bert.`
# Buffers that old checkpoints saved and these models compute instead.
IGNORED_SUFFIXES = ("embeddings.position_ids", "embeddings.token_type_ids")


class CheckpointMismatch(KeyError):
    """Missing or unexpected keys under strict loading. (A KeyError whose message prints as written.)"""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass
class LoadReport:
    """What load_bert_weights did: the keys it renamed, skipped, could not fill or could not place."""

    missing: list[str] = field(default_factory=list)  # the model's keys the checkpoint lacks
    unexpected: list[str] = field(default_factory=list)  # the checkpoint's keys the model lacks
    renamed: dict[str, str] = field(default_factory=dict)  # checkpoint name -> model name
    ignored: list[str] = field(default_factory=list)  # old buffers and tied copies, dropped

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unexpected

    def __str__(self) -> str:
        lines = []
        if self.missing:
            lines.append(f"{len(self.missing)} missing: {', '.join(self.missing)}")
        if self.unexpected:
            lines.append(f"{len(self.unexpected)} unexpected: {', '.join(self.unexpected)}")
        return "\n".join(lines) or "all keys matched"


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Read a checkpoint file: .safetensors (needs the `safetensors` package) or a torch .bin/.pt."""
    path = Path(path)
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file  # optional dependency, imported only when used

        return load_file(str(path))
    return torch.load(path, map_location="cpu", weights_only=True)


def legacy_to_current(key: str) -> str:
    """`...LayerNorm.gamma` -> `...LayerNorm.weight` and `...LayerNorm.beta` -> `...LayerNorm.bias`."""
    head, dot, last = key.rpartition(".")
    return head + dot + LEGACY_NAMES.get(last, last)


def match_prefix(keys: list[str], expected: set[str]) -> dict[str, str]:
    """Map checkpoint names onto the model's, adding or removing `bert.` where that is unambiguous:
    only when the checkpoint's encoder keys all use one convention and the model's the other."""
    model_prefixed = any(k.startswith(PREFIX) for k in expected)
    source_prefixed = any(k.startswith(PREFIX) for k in keys)
    source_bare = any(k.startswith(BASE_PARTS) for k in keys)
    if model_prefixed and source_bare and not source_prefixed:  # a BertModel checkpoint into a task model
        return {k: PREFIX + k if PREFIX + k in expected else k for k in keys}
    if not model_prefixed and source_prefixed and not source_bare:  # a task checkpoint into BertModel
        return {k: k[len(PREFIX):] if k[len(PREFIX):] in expected else k for k in keys}
    return {k: k for k in keys}


def load_bert_weights(model: nn.Module, source: Mapping[str, torch.Tensor] | str | Path,
                      strict: bool = True) -> LoadReport:
    """Copy an HF-format BERT checkpoint into `model` (any model of bert.py), in place.

    source is a state dict or a path to a .safetensors / .bin / .pt file. Returns a LoadReport; with
    strict (the default) any missing or unexpected key raises CheckpointMismatch (a KeyError)
    that names them all.
    A tensor of the wrong shape always raises a ValueError. Tied decoder keys, when present, must
    equal what they are tied to.
    """
    state = read_state_dict(source) if isinstance(source, (str, Path)) else dict(source)
    expected = model.state_dict()
    report = LoadReport()

    modern = {key: legacy_to_current(key) for key in state}  # checkpoint name -> gamma/beta renamed
    prefixed = match_prefix(list(modern.values()), set(expected))
    to_load: dict[str, torch.Tensor] = {}
    for key, tensor in state.items():
        name = prefixed[modern[key]]
        if name != key:
            report.renamed[key] = name
        if name in expected:
            if tensor.shape != expected[name].shape:
                raise ValueError(f"{key}: checkpoint shape {tuple(tensor.shape)}, model shape "
                                 f"{tuple(expected[name].shape)} (is the config the checkpoint's?)")
            to_load[name] = tensor
        elif name.endswith(IGNORED_SUFFIXES):
            report.ignored.append(key)
        else:
            report.unexpected.append(key)

    for tied, target in TIED_KEYS.items():
        if tied not in expected:
            continue
        if tied in to_load and target in to_load and not torch.equal(to_load[tied], to_load[target]):
            raise ValueError(f"{tied} differs from {target}, but this model ties them")
        if tied in to_load:
            to_load[target] = to_load.pop(tied)  # one Parameter: load it once, under the name it is tied to
        if target in to_load:
            report.ignored.append(tied)
    report.missing = [k for k in expected if k not in to_load and k not in report.ignored]

    if strict and not report.ok:
        raise CheckpointMismatch(f"checkpoint does not fit {type(model).__name__}:\n{report}")
    model.load_state_dict(to_load, strict=False)
    return report


def save_bert_weights(model: nn.Module, path: str | Path) -> None:
    """Write the model's state dict with HF names to a .safetensors file that HF's from_pretrained
    reads (next to a config.json). Tied decoder keys are stored once, as HF stores them."""
    from safetensors.torch import save_file  # optional dependency, imported only when used

    state = {k: v.detach().contiguous() for k, v in model.state_dict().items() if k not in TIED_KEYS}
    save_file(state, str(path), metadata={"format": "pt"})
