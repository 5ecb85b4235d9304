"""Expectations that explain themselves: compare a student's answer with the right one and say what differs.

``expect_array`` / ``expect_number`` / ``expect_raises`` / ``expect_inputs_unchanged`` raise
:class:`grader.checking.student.CheckFailed` with a one-line summary (type, then shape, then the first differing
index and the largest error) and detail lines; ``expect_pinned`` runs a table of pinned examples (the slides' worked
examples, answers checked against torch in the tests).
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from grader.checking.student import CheckFailed, Student
from grader.sandbox.protocol import Unsupported


# -- describing values ------------------------------------------------------------------------------------------
def describe(value) -> str:
    """A short, student-readable description of a value's type: 'an ndarray of shape (2, 3) and dtype int64'."""
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
