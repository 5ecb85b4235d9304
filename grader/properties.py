"""Property checks: hypothesis-generated inputs, comparisons that explain themselves, and shrunk counterexamples.

A check function in ``grader/checks/exNN.py`` takes a :class:`Student` and either returns (pass) or raises
:class:`CheckFailed`. Most checks are one call to :func:`for_all`::

    def random_shapes(student):
        def body(case):
            expect_array(student.call("conv2d", **case), conv2d_truth(**case))
        for_all(body, image_and_kernel())

``for_all`` runs hypothesis in this (grader) process with a fixed seed, no example database and no dependence on
the files around it, so the same submission meets the same inputs on every run and machine. On failure the message
carries the shrunk input as a call, expected against got (type, then shape, then first differing index and max
error), and the misconception it matches, if any (see :mod:`grader.misconceptions`).
"""
from __future__ import annotations

import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "cnn-grader-hypothesis"))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.errors import HypothesisException  # noqa: E402

from grader.sandbox import Sandbox, SandboxFailure, StudentRaised  # noqa: E402

try:  # hypothesis mixes in constants from "local" source files; that would make inputs depend on the install
    from hypothesis.internal.conjecture import providers as _providers

    _EMPTY_CONSTANTS = _providers._local_constants
    _providers._get_local_constants = lambda: _EMPTY_CONSTANTS
except (ImportError, AttributeError):  # pragma: no cover - other hypothesis versions
    pass

DEFAULT_EXAMPLES = 40
SHRINK_CALLS = 250       # shrinking stops after this many further calls: deterministic, unlike a clock
SHRINK_SECONDS = 20.0    # ...and, as a safety net for very slow code, after this long


class CheckFailed(Exception):
    """A property did not hold. ``summary`` is one line; ``details`` are extra lines (input, expected, got)."""

    def __init__(self, summary: str, *details: str, misconception: str | None = None):
        super().__init__(summary)
        self.summary = summary
        self.details = list(details)
        self.misconception = misconception
        self.not_implemented = False


class Abort(BaseException):
    """Stop a property at once, without shrinking (not implemented, crash, timeout, budget)."""

    def __init__(self, failure: CheckFailed):
        self.failure = failure


class _StopShrinking(BaseException):
    pass


@dataclass
class Student:
    """What a check sees of a submission: calls into the sandbox, plus bookkeeping for messages."""

    box: Sandbox
    exercise: int
    deadline: float = float("inf")
    info: dict = field(default_factory=dict)      # facts a check wants shown (device used, accuracy, ...)
    options: dict = field(default_factory=dict)   # grading options from the caller (e.g. --data for ex 10)

    def call(self, fn: str, *args, **kwargs):
        """Call a student function; raises CheckFailed / aborts the property for anything but a return value."""
        return self._guarded(fn, lambda: self.box.call(fn, *args, **kwargs))

    def harness(self, target: str, *args, fn: str, shown_as: dict | None = None, **kwargs):
        """Run grader-owned driver code ``"module:function"`` inside the student process, with call()'s handling.

        For student functions that need what cannot cross the process boundary (a Python function, a model): the
        driver (see grader.worker, op "harness") gets the student's module and plain data, calls the student, and
        returns plain data. ``fn`` is the student function it exercises (named in messages); ``shown_as`` is that
        call's keyword arguments as failure messages and the misconception catalog should see them. After a return,
        set ``student.box.last_call.result`` to the student's answer so that a failure can be diagnosed.
        """
        from grader.sandbox import CallRecord

        self.box.last_call = None if shown_as is None else CallRecord(fn, (), dict(shown_as))
        driver = target.rpartition(":")[2]
        return self._guarded(fn, lambda: self.box.harness(target, *args, **kwargs), rename=(driver, f"{fn}()"))

    def _guarded(self, fn: str, run, rename: tuple[str, str] | None = None):
        """Run one request to the student process, turning every outcome but a return value into a failure."""
        if time.monotonic() > self.deadline:
            raise Abort(CheckFailed("the exercise's time budget ran out before this check could finish"))
        if self.box.load().ok and fn not in self.box.load().functions:
            raise Abort(CheckFailed(f"{self.box.file.name} has no function {fn}() (was it renamed or deleted?)"))
        try:
            return run()
        except StudentRaised as exc:
            if exc.not_implemented:
                failure = CheckFailed(f"{fn}() is not implemented yet")
                failure.not_implemented = True
                raise Abort(failure) from None
            raise CheckFailed(f"{fn}() raised {exc.type_name}: {exc.message}",
                              *_traceback_lines(exc.info)) from None
        except SandboxFailure as exc:
            message = str(exc).replace(*rename) if rename else str(exc)
            raise Abort(CheckFailed(message)) from None


