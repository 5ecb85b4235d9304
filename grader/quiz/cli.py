"""The `grade quiz` commands (make, grade, take). Registered on the main `grade` group by grader/cli.py.

This module imports only click at load time (every `grade` command loads it); the work is imported per command.
Bad input is one line on stderr and exit status 2, never a traceback.
"""
from __future__ import annotations

import secrets as _secrets
from pathlib import Path

import click

from grader.i18n import gettext as _

KIND_NAMES = ("conv, conv_stride, conv_padding, output_size, stride_fit, same_padding, conv_params, model_params, "
              "max_pool, avg_pool, relu, softmax, cross_entropy, conv_backprop, concept")

SECRET_HELP = ("The course secret (default: $GRADER_QUIZ_SECRET, else quiz-secret.txt in the quiz folder). "
               "Variants are derived from it and the student id with HMAC-SHA256: keep it private.")


class QuizError(click.ClickException):
    """One line on stderr, exit status 2 (bad input or a usage problem)."""
    exit_code = 2


def _run(fn, *args, **kwargs):
    """Call fn, turning the quiz package's input problems into a one-line QuizError."""
    from grader.quiz.make import QuizProblem
    from grader.quiz.tables import InputProblem
    from grader.quiz.variants import SecretProblem

    try:
        return fn(*args, **kwargs)
    except (QuizProblem, InputProblem, SecretProblem) as exc:
        raise QuizError(str(exc)) from None


