"""Grade one exercise file: start its sandbox, run the entry's checks in order, collect an ExerciseResult.

This is the API the CLI, batch grading and Gradescope all call; it never imports student code and never lets a
student's failure (or a bug in one check) escape as a traceback.
"""
from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import Callable

from grader import locate, notebooks, version
from grader.checking import replay, truth
from grader.checking.student import Abort, CheckFailed, Student
from grader.course.entry import Exercise
from grader.i18n import gettext as _
from grader.reference import SOLUTIONS, ReferenceBox
from grader.results import (ERROR, FAILED, NOT_IMPLEMENTED, PASSED, CheckResult, ExerciseResult, missing_result,
                            unscored_result)
from grader.sandbox.client import Sandbox

log = logging.getLogger(__name__)


def start(ex: Exercise, exercises_dir: Path) -> Sandbox | None:
    """Start the student's process for exercise ``ex`` now, so that it loads while the caller imports what it
    needs; pass it to :func:`grade_exercise` as ``started`` (which closes it). None where grading does not start it
    this way: no file, or a notebook."""
    found = locate.exercise_file(ex, Path(exercises_dir))
    if found.path is None or found.notebook:
        return None
    box = _sandbox(ex, found.path, None)
    box.start()
    return box


def _sandbox(ex: Exercise, path: Path, spawner) -> Sandbox:
    return Sandbox(path, ex.functions, ex.limits, refuse_imports=ex.refuse_imports, spawner=spawner,
                   confine=ex.confine, preload=ex.preload, libraries=ex.libraries)


def grade_exercise(ex: Exercise, exercises_dir: Path, *, on_check: Callable[[CheckResult], None] | None = None,
                   spawner=None, options: dict | None = None, secret: str | None = None,
                   replays: Path | None | bool = None, started: Sandbox | None = None) -> ExerciseResult:
    """Grade the file of ``exercises_dir`` that holds exercise ``ex`` against the checks in the exercise's entry:
    ``ex.file``, or a notebook (see :mod:`grader.locate` for which file, :mod:`grader.notebooks` for what of a
    notebook runs).

    ``options`` reach the checks as ``student.options`` (e.g. ``{"data": "/path/to/mnist"}`` for exercise 10);
    ``spawner`` is a :class:`grader.sandbox.zygote.Zygote` to fork the student process from (batch, Gradescope);
    ``secret`` draws hidden inputs (None: the inputs a student meets locally). ``replays``: the folder of replay
    stores (default: the shipped ones, then the user's cache; see :func:`replay_store`); False: no replay, every
    property runs hypothesis in full (the tests compare both ways). ``started``: the student's process from
    :func:`start`, used if it runs the file graded here, closed in any case.
    How the student process is confined follows the entry's declarations (see :mod:`grader.course.entry`).
    """
    found = locate.exercise_file(ex, Path(exercises_dir))
    how = {"on_check": on_check, "spawner": spawner, "options": options, "secret": secret, "replays": replays}
    if started is not None and (found.path is None or found.notebook or started.file != Path(found.path).resolve()):
        started.close()
        started = None
    if found.path is None:
        result = missing_result(ex, _("{file} is not in {folder}").format(file=ex.file, folder=exercises_dir))
    elif found.notebook:
        result = _grade_notebook(ex, found.path, **how)
    else:
        result = _grade_file(ex, found.path, box=started, **how)
    result.notes[:0] = found.notes
    return result


