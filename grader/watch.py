"""`grade watch [N]`: grade the exercise you are working on each time you save its file, like rustlings.

It starts with exercise N (default: the first one that does not pass yet), shows the verdict and what to do next,
then waits. Saving that exercise's file (its .py or the notebook that holds it) grades it again; saving another
exercise's file switches to that exercise. When the exercise passes, watch moves on to the next unfinished one and
grades it at once; when every exercise passes, it says so and ends. Ctrl-C (or SIGTERM) stops it: the student
process of a grading in progress is killed on the way out, as after every grading.

File events come from watchfiles (inotify on Linux), on the exercises folder only (not its sub-folders, so
Jupyter's .ipynb_checkpoints/ and editors' hidden temporary files are ignored).
"""
from __future__ import annotations

import signal
from pathlib import Path
from typing import Callable, Iterable, Iterator

from grader import course, locate, progress, report
from grader.grading import grade_exercise
from grader.i18n import gettext as _
from grader.results import ExerciseResult


class FileChanges:
    """Sets of exercise files (.py, .ipynb) in ``folder`` written since the last set, blocking until there are some.
    Watching starts when this is made, so a save while a grading runs is seen right after it."""

    def __init__(self, folder: Path):
        import watchfiles

        def wanted(_change, path: str) -> bool:
            name = Path(path).name
            return name.endswith((".py", ".ipynb")) and not name.startswith((".", "~"))

        self._events = watchfiles.watch(folder, watch_filter=wanted, recursive=False, debounce=800, step=100,
                                        rust_timeout=250, yield_on_timeout=True)
        self._pending = next(self._events)   # the first timeout (or change): the watcher is set up now

    def __iter__(self):
        return self

    def __next__(self) -> set[Path]:
        changes, self._pending = self._pending, set()
        while not changes:
            changes = next(self._events)
        return {Path(path).resolve() for _change, path in changes}


def _stop(signum, frame):
    raise KeyboardInterrupt


def run(folder: Path, out, start: int | None = None, *, changes: Iterable[set[Path]] | None = None,
        grade: Callable[..., ExerciseResult] = grade_exercise) -> int:
    """Watch ``folder`` until every exercise passes (returns 0) or KeyboardInterrupt (which propagates).

    ``changes``: the file-change events (default :class:`FileChanges`); ``grade``: how to grade one exercise (tests
    pass stand-ins for both).
    """
    folder = Path(folder)
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        events = iter(changes if changes is not None else FileChanges(folder))
        current = start if start is not None else _unfinished(folder, after=None, passed=set())
        passed: set[int] = set()
        while current is not None:
            result = _grade(folder, current, out, grade)
            if not result.passed:
                label = _("Next:")
                out.print(f"[cyan]{label}[/] " + _("edit {file} and save it to grade exercise {number} again "
                                                   "(Ctrl-C to stop).").format(file=result.file, number=current))
                current = _wait(folder, current, events)
                continue
            passed.add(current)
            nxt = _unfinished(folder, after=current, passed=passed)
            if nxt is not None:
                passes = _("Exercise {number} passes.").format(number=current)
                out.print(f"[green]{passes}[/] " + _("On to exercise {number}.").format(number=nxt))
            current = nxt
        out.print("[green]" + _("Every exercise passes. Well done!") + "[/]")
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def _grade(folder: Path, number: int, out, grade) -> ExerciseResult:
    ex = course.get(number)
    if out.is_terminal:
        out.clear()
        with out.status(_("grading exercise {number}...").format(number=number)):
            result = grade(ex, folder)
    else:
        out.print(_("grading exercise {number}...").format(number=number))
        result = grade(ex, folder)
    report.render_exercise(result, out)
    progress.record(folder, [result])
    report.render_progress(progress.overview(course.EXERCISES, progress.states(folder, course.EXERCISES)), out)
    return result


def _unfinished(folder: Path, *, after: int | None, passed: set[int]) -> int | None:
    """The next exercise (after ``after``, wrapping around) that does not pass: by its last grade, and not passed in
    this session."""
    states = progress.states(folder, course.EXERCISES)
    todo = [s.number for s in states if not s.passed and s.number not in passed]
    later = [n for n in todo if after is None or n > after]
    return (later or todo or [None])[0]


def _wait(folder: Path, current: int, events: Iterator[set[Path]]) -> int:
    """Block until an exercise file is saved; the exercise to grade then (``current`` if its file changed)."""
    for changed in events:
        chosen = changed_exercise(folder, current, changed)
        if chosen is not None:
            return chosen
    raise KeyboardInterrupt   # the watcher ended (its folder vanished): stop as if interrupted


def changed_exercise(folder: Path, current: int, changed: set[Path]) -> int | None:
    """Which exercise a save of ``changed`` concerns: ``current`` when its file is among them, else the first
    exercise whose file is, else None."""
    def holds(number: int) -> bool:
        found = locate.exercise_file(course.get(number), folder)
        return found.path is not None and found.path.resolve() in changed

    if holds(current):
        return current
    return next((ex.number for ex in course.EXERCISES if ex.number != current and holds(ex.number)), None)
