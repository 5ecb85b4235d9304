"""Show results to a person (rich) or a program (JSON). No grading logic here."""
from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from grader.course.entry import Exercise
from grader.results import ERROR, MISSING, NOT_IMPLEMENTED, PASSED, ExerciseResult

_STATUS_STYLE = {PASSED: "green", NOT_IMPLEMENTED: "yellow", MISSING: "yellow", ERROR: "red"}


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def render_exercise(result: ExerciseResult, out: Console, *, verbose: bool = True) -> None:
    style = _STATUS_STYLE.get(result.status, "red")
    out.print(f"[bold]Exercise {result.number}: {escape(result.title)}[/] ({escape(result.file)}) "
              f"[{style}]{result.status}[/] -- {result.score}/{result.max_score} points")
    if result.message:
        out.print(f"  [red]{escape(result.message)}[/]")
    for check in result.checks:
        mark = "[green]PASS[/]" if check.passed else ("[yellow]TODO[/]" if check.not_implemented else "[red]FAIL[/]")
        out.print(f"  {mark} {escape(check.name)} ({check.points}/{check.max_points})")
        if not (verbose and result.shows_failure(check)):
            continue
        out.print(f"       {escape(check.message)}")
        if check.misconception:
            out.print(f"       [magenta]likely mistake:[/] {escape(check.misconception)}")
        for detail in check.details:
            out.print("       " + escape(detail).replace("\n", "\n       "), style="dim")
    for key, value in result.info.items():
        out.print(f"  {escape(str(key))}: {escape(str(value))}")
    for note in result.notes if verbose else ():
        out.print(f"  note: {escape(note)}", style="dim")
    if result.output.strip() and verbose and result.status != PASSED:
        out.print("  your code printed (shown, never graded):", style="dim")
        out.print("    " + escape(result.output.strip()).replace("\n", "\n    "), style="dim")
    if result.hint and verbose:
        out.print(f"  [cyan]hint:[/] {escape(result.hint)}  (more: grade hint {result.number})")


def render_next_step(results: list[ExerciseResult], out: Console) -> None:
    todo = [r for r in results if r.status != PASSED]
    if not todo:
        out.print("[green]All graded exercises pass.[/]")
        return
    first = todo[0]
    out.print(f"Next: open exercises/{first.file}, then run [bold]grade exercise {first.number}[/].")


def progress_line(overview: dict) -> str:
    """One line: points so far out of the course's total, exercises passed, and what comes next."""
    text = (f"Course progress: {overview['points']}/{overview['max_points']} points, {overview['passed']} of "
            f"{overview['exercises']} exercises passed")
    nxt = overview["next"]
    if nxt is None:
        return text + "; every exercise passes."
    return text + f"; next: exercise {nxt['number']} ({nxt['file']}), grade exercise {nxt['number']}"


def render_progress(overview: dict, out: Console) -> None:
    out.print(f"[bold]{escape(progress_line(overview))}[/]")


def render_list(exercises: tuple[Exercise, ...], statuses: dict[int, str], out: Console,
                files: dict[int, str] | None = None) -> None:
    table = Table(title="Exercises", show_lines=False)
    for col in ("#", "exercise", "file", "points", "status"):
        table.add_column(col)
    for ex in exercises:
        status = statuses.get(ex.number, "")
        style = _STATUS_STYLE.get(status, "red" if status else "")
        table.add_row(str(ex.number), ex.title, (files or {}).get(ex.number) or ex.file, str(ex.points),
                      f"[{style}]{status}[/]" if style else status)
    out.print(table)


def render_show(ex: Exercise, docstrings: dict[str, str], out: Console) -> None:
    out.print(f"[bold]Exercise {ex.number}: {escape(ex.title)}[/]  ({ex.file}, {ex.points} points)")
    out.print(escape(ex.topic))
    for name, doc in docstrings.items():
        out.print(f"\n[bold]{name}[/]")
        out.print(escape(doc))
    out.print("\nGraded properties:")
    for check in ex.checks:
        out.print(f"  - {escape(check.name)} ({check.points} points)")


def to_json(results: list[ExerciseResult], progress: dict | None = None) -> str:
    data = {"exercises": [r.to_dict() for r in results],
            "score": sum(r.score for r in results), "max_score": sum(r.max_score for r in results)}
    if progress is not None:
        data["progress"] = progress
    return json.dumps(data, indent=2)