def _grade_notebook(ex: Exercise, path: Path, *, on_check, **how) -> ExerciseResult:
    """Grade the module :mod:`grader.notebooks` makes of the notebook at ``path`` (written to a private temporary
    folder, never next to the student's files), then speak of cells instead of that module's lines."""
    try:
        code = notebooks.read(path.read_bytes(), path.name).extract(ex.functions, ex.refuse_imports)
    except (notebooks.NotebookError, OSError) as exc:
        result = unscored_result(ex, ERROR, str(exc), _("the notebook could not be read"))
        result.file = path.name
        return result
    checks = {c.name: c for c in ex.checks}

    def relabel(check: CheckResult) -> None:
        check.message = code.relabel(check.message, ex.file)
        check.details = [code.relabel(d, ex.file) for d in check.details]
        if not check.passed:   # name the cell of the function that failed, and why a name may be missing
            why = code.explain_name_error(" ".join([check.message, *check.details]))
            judged = ex.judged(checks[check.name]) if check.name in checks else ()
            named = [fn for fn in judged if f"{fn}()" in check.message] or judged   # the function it is about
            check.details[:0] = [_("{fn}() is defined in {file}, cell {cell}").format(fn=fn, file=path.name,
                                                                                       cell=code.defined_in[fn])
                                 for fn in named if fn in code.defined_in] + ([why] if why else [])
        if on_check is not None:
            on_check(check)

    with tempfile.TemporaryDirectory(prefix="grade-nb-") as tmp:
        module = Path(tmp) / ex.file
        module.write_text(code.source, encoding="utf-8")
        result = _grade_file(ex, module, on_check=relabel, **how)
    result.file = path.name
    result.message = code.relabel(result.message, ex.file)
    if result.status == ERROR and result.message and "cell " not in result.message:
        cells = ", ".join(map(str, code.cells)) or "none"
        result.message += _(" (while running the imports, definitions and constants of {file}: cells {cells})").format(
            file=path.name, cells=cells)
    result.notes += code.notes
    return result


def _grade_file(ex: Exercise, path: Path, *, on_check, spawner, options, secret, replays,
                box: Sandbox | None = None) -> ExerciseResult:
    """Grade the Python file at ``path`` as exercise ``ex`` (in ``box``, already started, where given)."""
    t0 = time.perf_counter()
    result = ExerciseResult(ex.number, ex.title, ex.file, PASSED, ex.points)

    box = box or _sandbox(ex, path, spawner)
    try:
        box.start()
        store = None if replays is False else replay_store(ex, secret, replays)   # while the file loads
        if store is None or not store.cases:
            truth.warm_up()  # import torch now, in parallel with the student's process, not at the first answer
        load = box.load()
        if not load.ok:
            result.status, result.message = ERROR, load.describe()
            result.checks = [CheckResult(c.name, c.points, False, message=_("the file could not be loaded"))
                             for c in ex.checks]
        else:
            student = Student(box, ex.number, budget=ex.time_budget, wall_factor=ex.limits.wall_factor,
                              options=dict(options or {}), mistakes=ex.mistakes(), driver=ex.driver_module,
                              secret=secret, replay=store)
            with replay.active(store):
                result.checks = run_checks(ex, student, on_check)
            if store is not None and store.changed:
                replay.save(store, replays or None)
            if student.info:
                result.info = dict(student.info)
    finally:
        box.close()

    result.output = box.output()
    result.student_seconds = box.student_seconds
    result.wall_seconds = time.perf_counter() - t0
    if result.status == PASSED:
        failed = [c for c in result.checks if not c.passed]
        if not failed:
            result.status = PASSED
        elif all(c.not_implemented for c in failed) and len(failed) == len(result.checks):
            result.status = NOT_IMPLEMENTED
        else:
            result.status = FAILED
    if result.status != PASSED:
        first = next((c for c, r in zip(ex.checks, result.checks) if not r.passed), None)
        result.hint = ex.hint_for(first) if first is not None else (ex.hints[0] if ex.hints else "")
    return result


def replay_store(ex: Exercise, secret: str | None, folder: Path | None = None):
    """The exercise's replay store: a valid stored one, else one prepared from the reference solution (when
    solutions/ is there), else an empty one that this grading fills with the properties it sees pass. None for an
    exercise that trains (its checks judge one training run, nothing is replayed)."""
    if ex.uses_torch:
        return None
    current = version.grader_version()
    folders = None if folder is None else (folder,)
    store = replay.load(ex.number, current, secret, folders)
    if store is not None:
        return store
    if not (SOLUTIONS / ex.file).is_file():
        return replay.Store(ex.number, current, secret)
    with replay.preparing(ex.number, current, secret, folder):   # another process may be preparing it right now
        store = replay.load(ex.number, current, secret, folders)
        if store is None:
            store = replay.Store(ex.number, current, secret)
            prepare(ex, store, secret)
            replay.save(store, folder)
    return store


