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
    seconds: float  # typical wall time at the default size on a 2-core CPU


DEMOS = {d.id: d for d in [
    Demo("attention-heatmap", "bertstudy.demos.attention_heatmap", "attention",
         Text("Self-attention weights over a sentence, as a heatmap", "句子上的自注意力权重热力图"), 0.1),
]}


def get(demo_id: str) -> Demo:
    if demo_id not in DEMOS:
        raise UsageError(f"unknown demo '{demo_id}'; see `bertstudy demo list`")
    return DEMOS[demo_id]


def load(demo: Demo) -> ModuleType:
    return importlib.import_module(demo.module)
