"""Finding and loading a content pack: the built-in one or a folder the user names.

`load()` returns a Pack or raises the first problem as one ContentError; `collect()` returns every
problem, for `bertstudy content check`. Cross-references (prerequisites, demos, exercises of a
topic, a quiz's topic) are checked here too; whether exercises grade correctly is the exercises
service's business.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

from bertstudy import paths
from bertstudy.content.schema import FORMAT_VERSION, Demo, Exercise, Question, Topic
from bertstudy.errors import ContentError, UsageError

def resolve_dir(option: str | None) -> Path:
    """The pack to use: --content, else BERTSTUDY_CONTENT, else the built-in one."""
    chosen = option or os.environ.get("BERTSTUDY_CONTENT")
    if not chosen:
        return paths.builtin_pack()
    path = Path(chosen).expanduser()
    if not path.is_dir():
        raise UsageError(f"content pack '{chosen}' is not a folder")
    if not any((path / part).is_dir() for part in ("curriculum", "quizzes", "exercises")):
        raise UsageError(f"'{chosen}' has no curriculum/, quizzes/ or exercises/ folder; it is not a content pack")
    return path


@dataclass
class Pack:
    root: Path
    topics: dict[str, Topic] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)
    exercises: dict[str, Exercise] = field(default_factory=dict)
    demos: dict[str, Demo] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return "built-in pack" if self.root == paths.builtin_pack() else str(self.root)

    def topic(self, topic_id: str) -> Topic:
        if topic_id not in self.topics:
            raise UsageError(f"unknown topic '{topic_id}'; see `bertstudy learn` for the list")
        return self.topics[topic_id]

    def exercise(self, exercise_id: str) -> Exercise:
        if exercise_id not in self.exercises:
            raise UsageError(f"unknown exercise '{exercise_id}'; see `bertstudy exercise list`")
        return self.exercises[exercise_id]

    def demo(self, demo_id: str) -> Demo:
        if demo_id not in self.demos:
            raise UsageError(f"unknown demo '{demo_id}'; see `bertstudy demo list`")
        return self.demos[demo_id]

    def questions_of(self, topic_id: str) -> list[Question]:
        return [q for q in self.questions.values() if q.topic == topic_id]

    def ordered_topics(self) -> list[Topic]:
        """Topics with every prerequisite before the topics that need it (file order otherwise)."""
        done: dict[str, Topic] = {}
        pending = list(self.topics.values())
        while pending:
            ready = [t for t in pending if all(p in done or p not in self.topics for p in t.prerequisites)]
            if not ready:  # a cycle; collect() reports it
                ready = pending[:1]
            done[ready[0].id] = ready[0]
            pending.remove(ready[0])
        return list(done.values())


def load(root: Path) -> Pack:
    """The pack at `root`; the first problem found is raised. A healthy pack is cached (a pickle
    in bertstudy's home, keyed by every file's size and modification time and by the loader's own
    code), so commands start without parsing hundreds of YAML documents again."""
    signature = _signature(root)
    cache = _cache_file(root)
    try:
        cached_signature, pack = pickle.loads(cache.read_bytes())
        if cached_signature == signature:
            return pack
    except Exception:  # missing, stale or unreadable: parse again
        pass
    pack, errors = collect(root)
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more: run `bertstudy content check`)" if len(errors) > 1 else ""
        raise ContentError(first.file, first.line, first.key, first.problem + more)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(pickle.dumps((signature, pack)))
        os.replace(partial, cache)
    except OSError:
        pass
    return pack


def _signature(root: Path) -> list[tuple[str, int, int]]:
    files = [*_files(root, "curriculum", "*.yaml"), *_files(root, "quizzes", "*.yaml"),
             *_files(root, "exercises", "*/exercise.yaml"), *_files(_demos_root(root), "demos", "*.yaml"),
             *sorted(Path(__file__).parent.glob("*.py"))]
    return [(str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files]


def _cache_file(root: Path) -> Path:
    return paths.cache() / f"pack-{hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:16]}.pickle"


def _demos_root(root: Path) -> Path:
    """Where the pack's demo catalogue is: its own demos/, else the built-in pack's (the demos'
    code is bertstudy's, so a pack may tell them anew or leave them as they are)."""
    return root if (root / "demos").is_dir() else paths.builtin_pack()


def collect(root: Path) -> tuple[Pack, list[ContentError]]:
    """Load everything that loads, and every problem found, in file order."""
    pack, errors, docs = Pack(root), [], {}
    for path in _files(root, "curriculum", "*.yaml"):
        topic = _build(root, path, Topic, errors, docs, {"file": _rel(root, path)})
        if topic is None:
            continue
        if topic.id != path.stem:
            errors.append(docs[topic.file].error(("id",), f"'{topic.id}' must equal the file name '{path.stem}'"))
        pack.topics.setdefault(topic.id, topic)
    for path in _files(root, "quizzes", "*.yaml"):
        _load_quiz(root, path, pack, errors, docs)
    for path in _files(root, "exercises", "*/exercise.yaml"):
        ex = _build(root, path, Exercise, errors, docs, {"folder": path.parent, "file": _rel(root, path)})
        if ex is not None:
            if ex.id != path.parent.name:
                errors.append(docs[ex.file].error(("id",), f"'{ex.id}' must equal the folder name '{path.parent.name}'"))
            pack.exercises.setdefault(ex.id, ex)
    demos_root = _demos_root(root)
    for path in _files(demos_root, "demos", "*.yaml"):
        demo = _build(demos_root, path, Demo, errors, docs, {"file": _rel(demos_root, path)})
        if demo is not None:
            if demo.id != path.stem:
                errors.append(docs[demo.file].error(("id",), f"'{demo.id}' must equal the file name '{path.stem}'"))
            pack.demos.setdefault(demo.id, demo)
    for ex in sorted(pack.exercises.values(), key=lambda e: (e.difficulty, e.id)):
        if ex.topic in pack.topics:
            pack.topics[ex.topic].exercises.append(ex.id)  # a topic's exercises, easiest first
    errors += _cross_references(pack, docs)
    return pack, errors


def _files(root: Path, folder: str, pattern: str) -> list[Path]:
    return sorted((root / folder).glob(pattern))


def _rel(root: Path, path: Path) -> str:
    return str(path.relative_to(root))


def _build(root, path, cls, errors, docs, extra):
    from bertstudy.content import yamlsource  # PyYAML only when there is YAML to parse, not for a cached pack
    from bertstudy.content.convert import Collector

    try:
        doc = yamlsource.load(path, _rel(root, path))
    except ContentError as exc:
        errors.append(exc)
        return None
    docs[doc.file] = doc
    collector = Collector(doc)
    obj = collector.build(cls, doc.data, (), extra)
    errors += collector.errors
    return obj


def _load_quiz(root: Path, path: Path, pack: Pack, errors: list[ContentError], docs: dict) -> None:
    from bertstudy.content import yamlsource
    from bertstudy.content.convert import Collector

    rel = _rel(root, path)
    try:
        doc = yamlsource.load(path, rel)
    except ContentError as exc:
        errors.append(exc)
        return
    docs[rel] = doc
    data = doc.data
    if not isinstance(data, dict) or set(data) - {"format_version", "topic", "questions"}:
        errors.append(doc.error((), "a quiz file has exactly the keys format_version, topic and questions"))
        return
    collector = Collector(doc)
    if data.get("format_version") != FORMAT_VERSION:
        collector.fail(("format_version",), f"must be {FORMAT_VERSION}")
    topic = data.get("topic")
    if topic != path.stem:
        collector.fail(("topic",), f"must equal the file name '{path.stem}'")
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        collector.fail(("questions",), "give a list of questions")
        questions = []
    for i, item in enumerate(questions):
        q = collector.build(Question, item, ("questions", i), {"topic": topic, "file": rel})
        if q is None:
            continue
        if q.id in pack.questions:
            collector.fail(("questions", i, "id"), f"'{q.id}' is already used in {pack.questions[q.id].file}")
            continue
        pack.questions[q.id] = q
    errors += collector.errors


def _cross_references(pack: Pack, docs: dict) -> list[ContentError]:
    out: list[ContentError] = []

    def error(file: str, path: tuple, message: str) -> ContentError:
        return docs[file].error(path, message)

    for topic in pack.topics.values():
        for key, ids, known, what in (
            ("prerequisites", topic.prerequisites, pack.topics, "topic"),
            ("demos", topic.demos, pack.demos, "demo"),
        ):
            for i, ref in enumerate(ids):
                if known is not None and ref not in known:
                    out.append(error(topic.file, (key, i), f"no {what} '{ref}' exists; fix the id or add the {what}"))
    cycle = _find_cycle(pack)
    if cycle:
        first = pack.topics[cycle[0]]
        out.append(error(first.file, ("prerequisites",), f"prerequisites form a cycle: {' -> '.join(cycle)}"))
    for ex in pack.exercises.values():
        if ex.topic not in pack.topics:
            out.append(error(ex.file, ("topic",), f"no topic '{ex.topic}' exists"))
        for i, part in enumerate(ex.builds_on):
            if part not in pack.exercises or part == ex.id:
                out.append(error(ex.file, ("builds_on", i), f"no other exercise '{part}' exists"))
    for demo in pack.demos.values():
        if demo.topic not in pack.topics:
            out.append(error(demo.file, ("topic",), f"no topic '{demo.topic}' exists"))
        if importlib.util.find_spec(demo.module) is None:
            out.append(error(demo.file, ("id",), f"bertstudy has no demo {demo.module}; a pack tells bertstudy's demos, it cannot add one"))
    for file in sorted({q.file for q in pack.questions.values() if q.topic not in pack.topics}):
        out.append(error(file, ("topic",), "no topic of this name exists; name the quiz file after a topic"))
    return out


def _find_cycle(pack: Pack) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in pack.topics[node].prerequisites:
            if nxt not in pack.topics:
                continue
            if state.get(nxt) == 1:
                return trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
            if nxt not in state:
                found = visit(nxt, trail + [nxt])
                if found:
                    return found
        state[node] = 2
        return None

    for topic_id in pack.topics:
        if topic_id not in state:
            found = visit(topic_id, [topic_id])
            if found:
                return found
    return None