def prepare_replays(folder: Path, exercises, secret: str | None = None) -> list[Path]:
    """Prepare and save the replay stores of ``exercises`` into ``folder`` (for a batch, the student kit, the
    Gradescope autograder), from the reference solutions; an exercise that trains, or has no reference here, is
    left out. Returns the files written."""
    written = []
    for ex in exercises:
        if ex.uses_torch or not (SOLUTIONS / ex.file).is_file():
            continue
        store = replay.Store(ex.number, version.grader_version(), secret)
        prepare(ex, store, secret)
        path = replay.save(store, folder)
        if path is not None:
            written.append(path)
    return written


def prepare(ex: Exercise, store, secret: str | None) -> None:
    """Fill ``store`` by grading the reference solution in this process with the same ``secret`` (every property
    passes, so every one's cases are recorded, with every ground-truth answer)."""
    student = Student(ReferenceBox(SOLUTIONS / ex.file, ex.functions), ex.number, options={},
                      driver=ex.driver_module, secret=secret, replay=store)
    with replay.active(store):
        run_checks(ex, student)


def run_checks(ex: Exercise, student: Student, on_check=None) -> list[CheckResult]:
    """Every check of the entry, value checks first; a hygiene check runs only once a value check of each
    function it judges has passed (otherwise it fails with 0 points and says what earns it)."""
    done: dict[int, CheckResult] = {}
    order = [i for i, c in enumerate(ex.checks) if not c.hygiene] + [i for i, c in enumerate(ex.checks) if c.hygiene]
    for i in order:
        check = ex.checks[i]
        waiting = [fn for fn in ex.judged(check) if check.hygiene and not any(
            done[j].passed for j, other in enumerate(ex.checks) if j in done and not other.hygiene
            and fn in ex.judged(other))]
        if waiting:
            names = _(" and ").join(f"{fn}()" for fn in waiting)
            todo = all(_not_implemented(done, ex, fn) for fn in waiting)
            message = (_("{names} is not implemented yet") if todo else
                       _("earned once {names} returns correct values (no value check of it has passed yet)")).format(
                names=names)
            done[i] = CheckResult(check.name, check.points, False, message=message, not_implemented=todo)
        else:
            done[i] = _run_check(ex, check, student)
        if on_check is not None:
            on_check(done[i])
    return [done[i] for i in range(len(ex.checks))]


def _not_implemented(done: dict, ex: Exercise, fn: str) -> bool:
    """Whether every value check of ``fn`` that ran failed with 'not implemented'."""
    ran = [done[j] for j, c in enumerate(ex.checks) if j in done and not c.hygiene and fn in ex.judged(c)]
    return bool(ran) and all(r.not_implemented for r in ran)


def _run_check(ex: Exercise, check, student: Student) -> CheckResult:
    t0 = time.perf_counter()
    res = CheckResult(check.name, check.points, False)
    student.begin_check(check.name)
    try:
        try:
            ex.check_function(check)(student)
        except Abort as abort:  # a student.call() outside for_all/run_once
            raise abort.failure from None
    except CheckFailed as failure:
        res.message = failure.summary
        res.details = failure.details
        res.misconception = failure.misconception
        res.not_implemented = failure.not_implemented
    except BaseException as exc:  # a bug in our check must not crash the run, nor pass the student
        if isinstance(exc, KeyboardInterrupt):
            raise
        log.exception("internal error in check %r of exercise %d", check.name, ex.number)
        res.message = _("internal grader error in this check ({error}); please report it").format(
            error=f"{type(exc).__name__}: {exc}")
    else:
        res.passed, res.points = True, check.points
    res.seconds = time.perf_counter() - t0
    return res
