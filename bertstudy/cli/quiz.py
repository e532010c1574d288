"""`bertstudy quiz`: interview-style questions, graded, scheduled for review with FSRS."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from bertstudy import console, i18n
from bertstudy.cli import context
from bertstudy.errors import UsageError


app = typer.Typer(invoke_without_command=True)


@app.callback()
def quiz(
    ctx: typer.Context,
    topic: Annotated[str | None, typer.Option("--topic", "-t", help="Only questions of this topic.")] = None,
    due: Annotated[bool, typer.Option("--due", help="Only reviews that are due.")] = False,
    new: Annotated[int | None, typer.Option("--new", min=0, help="At most this many new questions (after the due ones).")] = None,
    exam: Annotated[int | None, typer.Option("--exam", min=1, metavar="N", help="An exam of N questions across topics: no feedback until the end, then a report.")] = None,
    minutes: Annotated[float | None, typer.Option("--minutes", min=0.1, help="Time limit of an exam.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Draw the same exam again (the same seed, the same questions).")] = None,
    report: Annotated[Path | None, typer.Option("--report", metavar="FILE", help="Write the exam report to FILE (.md for Markdown, else JSON).")] = None,
    answers: Annotated[Path | None, typer.Option("--answers", metavar="FILE", help="Answer from a YAML or JSON file ({question id: answer}) instead of prompting.")] = None,
    json_out: context.JsonOption = False,
) -> None:
    """Answer questions: due reviews first, then new ones. Every answer is saved as you go.

    Example: `bertstudy quiz --topic attention`, or an exam: `bertstudy quiz --exam 20 --minutes 30`
    """
    if ctx.invoked_subcommand is not None:
        return
    from bertstudy.quiz import exam as exams
    from bertstudy.quiz import schedule

    if (minutes is not None or report is not None or seed is not None) and exam is None:
        raise UsageError("--minutes, --seed and --report belong to an exam: add --exam N")
    pack, store = context.pack(), context.store()
    if answers is not None:
        given = _read_answers(answers)
        unknown = [qid for qid in given if qid not in pack.questions]
        if unknown:
            raise UsageError(f"{answers}: unknown question id '{unknown[0]}'")
        questions = [pack.questions[qid] for qid in given]
    else:
        if not console.interactive() or json_out:
            raise UsageError("the quiz needs a terminal to ask questions; pass --answers FILE to answer from a file")
        questions = exams.draw(pack, exam, topic, seed) if exam else schedule.select(pack, store, topic, due, new)
        given = None
    if not questions:
        console.out().print(i18n.t("quiz.none"))
        return
    started = time.monotonic()
    if exam and not json_out:
        limit = i18n.t("quiz.exam_limit", m=minutes) if minutes else ""
        console.out().print(f"[title]{i18n.t('quiz.exam_intro', n=len(questions), limit=limit)}[/title]")
    deadline = started + minutes * 60 if minutes else None
    results = _ask_all(questions, given, quiet=json_out, exam=exam is not None, deadline=deadline)
    if exam:
        _finish_exam(exams.report(pack, results, minutes, time.monotonic() - started), report, json_out)
        return
    total = sum(r["score"] for r in results)
    if json_out:
        console.emit_json({"score": round(total, 3), "max_score": len(results), "results": results})
    else:
        console.out().print(f"[title]{i18n.t('quiz.summary', score=total, total=len(results))}[/title]")


@app.command("check")
def check(
    question_id: Annotated[str, typer.Argument(metavar="QID", help="The question's id.")],
    answer: Annotated[str, typer.Option("--answer", "-a", help="The answer to grade (letters, a number, the order, or text).")],
    json_out: context.JsonOption = False,
) -> None:
    """Grade one answer to one question and show the breakdown; nothing is recorded.

    Example: `bertstudy quiz check attention-why-scale --answer "the variance grows with d_k" --json`
    """
    from bertstudy.quiz import grading

    pack = context.pack()
    if question_id not in pack.questions:
        raise UsageError(f"unknown question '{question_id}'")
    question = pack.questions[question_id]
    graded = grading.grade(question, answer)
    if json_out:
        console.emit_json({"question": question.id, "kind": question.kind, "score": round(graded.score, 3),
                           "correct": graded.correct, "answer": graded.answer, "details": graded.details})
        return
    console.out().print(f"[title]{i18n.t('quiz.check_score', score=graded.score)}[/title]")
    _show_feedback(question, graded)


def _finish_exam(data: dict[str, Any], report: Path | None, json_out: bool) -> None:
    from bertstudy.quiz.exam import markdown as exams_markdown

    if report is not None:
        text = exams_markdown(data) if report.suffix.lower() == ".md" else json.dumps(data, ensure_ascii=False, indent=1)
        context.write_file(report, text)
    if json_out:
        console.emit_json(data)
        return
    out = console.out()
    out.print(console.markdown(exams_markdown(data)))
    if report is not None:
        out.print(f"[muted]{console.esc(i18n.t('exam.saved', path=report))}[/muted]")


def _read_answers(path: Path) -> dict[str, Any]:
    import yaml

    if not path.is_file():
        raise UsageError(f"no file at {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UsageError(f"{path}:{mark.line + 1 if mark else '?'}: not valid YAML or JSON") from None
    if not isinstance(data, dict) or not data:
        raise UsageError(f"{path}: expected a mapping of question id to answer")
    return {str(k): v for k, v in data.items()}


def _ask_all(questions: list, given: dict[str, Any] | None, quiet: bool, exam: bool = False,
             deadline: float | None = None) -> list[dict[str, Any]]:
    """The quiz service's sitting, shown in the terminal (unless quiet) and answered there or from `given`."""
    from bertstudy.quiz import session

    answers = session.FileAnswers(given) if given is not None else _Terminal()
    results: list[dict[str, Any]] = []
    try:
        for result in session.ask(context.store(), questions, answers, None if quiet else _Terminal(), exam, deadline):
            results.append(result)
    except (KeyboardInterrupt, EOFError):
        console.out().print(f"\n[warn]{i18n.t('quiz.stopped', n=len(results))}[/warn]")
        raise typer.Exit(130) from None
    return results


