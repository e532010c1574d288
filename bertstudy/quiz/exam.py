"""Exams: a fixed set of questions drawn across topics, no feedback until the end, then a report.

The report gives the score per topic and what to review, and exports as JSON or Markdown.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

from bertstudy import i18n
from bertstudy.content.pack import Pack
from bertstudy.content.schema import Question
from bertstudy.errors import UsageError

REVIEW_BELOW = 0.7  # a topic scored under this share is listed to review


def draw(pack: Pack, count: int, topic: str | None = None, seed: int | None = None) -> list[Question]:
    """`count` questions spread evenly over the topics (round-robin in a shuffled order)."""
    pool = [q for q in pack.questions.values() if topic is None or q.topic == topic]
    if topic is not None:
        pack.topic(topic)
    if count > len(pool):
        raise UsageError(f"an exam of {count} questions needs {count}, but only {len(pool)} are available")
    rng = random.Random(seed)
    by_topic: dict[str, list[Question]] = defaultdict(list)
    for question in pool:
        by_topic[question.topic].append(question)
    for questions in by_topic.values():
        rng.shuffle(questions)
    order = list(by_topic)
    rng.shuffle(order)
    chosen: list[Question] = []
    while len(chosen) < count:
        for name in order:
            if by_topic[name] and len(chosen) < count:
                chosen.append(by_topic[name].pop())
    return chosen


def report(pack: Pack, results: list[dict[str, Any]], minutes: float | None, seconds: float) -> dict[str, Any]:
    """Score overall and per topic, and the questions and topics to review."""
    lang = i18n.current()
    per_topic: dict[str, list[float]] = defaultdict(list)
    for r in results:
        per_topic[pack.questions[r["question"]].topic].append(r["score"])
    topics = [{"id": t, "title": pack.topics[t].title.get(lang), "score": round(sum(s), 3), "max_score": len(s)}
              for t, s in per_topic.items()]
    review = [{"question": r["question"], "topic": pack.questions[r["question"]].topic, "score": r["score"],
               "model_answer": pack.questions[r["question"]].model_answer.get(lang),
               **({"points": r["details"]["points"], "misconceptions": r["details"]["misconceptions"]}
                  if "points" in r.get("details", {}) else {})}
              for r in results if r["score"] < 0.999]
    total = sum(r["score"] for r in results)
    return {
        "score": round(total, 3), "max_score": len(results), "share": round(total / len(results), 3) if results else 0.0,
        "minutes_allowed": minutes, "seconds_taken": round(seconds, 1),
        "topics": sorted(topics, key=lambda t: t["score"] / t["max_score"]),
        "review_topics": [t["id"] for t in topics if t["score"] / t["max_score"] < REVIEW_BELOW],
        "review_questions": review,
        "results": results,
    }


def markdown(data: dict[str, Any]) -> str:
    """The report as Markdown, for sharing or keeping."""
    lines = [f"# {i18n.t('exam.title')}", "",
             f"{i18n.t('exam.score')}: **{data['score']:g} / {data['max_score']}** ({data['share']:.0%}), "
             f"{data['seconds_taken'] / 60:.1f} min", "",
             f"| {i18n.t('learn.topic')} | {i18n.t('exam.score')} |", "|---|---|"]
    lines += [f"| {t['title']} (`{t['id']}`) | {t['score']:g} / {t['max_score']} |" for t in data["topics"]]
    if data["review_topics"]:
        lines += ["", f"## {i18n.t('exam.review')}", ""]
        lines += [f"- `bertstudy learn {t}`" for t in data["review_topics"]]
    if data["review_questions"]:
        lines += ["", f"## {i18n.t('quiz.model_answer')}", ""]
        for q in data["review_questions"]:
            lines.append(f"- `{q['question']}` ({q['score']:.0%}): {q['model_answer']}")
            lines += [f"  - {'✓' if p['status'] == 'asserted' else '✗'} {p['label']}: {p['why']}" for p in q.get("points", [])]
            lines += [f"  - ! {m['explain']} ({m['why']})" for m in q.get("misconceptions", [])]
    return "\n".join(lines) + "\n"
