"""What the learner sees of the curriculum: the map, one topic, what to do next, and progress.

Returns plain data (dicts and lists) that the CLI renders or prints as JSON.
"""

from __future__ import annotations

from typing import Any

from bertstudy import i18n
from bertstudy.content.pack import Pack
from bertstudy.content.schema import Topic
from bertstudy.progress.store import Store


def _status(topic: Topic, read: set[str], demos: set[str], attempted: set[str], answered: set[str], pack: Pack) -> str:
    if topic.id in read:
        return "read"
    touched = set(topic.demos) & demos or set(topic.exercises) & attempted or {q.id for q in pack.questions_of(topic.id)} & answered
    return "started" if touched else "new"


def curriculum(pack: Pack, store: Store) -> list[dict[str, Any]]:
    """Every topic in study order, with its depth in the prerequisite tree and its status."""
    lang = i18n.current()
    read, demos, attempted, answered = store.topics_read(), store.demos_run(), store.exercises_attempted(), set(store.cards())
    depth: dict[str, int] = {}
    rows = []
    for topic in pack.ordered_topics():
        depth[topic.id] = 1 + max((depth.get(p, 0) for p in topic.prerequisites), default=-1)
        rows.append({
            "id": topic.id, "title": topic.title.get(lang), "summary": topic.summary.get(lang),
            "minutes": topic.minutes, "prerequisites": topic.prerequisites, "depth": depth[topic.id],
            "status": _status(topic, read, demos, attempted, answered, pack),
        })
    return rows


def search(pack: Pack, query: str) -> list[dict[str, Any]]:
    """Topics whose texts (either language) contain every word of `query`, best first, each with
    the first line of its notes that holds a word."""
    words = [w.casefold() for w in query.split()]
    if not words:
        return []
    lang = i18n.current()
    found = []
    for topic in pack.ordered_topics():
        texts = [topic.id, topic.title.en, topic.title.zh, topic.summary.en, topic.summary.zh, topic.notes.en, topic.notes.zh,
                 *(f.text for f in topic.formulas), *(t for f in topic.formulas for t in (f.label.en, f.label.zh)),
                 *(t for m in topic.misconceptions for t in (m.en, m.zh))]
        haystack = "\n".join(texts).casefold()
        if not all(w in haystack for w in words):
            continue
        lines = [line.strip() for line in topic.notes.get(lang).splitlines() + topic.notes.get("zh" if lang == "en" else "en").splitlines()]
        snippet = next((line for line in lines if any(w in line.casefold() for w in words)), "")
        hits = sum(haystack.count(w) for w in words)
        found.append({"id": topic.id, "title": topic.title.get(lang), "hits": hits, "snippet": snippet[:160]})
    return sorted(found, key=lambda r: -r["hits"])


def next_topic(pack: Pack, store: Store) -> Topic | None:
    """The first unread topic whose prerequisites are all read."""
    read = store.topics_read()
    for topic in pack.ordered_topics():
        if topic.id not in read and all(p in read for p in topic.prerequisites):
            return topic
    return None


def next_exercise(pack: Pack, store: Store) -> str | None:
    """The exercise to do next: the first not yet passed, in curriculum order (a topic's easiest
    first), among the topics read and with the exercises it builds on passed; failing that, the
    first such one anywhere; failing that, the first not yet passed."""
    passed, read = store.exercises_passed(), store.topics_read()
    waiting = [e for topic in pack.ordered_topics() for e in topic.exercises if e not in passed]
    ready = [e for e in waiting if set(pack.exercises[e].builds_on) <= passed]
    return next((e for e in ready if pack.exercises[e].topic in read), next(iter(ready + waiting), None))


def open_topic(pack: Pack, store: Store, topic_id: str) -> dict[str, Any]:
    """A topic's page, in the current language; opening it records that it was read."""
    topic = pack.topic(topic_id)
    store.record_read(topic.id)
    lang = i18n.current()
    passed, demos = store.exercises_passed(), store.demos_run()
    return {
        "id": topic.id,
        "title": topic.title.get(lang),
        "summary": topic.summary.get(lang),
        "minutes": topic.minutes,
        "prerequisites": [{"id": p, "title": pack.topics[p].title.get(lang)} for p in topic.prerequisites],
        "notes": topic.notes.get(lang),
        "formulas": [{"label": f.label.get(lang), "text": f.text} for f in topic.formulas],
        "misconceptions": [m.get(lang) for m in topic.misconceptions],
        "resources": [{"title": r.title, "url": r.url, "kind": r.kind, "lang": r.lang} for r in topic.resources],
        "demos": [{"id": d, "ran": d in demos, "title": pack.demos[d].title.get(lang), "seconds": pack.demos[d].seconds}
                  for d in topic.demos if d in pack.demos],
        "questions": len(pack.questions_of(topic.id)),
        "exercises": [{"id": e, "title": pack.exercises[e].title.get(lang), "passed": e in passed} for e in topic.exercises],
    }


def dashboard(pack: Pack, store: Store, now: float) -> dict[str, Any]:
    """Where the learner is, what is due, and the one next step."""
    lang = i18n.current()
    read = store.topics_read() & set(pack.topics)
    passed = store.exercises_passed() & set(pack.exercises)
    due = [q for q in store.due_questions(now) if q in pack.questions]
    current = store.get("current_exercise")
    upcoming = next_topic(pack, store)
    if due:
        step = i18n.t("next.review", n=len(due))
    elif upcoming is not None:
        step = i18n.t("next.read", topic=upcoming.id, title=upcoming.title.get(lang))
    else:
        step = _practice_step(pack, store, passed)
    return {
        "pack": pack.name,
        "topics_read": len(read), "topics": len(pack.topics),
        "reviews_due": len(due),
        "exercises_passed": len(passed), "exercises": len(pack.exercises),
        "demos_run": len(store.demos_run()),
        "current_exercise": current if current in pack.exercises else None,
        "next_exercise": next_exercise(pack, store),
        "next": step,
    }


def _practice_step(pack: Pack, store: Store, passed: set[str]) -> str:
    lang = i18n.current()
    answered = set(store.cards())
    for topic in pack.ordered_topics():
        if any(q.id not in answered for q in pack.questions_of(topic.id)):
            return i18n.t("next.quiz", topic=topic.id, title=topic.title.get(lang))
        for exercise in topic.exercises:
            if exercise not in passed:
                return i18n.t("next.exercise", exercise=exercise)
    return i18n.t("dash.done")


def progress(pack: Pack, store: Store) -> list[dict[str, Any]]:
    """One row per topic: read, demos run, quiz mastery, exercises passed."""
    from bertstudy.quiz.schedule import leeches, mastery

    read, demos, passed = store.topics_read(), store.demos_run(), store.exercises_passed()
    level, hard = mastery(pack, store), leeches(store)
    return [{
        "id": t.id, "title": t.title.get(i18n.current()), "read": t.id in read,
        "demos_run": len(set(t.demos) & demos), "demos": len(t.demos),
        "mastery": round(level.get(t.id, 0.0), 3), "questions": len(pack.questions_of(t.id)),
        "leeches": sorted(q.id for q in pack.questions_of(t.id) if q.id in hard),
        "exercises_passed": len(set(t.exercises) & passed), "exercises": len(t.exercises),
    } for t in pack.ordered_topics()]
