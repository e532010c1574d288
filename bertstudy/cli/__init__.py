"""The command line: Typer apps that parse arguments, call one service and render its result.

Errors a user can cause arrive as BertstudyError and leave as one line on stderr with the
error's exit code (1 a failed check, 2 a usage error); anything else is a bug and stays loud.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, NoReturn

import typer
from typer.core import TyperGroup

from bertstudy import __version__, console, i18n
from bertstudy.cli import content, context, demo, doctor, exercise, grade, learn, progress, quiz
from bertstudy.errors import BertstudyError


class Group(TyperGroup):
    """The root group: turns a BertstudyError from any command into one line and an exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BertstudyError as exc:
            console.err().print(f"[fail]error:[/fail] {console.esc(exc)}", markup=True, highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=Group,
    help="Learn deep learning up to BERT: notes, live PyTorch demos, quizzes and auto-graded exercises.\n\n"
    "Run `bertstudy` alone for the dashboard, `bertstudy learn` for the curriculum.",
    invoke_without_command=True,
    no_args_is_help=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,  # plain help: Rich's help renderer costs more start-up than all of bertstudy
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"bertstudy {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    content_dir: Annotated[str | None, typer.Option("--content", metavar="DIR", help="Use the content pack in DIR (or set BERTSTUDY_CONTENT).")] = None,
    lang: Annotated[str | None, typer.Option("--lang", metavar="en|zh", help="Language of notes and messages (or set BERTSTUDY_LANG; default from the locale).")] = None,
    json_out: context.JsonOption = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """The dashboard: where you are, what is due, and the next step.

    Example: `bertstudy --lang zh`
    """
    console.reset()
    context.configure(content_dir)
    i18n.use(i18n.resolve(lang))
    if ctx.invoked_subcommand is None:
        from bertstudy.cli.dashboard import show

        show(json_out)


app.command()(learn.learn)
app.add_typer(demo.app, name="demo")
app.add_typer(quiz.app, name="quiz")
app.add_typer(exercise.app, name="exercise")
app.command()(grade.grade)
app.add_typer(progress.app, name="progress")
app.add_typer(content.app, name="content")
app.command()(doctor.doctor)


def main() -> None:
    try:
        app(prog_name="bertstudy")
    except SystemExit as done:
        if "torch" in sys.modules:
            _leave_at_once(done.code)
        raise


def _leave_at_once(code: int | str | None) -> NoReturn:
    """Exit without the interpreter's teardown, which costs a third of a second once torch is
    loaded. Nothing is left to do: every write to the store is committed (it is closed here), every
    file bertstudy wrote is closed, and the grader's children and workers are already ended."""
    context.configure(None)
    if isinstance(code, str):
        print(code, file=sys.stderr)
    status = code if isinstance(code, int) else 0 if code is None else 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: what the interpreter's own teardown would report as 120
        status = status or 120
    os._exit(status)