def _traceback_lines(info: dict) -> list[str]:
    tb = (info.get("traceback") or "").strip().splitlines()
    return ["your code's traceback:", *("  " + line for line in tb[-6:])] if tb else []


# -- describing values ------------------------------------------------------------------------------------------
def describe(value) -> str:
    """A short, student-readable description of a value's type: 'an ndarray of shape (2, 3) and dtype int64'."""
    from grader.protocol import Unsupported

    if isinstance(value, np.ndarray):
        return f"an ndarray of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, np.generic):
        return f"a numpy scalar ({type(value).__name__})"
    if isinstance(value, Unsupported):
        return f"a {value.type_name}"
    if value is None:
        return "None (did you forget to return?)"
    name = type(value).__name__
    if isinstance(value, (list, tuple)):
        return f"a {name} of {len(value)} items"
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name} ({value!r})" if isinstance(value, (int, float, bool)) \
        else f"a {name}"


def format_value(value, max_chars: int = 600) -> str:
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=4, suppress=True, threshold=200, linewidth=100):
            text = repr(value)
    else:
        text = repr(value)
    return text if len(text) <= max_chars else text[:max_chars] + " ..."


def format_call(fn: str, args: tuple = (), kwargs: dict | None = None) -> str:
    parts = [format_value(a) for a in args] + [f"{k}={format_value(v)}" for k, v in (kwargs or {}).items()]
    joined = ", ".join(parts)
    if "\n" in joined or len(joined) > 100:
        return f"{fn}(\n    " + ",\n    ".join(p.replace("\n", "\n    ") for p in parts) + "\n)"
    return f"{fn}({joined})"


# -- expectations -----------------------------------------------------------------------------------------------
def expect_array(got, expected: np.ndarray, *, what: str = "the result", rtol: float = 1e-6,
                 atol: float = 1e-8) -> None:
    """Fail unless ``got`` is an ndarray of ``expected``'s shape with values close to it."""
    expected = np.asarray(expected)
    if not isinstance(got, np.ndarray):
        raise CheckFailed(f"{what} is {describe(got)}, expected an ndarray of shape {expected.shape}")
    if got.shape != expected.shape:
        raise CheckFailed(f"{what} has shape {got.shape}, expected shape {expected.shape}")
    if got.dtype.kind not in "biuf":
        raise CheckFailed(f"{what} has dtype {got.dtype}, expected real numbers (float64)")
    g = got.astype(np.float64)
    e = expected.astype(np.float64)
    close = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=False)
    if close.all():
        return
    bad = np.argwhere(~close)
    idx = tuple(int(i) for i in bad[0])
    with np.errstate(invalid="ignore"):
        err = np.abs(g - e)
    max_err = np.nanmax(err) if np.isfinite(err).any() else float("nan")
    raise CheckFailed(
        f"{what} differs from the expected values at {len(bad)} of {e.size} positions",
        f"first difference at index {idx}: expected {e[idx]:.6g}, got {g[idx]:.6g}; max abs error {max_err:.3g}",
        f"expected:\n{format_value(e)}", f"got:\n{format_value(got)}")


