"""Turning parsed YAML into the schema's dataclasses, collecting every error with its line.

The dataclasses' type hints are the schema: str, int, float, bool, Any, list[T], dict[str, T],
Literal[...], `T | None`, and nested dataclasses. Semantic rules (exactly one correct choice, ...)
live in each class's `problems()` method.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any, Literal

from bertstudy.content.yamlsource import Document, KeyPath
from bertstudy.errors import ContentError


class Collector:
    """Converts one document, appending a ContentError for each problem instead of stopping."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.errors: list[ContentError] = []

    def fail(self, path: KeyPath, message: str) -> None:
        self.errors.append(self.doc.error(path, message))

    def build(self, cls: type, data: Any, path: KeyPath = (), extra: dict[str, Any] | None = None) -> Any:
        """An instance of dataclass `cls` from `data`, or None when it cannot be built."""
        if not isinstance(data, dict):
            self.fail(path, f"expected a mapping of keys, got {_kind(data)}")
            return None
        hints, fields = _schema(cls)
        values: dict[str, Any] = dict(extra or {})
        ok = True
        for key in data:
            if key not in fields:
                self.fail(path + (str(key),), f"unknown key; expected one of: {', '.join(fields)}")
                ok = False
        for name, f in fields.items():
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            if name not in data:
                if required:
                    self.fail(path + (name,), "missing; add it")
                    ok = False
                continue
            value, good = self.value(hints[name], data[name], path + (name,))
            ok = ok and good
            values[name] = value
        if not ok:
            return None
        obj = cls(**values)
        for sub_path, message in getattr(obj, "problems", lambda: [])():
            self.fail(path + sub_path, message)
            ok = False
        return obj if ok else None

    def value(self, hint: Any, data: Any, path: KeyPath) -> tuple[Any, bool]:
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if hint is Any:
            return data, True
        if origin in (typing.Union, types.UnionType):
            if data is None and type(None) in args:
                return None, True
            (inner,) = [a for a in args if a is not type(None)]
            return self.value(inner, data, path)
        if origin is Literal:
            if data in args:
                return data, True
            self.fail(path, f"must be one of: {', '.join(map(str, args))} (got {data!r})")
            return None, False
        if origin is list:
            if not isinstance(data, list):
                self.fail(path, f"expected a list, got {_kind(data)}")
                return None, False
            items = [self.value(args[0], item, path + (i,)) for i, item in enumerate(data)]
            return [v for v, _ in items], all(ok for _, ok in items)
        if origin is dict:
            if not isinstance(data, dict):
                self.fail(path, f"expected a mapping, got {_kind(data)}")
                return None, False
            items = {str(k): self.value(args[1], v, path + (str(k),)) for k, v in data.items()}
            return {k: v for k, (v, _) in items.items()}, all(ok for _, ok in items.values())
        if dataclasses.is_dataclass(hint):
            obj = self.build(hint, data, path)
            return obj, obj is not None
        return self.scalar(hint, data, path)

    def scalar(self, hint: type, data: Any, path: KeyPath) -> tuple[Any, bool]:
        if hint is float and isinstance(data, int) and not isinstance(data, bool):
            return float(data), True
        if isinstance(data, hint) and not (hint is int and isinstance(data, bool)):
            if hint is str and not data.strip():
                self.fail(path, "is empty; write the text")
                return data, False
            return data, True
        self.fail(path, f"expected {_NAMES.get(hint, hint.__name__)}, got {_kind(data)}")
        return None, False


@cache
def _schema(cls: type) -> tuple[dict[str, Any], dict[str, dataclasses.Field]]:
    """A dataclass's resolved type hints and its fields that YAML may set (computed once)."""
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("derived")}
    return typing.get_type_hints(cls), fields


_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}


def _kind(data: Any) -> str:
    if data is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: f"text {data!r}", bool: f"{data}"}.get(type(data), repr(data))
