"""`grade quiz take`: the quiz questions in the terminal, one at a time, with feedback after every answer."""
from __future__ import annotations

import textwrap

import click

from grader.i18n import N_, gettext as _
from grader.quiz.answers import check, key_text
from grader.quiz.generators import Quiz
from grader.quiz.render import grid_text

WIDTH = 88
TYPED = {"matrix": N_("type the rows separated by ';', e.g. 1 2; 3 4"),
         "vector": N_("type the numbers separated by commas")}


def side_by_side(blocks: list[tuple[str, list[str]]], gap: int = 4) -> list[str]:
    """Labelled text blocks next to each other."""
    widths = [max([len(label)] + [len(line) for line in lines]) for label, lines in blocks]
    height = max(len(lines) for _, lines in blocks)
    out = [(" " * gap).join(label.ljust(w) for (label, _), w in zip(blocks, widths))]
    for i in range(height):
        out.append((" " * gap).join((lines[i] if i < len(lines) else "").ljust(w)
                                    for (_, lines), w in zip(blocks, widths)))
    return [line.rstrip() for line in out]


def show_question(number: int, total: int, q, echo=click.echo) -> None:
    echo("")
    points = (_("{points} point") if q.points == 1 else _("{points} points")).format(points=q.points)
    echo(click.style(_("Question {number}/{total}: {title} ({points})").format(number=number, total=total,
                                                                              title=q.title, points=points),
                     bold=True))
    echo(textwrap.fill(q.prompt, WIDTH))
    if q.table:
        widths = [max(len(str(row[i])) for row in q.table) for i in range(len(q.table[0]))]
        for j, row in enumerate(q.table):
            echo("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
            if j == 0:
                echo("  " + "  ".join("-" * w for w in widths))
    if q.grids:
        echo("")
        for line in side_by_side([(f"{label} ({len(m)}×{len(m[0])})", grid_text(m, "").split("\n"))
                                  for label, m in q.grids]):
            echo("  " + line)
    for i, c in enumerate(q.choices):
        echo(f"  {'ABCDEFGH'[i]}) {c}")
    if q.choices:
        hint = _("Type the letter (A-{last}).").format(last="ABCDEFGH"[len(q.choices) - 1])
    else:
        hint = q.how + (f" ({_(TYPED[q.answer.type])})" if q.answer.type in TYPED else "")
    echo(click.style(textwrap.fill(hint, WIDTH), dim=True))


def run(quiz: Quiz, attempts: int = 3, echo=click.echo, prompt=click.prompt) -> tuple[int, int]:
    """Ask every question; returns (score, max). Enter (or 'skip') skips; unreadable answers may be retyped."""
    score, total = 0, quiz.points
    n = len(quiz.questions)
    for i, q in enumerate(quiz.questions, 1):
        show_question(i, n, q, echo)
        for attempt in range(1, attempts + 1):
            try:
                text = prompt(_("Your answer"), default="", show_default=False)
            except click.Abort:
                echo("\n" + _("Stopped after {done} of {count} questions: {score}/{total} points.").format(
                    done=i - 1, count=n, score=score, total=total))
                return score, total
            if text.strip().lower() == "skip":
                text = ""
            verdict = check(q, text)
            if verdict.unreadable and attempt < attempts:
                why = verdict.note.removeprefix(_("could not read the answer: {error}").format(error=""))
                echo(click.style("  " + _("Could not read that ({why}); try again, or press Enter to skip.").format(
                    why=why), fg="yellow"))
                continue
            break
        score += verdict.points
        if verdict.correct:
            note = f" ({verdict.note})" if verdict.note else ""
            echo(click.style("  ✓ " + _("Correct!") + f" +{verdict.points}{note}", fg="green"))
        else:
            why = _("skipped") if verdict.blank else verdict.note or _("wrong")
            echo(click.style("  ✗ " + _("Not this time ({why}). The answer is: {answer}").format(
                why=why, answer=key_text(q)), fg="red"))
            echo(textwrap.fill(q.explanation, WIDTH, initial_indent="    ", subsequent_indent="    "))
        echo("  " + _("Score so far: {score}/{total}").format(score=score,
                                                               total=sum(x.points for x in quiz.questions[:i])))
    percent = 100 * score / total if total else 0
    echo("")
    echo(click.style(_("Final score: {score}/{total} ({percent})").format(score=score, total=total,
                                                                         percent=f"{percent:.0f}%"), bold=True))
    return score, total
