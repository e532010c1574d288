"""Spaced repetition with FSRS (the `fsrs` package): what is due, what a review does, mastery.

A question's card is created on its first review; every review is appended to the log and the
card is updated in one transaction. Mastery of a topic is the mean predicted recall over all its
questions, unreviewed ones counting 0.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timezone

from fsrs import Card, Rating, Scheduler

from bertstudy.content.pack import Pack
from bertstudy.content.schema import Question
from bertstudy.progress.store import Store
from bertstudy.quiz.grading import Graded

SCHEDULER = Scheduler(enable_fuzzing=False)
LEECH_LAPSES = 8  # as Anki: a question forgotten this often needs rewording or re-study, not more drilling


def suggested_rating(graded: Graded) -> int:
    """Again below half marks, Hard for partial credit, Good when right (Easy is the learner's call)."""
    if graded.correct:
        return int(Rating.Good)
    return int(Rating.Hard) if graded.score >= 0.5 else int(Rating.Again)


def record(store: Store, question: Question, graded: Graded, rating: int, mode: str,
           self_rating: int | None = None, duration_ms: int | None = None, now: datetime | None = None) -> None:
    now = now or datetime.now(timezone.utc)

    def update(before) -> dict:
        previous = Card.from_json(before["card"]) if before else Card(card_id=zlib.crc32(question.id.encode()))
        card, _ = SCHEDULER.review_card(previous, Rating(rating), now)
        lapses = (before["lapses"] if before else 0) + int(rating == Rating.Again and before is not None)
        return {"question_id": question.id, "topic_id": question.topic, "due": card.due.timestamp(),
                "lapses": lapses, "reps": (before["reps"] if before else 0) + 1, "card": card.to_json()}

    store.record_review(
        {"question_id": question.id, "topic_id": question.topic, "at": now.timestamp(), "answer": graded.answer,
         "score": graded.score, "rating": rating, "self_rating": self_rating, "mode": mode, "duration_ms": duration_ms},
        update)


def select(pack: Pack, store: Store, topic: str | None = None, due_only: bool = False,
           new: int | None = None, now: datetime | None = None) -> list[Question]:
    """Due reviews first (most overdue first), then new questions in pack order."""
    now = now or datetime.now(timezone.utc)
    if topic is not None:
        pack.topic(topic)
    wanted = [q for q in pack.questions.values() if topic is None or q.topic == topic]
    ids = {q.id for q in wanted}
    due = [pack.questions[i] for i in store.due_questions(now.timestamp()) if i in ids]
    if due_only:
        return due
    seen = set(store.cards())
    fresh = [q for q in wanted if q.id not in seen]
    return due + fresh[: new if new is not None else len(fresh)]


def mastery(pack: Pack, store: Store, now: datetime | None = None) -> dict[str, float]:
    now = now or datetime.now(timezone.utc)
    cards = store.cards()
    out: dict[str, float] = {}
    for topic_id in pack.topics:
        questions = pack.questions_of(topic_id)
        if not questions:
            continue
        recall = [SCHEDULER.get_card_retrievability(Card.from_json(cards[q.id]["card"]), now) if q.id in cards else 0.0
                  for q in questions]
        out[topic_id] = sum(recall) / len(recall)
    return out


def leeches(store: Store) -> set[str]:
    """Questions forgotten at least LEECH_LAPSES times after being learnt."""
    return {q for q, row in store.cards().items() if row["lapses"] >= LEECH_LAPSES}


def due_count(pack: Pack, store: Store, now: datetime | None = None) -> int:
    now = now or datetime.now(timezone.utc)
    return sum(1 for q in store.due_questions(now.timestamp()) if q in pack.questions)