def expect_number(got, expected: float, *, what: str = "the result", integer: bool = False,
                  rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Fail unless ``got`` is a number close to ``expected`` (an exact int when ``integer``)."""
    if integer:
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
            raise CheckFailed(f"{what} is {describe(got)}, expected the int {expected}")
        if int(got) != int(expected):
            raise CheckFailed(f"{what} is {int(got)}, expected {int(expected)}")
        return
    if isinstance(got, bool) or not isinstance(got, (int, float, np.integer, np.floating)):
        raise CheckFailed(f"{what} is {describe(got)}, expected a float close to {expected:.6g}")
    if not np.isfinite(float(got)) or not np.isclose(float(got), expected, rtol=rtol, atol=atol):
        raise CheckFailed(f"{what} is {float(got):.6g}, expected {expected:.6g}")


def expect_raises(student: Student, exc_type: str, fn: str, *args, **kwargs) -> None:
    """Fail unless calling ``fn`` raises an exception named ``exc_type`` (or a subclass we know of)."""
    try:
        got = student.call(fn, *args, **kwargs)
    except CheckFailed as failure:
        if f"raised {exc_type}:" in failure.summary:
            return
        raise CheckFailed(f"expected {fn}() to raise {exc_type}, but it " + failure.summary.split("() ", 1)[-1],
                          *failure.details) from None
    raise CheckFailed(f"expected {fn}() to raise {exc_type}, but it returned {describe(got)}")


def expect_inputs_unchanged(student: Student, fn: str, case: dict, advice: str = "work on a copy instead") -> None:
    """Call ``fn(**case)`` and fail if it changed one of its array arguments in place (``advice`` ends the message)."""
    before = {k: v.copy() for k, v in case.items() if isinstance(v, np.ndarray)}
    _, _, after = student.call(fn, return_args=True, **case)
    for name, original in before.items():
        if not (isinstance(after.get(name), np.ndarray) and np.array_equal(after[name], original)):
            raise CheckFailed(f"{fn}() changed its argument '{name}' in place; {advice}")


@contextmanager
def prefixed(text: str):
    """A CheckFailed raised inside the block gets ``text`` in front of its summary, e.g. "slide example 'x': "."""
    try:
        yield
    except CheckFailed as failure:
        failure.summary = text + failure.summary
        raise


@contextmanager
def noted(line: str):
    """A CheckFailed raised inside the block gets ``line`` as its first detail line (why the input matters)."""
    try:
        yield
    except CheckFailed as failure:
        failure.details.insert(0, line)
        raise


# -- running properties -----------------------------------------------------------------------------------------
def _settings(examples: int):
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck), print_blob=False, report_multiple_bugs=False,
                    phases=(Phase.explicit, Phase.generate, Phase.shrink))


def for_all(body, strategy, *, student: Student | None = None, examples: int = DEFAULT_EXAMPLES) -> None:
    """Run ``body(case)`` on hypothesis-generated cases; on failure raise CheckFailed for the shrunk case.

    ``student`` (optional) lets the message name the student call that went wrong and look it up in the
    misconception catalog.
    """
    state: dict = {"fail": None, "shrink_deadline": None, "shrink_calls": 0}

    @_settings(examples)
    @given(strategy)
    def run(case):
        if state["fail"] is not None:
            state["shrink_calls"] += 1
            if state["shrink_deadline"] is None:
                state["shrink_deadline"] = time.monotonic() + SHRINK_SECONDS
            elif time.monotonic() > state["shrink_deadline"] or state["shrink_calls"] > SHRINK_CALLS:
                raise _StopShrinking()
        try:
            body(case)
        except CheckFailed as failure:
            call = student.box.last_call if student is not None else None
            state["fail"] = (failure, call)
            raise

    try:
        run()
    except (CheckFailed, _StopShrinking):
        failure, call = state["fail"]
        raise _with_call(failure, call, student, "smallest failing input") from None
    except Abort as abort:
        call = student.box.last_call if student is not None else None
        raise _with_call(abort.failure, call, None, "the input it was given") from None
    except HypothesisException as exc:  # our strategies are wrong, not the student
        raise RuntimeError(f"internal error in the property: {exc}") from exc


def for_all_against(student: Student, fn: str, truth, strategy, *, examples: int = DEFAULT_EXAMPLES,
                    expect=expect_array, **expect_kwargs) -> None:
    """The common property: for every generated ``case``, ``expect(student's fn(**case), truth(**case))``."""
    def body(case):
        expect(student.call(fn, **case), truth(**case), **expect_kwargs)
    for_all(body, strategy, student=student, examples=examples)


def run_once(body, student: Student | None = None) -> None:
    """Run a fixed (non-generated) check, e.g. the slides' pinned examples, with the same failure format."""
    try:
        body()
    except CheckFailed as failure:
        raise _with_call(failure, student.box.last_call if student else None, student) from None
    except Abort as abort:
        raise _with_call(abort.failure, student.box.last_call if student else None, None) from None


def _with_call(failure: CheckFailed, call, student: Student | None, label: str = "failing input") -> CheckFailed:
    if call is not None and not failure.not_implemented:
        failure.details.insert(0, f"{label}:\n" + format_call(call.fn, call.args, call.kwargs))
    if student is not None and call is not None and failure.misconception is None:
        from grader.misconceptions import diagnose

        failure.misconception = diagnose(student.exercise, call)
    return failure


__all__ = ["Abort", "CheckFailed", "Student", "describe", "expect_array", "expect_inputs_unchanged", "expect_number",
           "expect_raises", "for_all", "for_all_against", "format_call", "format_value", "noted", "prefixed",
           "run_once", "st"]
