"""Show results to a person (rich) or a program (JSON). No grading logic here."""
from __future__ import annotations

import json
import re

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from grader.course.entry import Exercise
from grader.i18n import gettext as _
from grader.results import ERROR, MISSING, NOT_IMPLEMENTED, PASSED, ExerciseResult

_STATUS_STYLE = {PASSED: "green", NOT_IMPLEMENTED: "yellow", MISSING: "yellow", ERROR: "red"}


def status_label(status: str) -> str:
    """A status as shown: "passed", "passed (12/12)", "todo", ... in the active language."""
    found = re.fullmatch(r"(.*) (\(\d+/\d+\))", status)
    return f"{_(found[1])} {found[2]}" if found else _(status)


def _gap(label: str) -> str:
    """The space after a label: none after a full-width colon (Chinese), one after ':'."""
    return "" if label.endswith("：") else " "


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def render_exercise(result: ExerciseResult, out: Console, *, verbose: bool = True) -> None:
    style = _STATUS_STYLE.get(result.status, "red")
    title = _("Exercise {number}: {title}").format(number=result.number, title=_(result.title))
    points = _("{score}/{max_score} points").format(score=result.score, max_score=result.max_score)
    out.print(f"[bold]{escape(title)}[/] ({escape(result.file)}) [{style}]{escape(status_label(result.status))}[/] "
              f"-- {points}")
    if result.message:
        out.print(f"  [red]{escape(result.message)}[/]")
    for check in result.checks:
        mark = "[green]" + _("PASS") + "[/]" if check.passed else (
            "[yellow]" + _("TODO") + "[/]" if check.not_implemented else "[red]" + _("FAIL") + "[/]")
        out.print(f"  {mark} {escape(_(check.name))} ({check.points}/{check.max_points})")
        if not (verbose and result.shows_failure(check)):
            continue
        out.print(f"       {escape(check.message)}")
        if check.misconception:
            label = _("likely mistake:")
            out.print(f"       [magenta]{label}[/]{_gap(label)}{escape(_(check.misconception))}")
        for detail in check.details:
            out.print("       " + escape(detail).replace("\n", "\n       "), style="dim")
    for key, value in result.info.items():
        out.print(f"  {escape(_(str(key)))}: {escape(str(value))}")
    for note in result.notes if verbose else ():
        label = _("note:")
        out.print(f"  {label}{_gap(label)}{escape(note)}", style="dim")
    if result.output.strip() and verbose and result.status != PASSED:
        out.print("  " + _("your code printed (shown, never graded):"), style="dim")
        out.print("    " + escape(result.output.strip()).replace("\n", "\n    "), style="dim")
    if result.hint and verbose:
        more = _("(more: grade hint {number})").format(number=result.number)
        label = _("hint:")
        out.print(f"  [cyan]{label}[/]{_gap(label)}{escape(_(result.hint))}  {more}")


def render_next_step(results: list[ExerciseResult], out: Console) -> None:
    todo = [r for r in results if r.status != PASSED]
    if not todo:
        out.print("[green]" + _("All graded exercises pass.") + "[/]")
        return
    first = todo[0]
    out.print(_("Next: open exercises/{file}, then run {command}.").format(
        file=first.file, command=f"[bold]grade exercise {first.number}[/]"))


def progress_line(overview: dict) -> str:
    """One line: points so far out of the course's total, exercises passed, and what comes next."""
    text = _("Course progress: {points}/{max_points} points, {passed} of {exercises} exercises passed").format(
        points=overview["points"], max_points=overview["max_points"], passed=overview["passed"],
        exercises=overview["exercises"])
    nxt = overview["next"]
    if nxt is None:
        return text + _("; every exercise passes.")
    return text + _("; next: exercise {number} ({file}), grade exercise {number}").format(
        number=nxt["number"], file=nxt["file"])


def render_progress(overview: dict, out: Console) -> None:
    out.print(f"[bold]{escape(progress_line(overview))}[/]")


def render_list(exercises: tuple[Exercise, ...], statuses: dict[int, str], out: Console,
                files: dict[int, str] | None = None) -> None:
    table = Table(title=_("Exercises"), show_lines=False)
    for col in ("#", _("exercise"), _("file"), _("points"), _("status")):
        table.add_column(col)
    for ex in exercises:
        status = statuses.get(ex.number, "")
        style = _STATUS_STYLE.get(status, "red" if status else "")
        label = escape(status_label(status)) if status else status
        table.add_row(str(ex.number), _(ex.title), (files or {}).get(ex.number) or ex.file, str(ex.points),
                      f"[{style}]{label}[/]" if style else label)
    out.print(table)


def render_show(ex: Exercise, docstrings: dict[str, str], out: Console) -> None:
    title = _("Exercise {number}: {title}").format(number=ex.number, title=_(ex.title))
    points = _("{points} points").format(points=ex.points)
    out.print(f"[bold]{escape(title)}[/]  ({ex.file}, {points})")
    out.print(escape(_(ex.topic)))
    for name, doc in docstrings.items():
        out.print(f"\n[bold]{name}[/]")
        out.print(escape(doc))
    out.print("\n" + _("Graded properties:"))
    for check in ex.checks:
        points = _("{points} points").format(points=check.points)
        out.print(f"  - {escape(_(check.name))} ({points})")


def to_json(results: list[ExerciseResult], progress: dict | None = None) -> str:
    data = {"exercises": [r.to_dict() for r in results],
            "score": sum(r.score for r in results), "max_score": sum(r.max_score for r in results)}
    if progress is not None:
        data["progress"] = progress
    return json.dumps(data, indent=2)
