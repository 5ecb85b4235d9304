"""Grade one exercise file: start its sandbox, run the table's checks in order, collect an ExerciseResult.

This is the API the CLI, batch grading and Gradescope all call; it never imports student code and never lets a
student's failure (or a bug in one check) escape as a traceback.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable

from grader import truth
from grader.catalog import Exercise
from grader.properties import Abort, CheckFailed, Student
from grader.results import ERROR, FAILED, MISSING, NOT_IMPLEMENTED, PASSED, CheckResult, ExerciseResult
from grader.sandbox import Sandbox

log = logging.getLogger(__name__)


def grade_exercise(ex: Exercise, exercises_dir: Path, *, on_check: Callable[[CheckResult], None] | None = None,
                   sandbox_options: dict | None = None, options: dict | None = None) -> ExerciseResult:
    """Grade ``exercises_dir/ex.file`` against the checks in the exercise table.

    ``options`` reach the checks as ``student.options`` (e.g. ``{"data": "/path/to/mnist"}`` for exercise 10);
    ``sandbox_options`` are extra keyword arguments for :class:`grader.sandbox.Sandbox`.
    """
    t0 = time.perf_counter()
    path = Path(exercises_dir) / ex.file
    result = ExerciseResult(ex.number, ex.title, ex.file, PASSED, ex.points)
    if not path.is_file():
        result.status, result.message = MISSING, f"{ex.file} is not in {exercises_dir}"
        result.checks = [CheckResult(c.name, c.points, False, message="file missing") for c in ex.checks]
        return result

    box = Sandbox(path, ex.functions, ex.limits, refuse_imports=ex.refuse_imports, **(sandbox_options or {}))
    try:
        box.start()
        truth.warm_up()  # import torch here while the student's file loads in the other process
        load = box.load()
        if not load.ok:
            result.status, result.message = ERROR, load.describe()
            result.checks = [CheckResult(c.name, c.points, False, message="the file could not be loaded")
                             for c in ex.checks]
        else:
            student = Student(box, ex.number, deadline=time.monotonic() + ex.time_budget, options=dict(options or {}))
            for check in ex.checks:
                check_result = _run_check(ex, check, student)
                result.checks.append(check_result)
                if on_check is not None:
                    on_check(check_result)
            info = getattr(student, "info", None)
            if info:
                result.info = dict(info)
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
    if result.status != PASSED and ex.hints:
        result.hint = ex.hints[0]
    return result


def _run_check(ex: Exercise, check, student: Student) -> CheckResult:
    t0 = time.perf_counter()
    res = CheckResult(check.name, check.points, False)
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
        res.message = f"internal grader error in this check ({type(exc).__name__}: {exc}); please report it"
    else:
        res.passed, res.points = True, check.points
    res.seconds = time.perf_counter() - t0
    return res