def _kinds(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [k.strip() for k in value.split(",") if k.strip()]


@click.group("quiz", context_settings={"help_option_names": ["-h", "--help"]})
def quiz():
    """Paper quizzes: a different variant per student, answer keys, automatic grading.

    \b
      grade quiz make --roster roster.csv --out quiz/    print quiz/quizzes.html
      grade quiz grade answers.csv --out quiz/           writes quiz/scores.csv and quiz/feedback/
      grade quiz take                                    practise in the terminal

    Each student's variant is derived from the student id, a course secret and the sitting's --seed (HMAC-SHA256),
    so it can be regenerated exactly and cannot be worked out from a neighbour's id. `quiz make` records the seed,
    the question plan and a fingerprint of the secret in OUT/quiz.json; when no secret is given it writes a fresh
    one to OUT/quiz-secret.txt (kept on --force). `quiz grade` reads both back from the quiz folder.
    """


@quiz.command("make")
@click.option("--roster", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with a student id column (id, student_id, sis_id, 'SIS User ID', ...) and optionally a "
                   "name column.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the quizzes, keys, quiz.json (and quiz-secret.txt).")
@click.option("--questions", default=8, show_default=True, type=click.IntRange(1, None),
              help="Number of questions (the first 8 of the plan fit one A4 page).")
@click.option("--seed", default="0", show_default=True,
              help="The sitting: any text or number. Use a new seed for every sitting (section, retake).")
@click.option("--secret", default=None, help=SECRET_HELP)
@click.option("--kinds", default=None,
              help=f"Comma-separated question kinds instead of the default plan: {KIND_NAMES}.")
@click.option("--title", default="Quiz: convolutional neural networks", show_default=True)
@click.option("--id-column", default=None, help="The roster's id column header, if it is not found by name.")
@click.option("--force", is_flag=True, help="Overwrite a quiz already in --out (its secret file is kept).")
def make_cmd(roster, out, questions, seed, secret, kinds, title, id_column, force):
    """One quiz per student of ROSTER, printable (HTML, Markdown), with answer keys."""
    from grader.quiz.make import make_quizzes

    made = _run(make_quizzes, roster, out, questions=questions, seed=seed, secret=secret, kinds=_kinds(kinds),
                title=title, force=force, id_column=id_column)
    n = len(made.quizzes)
    made_line = (_("Made {count} quizzes of {questions} questions ({points} points) in {out}/:") if n != 1 else
                 _("Made {count} quiz of {questions} questions ({points} points) in {out}/:"))
    click.echo(made_line.format(count=n, questions=len(made.kinds), points=made.quizzes[0].points, out=out))
    click.echo("  quizzes.html           " + _("print this: one A4 page per student (quizzes.md: Markdown)"))
    click.echo("  answer-key.html        " + _("the combined key for the TA (answer-key.md, answer-key.csv)"))
    click.echo("  answers-template.csv   " + _("fill in the answers (q1..qN), then: {command}").format(
        command=f"grade quiz grade FILE --out {out}"))
    click.echo("  students/<id>/         " + _("each student's quiz.html, quiz.md and key.md"))
    if made.secret_source == "file":
        state = _("a new course secret") if made.secret_created else _("the course secret")
        click.echo("  quiz-secret.txt        " + _("{state}: keep it private; grading needs it").format(state=state))
    else:
        where = "--secret" if made.secret_source == "option" else "$GRADER_QUIZ_SECRET"
        click.echo("  " + _("(secret from {where}: give the same one to {command})").format(
            where=where, command="`grade quiz grade`"))


@quiz.command("grade")
@click.argument("answers", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for scores.csv and feedback/ (may be the quiz folder).")
@click.option("--quiz", "quiz_dir", default=None, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The folder `grade quiz make` wrote (default: --out if it has quiz.json, else the answers "
                   "file's folder).")
@click.option("--secret", default=None, help=SECRET_HELP)
@click.option("--id-column", default=None, help="The answers' id column header, if it is not found by name.")
@click.option("--strict", is_flag=True, help="Stop at an unreadable answer instead of scoring it 0.")
@click.option("--force", is_flag=True, help="Overwrite scores.csv and feedback/ already in --out.")
def grade_cmd(answers, out, quiz_dir, secret, id_column, strict, force):
    """Grade ANSWERS (CSV: an id column and q1..qN, one row per student).

    Each student's quiz is regenerated from the quiz folder's quiz.json (seed, questions) and the course secret,
    and checked against the fingerprint recorded when it was made. Matrices and numbers are read leniently
    (spaces, commas, brackets, fractions); floats count within the tolerance the question states. An unreadable
    answer scores 0 and is listed (row and question) on stderr; unknown students, repeated students and missing
    question columns stop with an error naming the row. Writes OUT/scores.csv and OUT/feedback/<id>.md.
    """
    from grader.quiz.scoring import grade_class

    result = _run(grade_class, answers, out, quiz=quiz_dir, secret=secret, force=force, id_column=id_column,
                  strict=strict)
    for line in result.unreadable:
        click.echo(f"warning: {line}", err=True)
    graded, m = result.graded, result.max_points
    click.echo(f"Graded {len(graded)} student{'s' if len(graded) != 1 else ''} (quiz in {result.quiz_dir}).")
    if graded:
        mean = sum(g.total for g in graded) / len(graded)
        click.echo(f"  mean {mean:.1f}/{m} ({100 * mean / m:.0f}%), lowest {min(g.total for g in graded)}, "
                   f"highest {max(g.total for g in graded)}")
        for i, title in enumerate(result.titles):
            right = sum(g.verdicts[i].correct for g in graded)
            click.echo(f"  q{i + 1:<3} {title:<34} {right}/{len(graded)} correct")
    if result.absent:
        click.echo(f"  {len(result.absent)} student{'s' if len(result.absent) != 1 else ''} on the roster "
                   f"without answers (status 'no answers' in scores.csv)")
    if result.unreadable:
        click.echo(f"  {len(result.unreadable)} answer{'s' if len(result.unreadable) != 1 else ''} could not be "
                   f"read and scored 0 (listed above)")
    click.echo(f"Wrote {out}/scores.csv and {out}/feedback/<id>.md")


@quiz.command("take")
@click.option("--seed", default=None, help="Practise with these numbers again (default: a new random seed).")
@click.option("--id", "student_id", default=None,
              help="A student id: with --quiz, that student's quiz of the sitting (TA preview).")
@click.option("--questions", default=8, show_default=True, type=click.IntRange(1, None))
@click.option("--kinds", default=None, help=f"Comma-separated question kinds: {KIND_NAMES}.")
@click.option("--quiz", "quiz_dir", default=None, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A folder `grade quiz make` wrote: take its questions (needs its secret).")
@click.option("--secret", default=None, help="With --quiz: " + SECRET_HELP)
def take_cmd(seed, student_id, questions, kinds, quiz_dir, secret):
    """Answer quiz questions in the terminal, with feedback after each answer and a final score."""
    from grader.quiz import take
    from grader.quiz.generators import build_quiz, plan

    if quiz_dir is not None:
        from grader.quiz.scoring import load_meta
        from grader.quiz.variants import resolve_secret

        meta = _run(load_meta, quiz_dir)
        if student_id is None:
            raise QuizError("--quiz needs --id: whose quiz to take")
        entry = next((s for s in meta["students"] if s["id"] == student_id), None)
        if entry is None:
            raise QuizError(f"student {student_id!r} is not in {quiz_dir}/quiz.json")
        secret_value, _source = _run(resolve_secret, secret, quiz_dir, False)
        the_quiz = build_quiz(student_id, secret_value, meta["seed"], meta["kinds"], name=entry.get("name", ""))
        if the_quiz.fingerprint != entry.get("fingerprint"):
            raise QuizError("the secret does not reproduce this student's quiz: wrong secret?")
        click.echo(_("{title}: {student}'s quiz (variant {code}).").format(title=meta.get("title", "Quiz"),
                                                                          student=student_id, code=the_quiz.code))
    else:
        try:
            kinds_ = plan(questions, _kinds(kinds))
        except ValueError as exc:
            raise QuizError(str(exc)) from None
        seed = seed if seed is not None else str(_secrets.randbelow(9000) + 1000)
        the_quiz = build_quiz(student_id or "practice", "practice", seed, kinds_)
        again = (f"grade quiz take --seed {seed}" + (f" --questions {questions}" if questions != 8 else "")
                 + (f" --kinds {kinds}" if kinds else "") + (f" --id {student_id}" if student_id else ""))
        click.echo(_("Practice quiz, seed {seed} ({command} gives the same questions again).").format(
            seed=seed, command=again))
    click.echo(_("Press Enter or type 'skip' to skip a question; Ctrl-C or Ctrl-D to stop."))
    take.run(the_quiz)
