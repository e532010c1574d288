"""Live demos: one module per demo, run by `bertstudy demo run ID`.

The catalogue (title, topic, typical time), what each demo does and leaves out (`about`) and the
sentences that tell its findings are content: the pack's demos/<id>.yaml. A demo's module is the
engine: `run(quick) -> dict` returns its seeded numbers, JSON-ready, with `findings` (a list of
[key, values]); `figures(data, words)` describes its pictures, titled and labelled in the pack's
words (`Words`), and a demo that also prints tables draws both in `show(data, words)`. Importing
this package imports no torch.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from bertstudy.content.schema import Demo


def load(demo: Demo) -> ModuleType:
    return importlib.import_module(demo.module)


class Words:
    """A demo's titles and labels from the pack, in one language: `words("key", n=3)`."""

    def __init__(self, demo: Demo, lang: str):
        self.demo, self.lang = demo, lang

    def __call__(self, key: str, **values: Any) -> str:
        return self.demo.word(key, values, self.lang)


def notes(demo: Demo, data: dict[str, Any], lang: str) -> list[str]:
    """What to notice: each finding of this run, told in `lang`."""
    return [demo.finding(key, values, lang) for key, values in data["findings"]]


def show(module: ModuleType, data: dict[str, Any], words: Words) -> None:
    """Draw the run's figures, and its tables where the demo prints any."""
    from bertstudy.demos import draw

    if hasattr(module, "show"):
        module.show(data, words)
    else:
        draw.show(*module.figures(data, words))


def present(demo: Demo, module: ModuleType, data: dict[str, Any]) -> None:
    """Draw the run's figures and tables, then tell its findings, in the current language."""
    from bertstudy import console, i18n

    show(module, data, Words(demo, i18n.current()))
    for note in notes(demo, data, i18n.current()):
        console.note(note)


def main(demo_id: str, data: dict[str, Any]) -> None:
    """Present a run of a demo of the built-in pack outside the CLI (under torchrun)."""
    from bertstudy import paths
    from bertstudy.content.pack import load as load_pack

    demo = load_pack(paths.builtin_pack()).demo(demo_id)
    module = load(demo)
    present(demo, module, data)