class _Terminal:
    """The learner at the terminal: how the sitting shows questions and feedback, and asks for
    answers and ratings."""

    mode = "quiz"

    def question(self, question, i: int, n: int) -> None:
        _show_question(question, i, n)

    def feedback(self, question, graded) -> None:
        _show_feedback(question, graded)

    def time_up(self) -> None:
        console.out().print(f"[warn]{i18n.t('quiz.time_up')}[/warn]")

    def answer(self, question):
        from bertstudy.quiz import grading

        while True:
            text = console.out().input(f"[accent]{i18n.t('quiz.answer')}>[/accent] ")
            try:
                return grading.grade(question, text)
            except UsageError as exc:
                console.out().print(f"[warn]{console.esc(exc)}[/warn]")

    def rating(self, question, suggested: int) -> int:
        while True:
            text = console.out().input(f"[accent]{i18n.t('quiz.rate')} [{suggested}]>[/accent] ").strip() or str(suggested)
            if text in ("1", "2", "3", "4"):
                return int(text)


def _show_question(question, i: int, n: int) -> None:
    from rich.rule import Rule

    from bertstudy.quiz.grading import LETTERS, display_order

    lang = i18n.current()
    out = console.out()
    out.print(Rule(f"[muted]{i18n.t('quiz.question', i=i, n=n)} · {question.topic} · {question.kind}[/muted]", style="muted"))
    out.print(console.markdown(question.prompt.get(lang)))
    if question.choices:
        shown = [question.choices[i] for i in display_order(question)]
        out.print(_listing((f"[accent]{letter}[/accent]", console.esc(c.text.get(lang))) for letter, c in zip(LETTERS, shown)))
        out.print(f"[muted]{i18n.t('quiz.choices_hint')}[/muted]")
    if question.items:
        order = display_order(question)
        out.print(_listing((f"[accent]{n}[/accent]", console.esc(question.items[i].get(lang))) for n, i in enumerate(order, 1)))
        out.print(f"[muted]{i18n.t('quiz.order_hint')}[/muted]")


def _right_order(details: dict) -> str:
    """A correct order as shown numbers, with each run that may come in any order in brackets: 3 (1 4) 2 5."""
    words, right = [], details["right_numbers"]
    starts = {min(right.index(n) for n in group): group for group in details.get("any_order", [])}
    i = 0
    while i < len(right):
        group = starts.get(i)
        words.append(f"({' '.join(map(str, right[i:i + len(group)]))})" if group else str(right[i]))
        i += len(group) if group else 1
    return " ".join(words)


def _listing(rows):
    """Labelled lines whose text wraps under itself, not under the label."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=4, justify="right")
    grid.add_column()
    for label, text in rows:
        grid.add_row(label, text)
    return grid


def _rubric_rows(details: dict) -> list[tuple[str, str]]:
    """The rubric's checklist: each point, and the sentence that asserted it or why none did; each
    misconception asserted, with what is wrong with it."""
    rows = []
    for p in details["points"]:
        mark = "[ok]✓[/ok]" if p["status"] == "asserted" else "[fail]✗[/fail]"
        kind = "" if p["required"] else f" [muted]({i18n.t('quiz.supporting')})[/muted]"
        rows.append((mark, f"{console.esc(p['label'])}{kind} [muted]— {console.esc(p['why'])}[/muted]"))
    for m in details["misconceptions"]:
        rows.append(("[fail]![/fail]", f"{console.esc(m['explain'])} [muted]— {console.esc(m['why'])}[/muted]"))
    return rows


def _show_feedback(question, graded) -> None:
    from bertstudy.quiz.grading import LETTERS, display_order

    lang = i18n.current()
    out = console.out()
    if question.kind != "open":
        verdict = i18n.t("quiz.correct") if graded.correct else i18n.t("quiz.partial", score=graded.score) if graded.score > 0 else i18n.t("quiz.wrong")
        out.print(f"[{'ok' if graded.correct else 'warn' if graded.score > 0 else 'fail'}]{verdict}[/]")
    if question.choices:
        picked = set(graded.details["picked"])
        shown = [(i, question.choices[i]) for i in display_order(question)]
        out.print(_listing(
            (f"{'[ok]✓[/ok]' if c.correct else '[fail]✗[/fail]'} [accent]{LETTERS[n]}[/accent]",
             ("[title]← [/title]" if i in picked else "") + f"[muted]{console.esc(c.explain.get(lang))}[/muted]")
            for n, (i, c) in enumerate(shown)))
    if question.kind == "numeric":
        unit = f" {question.unit}" if question.unit else ""
        out.print(f"  [muted]= {question.answer:g}{console.esc(unit)}[/muted]")
    if question.kind == "ordering":
        out.print(f"  [muted]{console.esc(_right_order(graded.details))}[/muted]")
    if question.rubric is not None:
        out.print(_listing(_rubric_rows(graded.details)))
    out.print(f"[muted]{i18n.t('quiz.model_answer')}:[/muted]")
    out.print(console.markdown(question.model_answer.get(lang)))
    out.print()
