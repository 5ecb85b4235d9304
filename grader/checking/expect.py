"""Expectations that explain themselves: compare a student's answer with the right one and say what differs.

``expect_array`` / ``expect_number`` / ``expect_raises`` / ``expect_inputs_unchanged`` raise
:class:`grader.checking.student.CheckFailed` with a one-line summary (type, then shape, then the first differing
index and the largest error) and detail lines.

The precision policy, the same everywhere: answers are compared at float32 precision. A value passes when
``|got - expected| <= ATOL + RTOL * max(|expected|, the array's largest |expected|)``, so float32 arithmetic (or a
float32 result) is accepted and a sum whose terms cancel is not judged by its tiny remainder; a difference larger
than that is a wrong value, and when it is small the message says that precision is the likely cause. A 0-d array
counts as the number it holds.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from grader.checking.student import CheckFailed, Student
from grader.i18n import N_, gettext as _
from grader.sandbox.protocol import Unsupported


# -- describing values ------------------------------------------------------------------------------------------
def describe(value) -> str:
    """A short, student-readable description of a value's type: 'an ndarray of shape (2, 3) and dtype int64'."""
    if isinstance(value, np.ndarray):
        return _("an ndarray of shape {shape} and dtype {dtype}").format(shape=value.shape, dtype=value.dtype)
    if isinstance(value, np.generic):
        return _("a numpy scalar ({type})").format(type=type(value).__name__)
    if isinstance(value, Unsupported):
        return _("a {type}").format(type=value.type_name)
    if value is None:
        return _("None (did you forget to return?)")
    name = type(value).__name__
    if isinstance(value, (list, tuple)):
        return _("a {type} of {count} items").format(type=name, count=len(value))
    if isinstance(value, (int, float, bool)):
        text = _("an {type} ({value})") if name[0] in "aeiou" else _("a {type} ({value})")
        return text.format(type=name, value=repr(value))
    return _("a {type}").format(type=name)


RTOL, ATOL = 1e-5, 1e-8


def format_value(value, max_chars: int = 600) -> str:
    """A value as a student reads it: arrays with numpy's repr (4 decimals), a constant array as np.ones/np.zeros/
    np.full of its shape (a 2x3x4x4 block of ones says nothing more), cut after ``max_chars`` characters."""
    if isinstance(value, np.ndarray) and value.size > 1 and value.dtype.kind in "biuf" and np.all(value == value.flat[0]):
        v = value.flat[0].item()
        shape = tuple(int(s) for s in value.shape)
        text = {0: f"np.zeros({shape})", 1: f"np.ones({shape})"}.get(v, f"np.full({shape}, {v!r})")
        return text if value.dtype == np.float64 else f"{text[:-1]}, dtype={value.dtype})"
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
def expect_array(got, expected: np.ndarray, *, what: str = N_("the result"), rtol: float = RTOL,
                 atol: float = ATOL) -> None:
    """Fail unless ``got`` is an ndarray of ``expected``'s shape with values close to it (the precision policy in
    the module docstring; a check may ask for a tighter ``rtol`` where float64 is the point)."""
    expected = np.asarray(expected)
    what = _(what)
    if not isinstance(got, np.ndarray):
        raise CheckFailed(_("{what} is {description}, expected an ndarray of shape {shape}").format(
            what=what, description=describe(got), shape=expected.shape))
    if got.shape != expected.shape:
        raise CheckFailed(_("{what} has shape {shape}, expected shape {expected}").format(
            what=what, shape=got.shape, expected=expected.shape))
    if got.dtype.kind not in "biuf":
        raise CheckFailed(_("{what} has dtype {dtype}, expected real numbers (float64)").format(what=what,
                                                                                               dtype=got.dtype))
    g = got.astype(np.float64)
    e = expected.astype(np.float64)
    scale = float(np.max(np.abs(e))) if e.size and np.isfinite(e).all() else 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(g - e)
        close = (err <= atol + rtol * np.maximum(np.abs(e), scale)) | ((g == e) & np.isinf(e))
    if close.all():
        return
    bad = np.argwhere(~close)
    idx = tuple(int(i) for i in bad[0])
    max_err = float(np.max(err[~close]))   # nan or inf where a wrong value is: then no precision note
    raise CheckFailed(
        _("{what} differs from the expected values at {count} of {size} positions").format(what=what, count=len(bad),
                                                                                          size=e.size),
        _("first difference at index {index}: expected {expected}, got {got}; max abs error {error}").format(
            index=idx, expected=f"{e[idx]:.6g}", got=f"{g[idx]:.6g}", error=f"{max_err:.3g}"),
        *_precision_note(got, max_err, scale), _("expected:") + f"\n{format_value(e)}",
        _("got:") + f"\n{format_value(got)}")


def _precision_note(got: np.ndarray, max_err: float, scale: float) -> list[str]:
    """Why a near miss is probably precision, not a formula."""
    if got.dtype.kind == "f" and got.dtype.itemsize < 8:
        return [_("your result has {dtype} precision: compute in float64 (np.float64), as the inputs are").format(
            dtype=got.dtype)]
    if np.isfinite(max_err) and max_err <= 1e-3 * max(scale, 1e-12):
        return [_("the differences are tiny (at most {error}, against values up to {scale}): part of your "
                  "computation has float32 precision (np.float32 arrays, .astype(np.float32)?): compute in "
                  "float64").format(error=f"{max_err:.2g}", scale=f"{scale:.3g}")]
    return []


def expect_number(got, expected: float, *, what: str = N_("the result"), integer: bool = False,
                  rtol: float = RTOL, atol: float = ATOL) -> None:
    """Fail unless ``got`` is a number close to ``expected`` (an exact int when ``integer``); a 0-d array counts as
    the number it holds."""
    if isinstance(got, np.ndarray) and got.shape == () and got.dtype.kind in "biuf":
        got = got[()]
    what = _(what)
    if integer:
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
            raise CheckFailed(_("{what} is {description}, expected the int {expected}").format(
                what=what, description=describe(got), expected=expected))
        if int(got) != int(expected):
            raise CheckFailed(_("{what} is {got}, expected {expected}").format(what=what, got=int(got),
                                                                               expected=int(expected)))
        return
    if isinstance(got, bool) or not isinstance(got, (int, float, np.integer, np.floating)):
        raise CheckFailed(_("{what} is {description}, expected a float close to {expected}").format(
            what=what, description=describe(got), expected=f"{expected:.6g}"))
    if not np.isfinite(float(got)) or not abs(float(got) - expected) <= atol + rtol * abs(expected):
        note = []
        if isinstance(got, np.floating) and got.dtype.itemsize < 8:
            note = [_("your result is a {dtype}: compute in float64 (np.float64), as the inputs are").format(
                dtype=got.dtype)]
        elif np.isfinite(float(got)) and abs(float(got) - expected) <= 1e-3 * abs(expected):
            note = [_("the difference is tiny: part of your computation has float32 precision? compute in float64")]
        raise CheckFailed(_("{what} is {got}, expected {expected}").format(what=what, got=f"{float(got):.6g}",
                                                                           expected=f"{expected:.6g}"), *note)


def expect_raises(student: Student, exc_type: str, fn: str, *args, why: str = "", **kwargs) -> None:
    """Fail unless calling ``fn`` raises an exception named ``exc_type``; ``why`` says in words why the call is
    invalid ("x has 3 channels, w has 1"), shown first when it fails."""
    try:
        got = student.call(fn, *args, **kwargs)
    except CheckFailed as raised:
        if raised.kind == "raised" and exc_type in raised.raised:
            return
        failure = CheckFailed(_("expected {fn}() to raise {exception}, but it {what_happened}").format(
            fn=fn, exception=exc_type, what_happened=raised.summary.split("() ", 1)[-1]),
            *raised.details, kind=raised.kind)
    else:
        failure = CheckFailed(_("expected {fn}() to raise {exception}, but it returned {description}").format(
            fn=fn, exception=exc_type, description=describe(got)))
    if why:
        failure.details.insert(0, _("why the call is invalid: {why}").format(why=_(why)))
    raise failure


def expect_inputs_unchanged(student: Student, fn: str, case: dict, advice: str = N_("work on a copy instead"),
                            judge=None) -> bool:
    """Call ``fn(**case)`` and fail if it changed one of its array arguments in place (``advice`` ends the message).

    Only a call that returned is judged, and with ``judge(answer)`` (which raises CheckFailed for a wrong answer)
    only one that returned a correct answer: returns False, judging nothing, for a call that raised or answered
    wrongly (those are the value checks' business), True otherwise.
    """
    before = {k: v.copy() for k, v in case.items() if isinstance(v, np.ndarray)}
    try:
        got, _printed, after = student.call(fn, return_args=True, **case)
    except CheckFailed as failure:
        if failure.kind == "raised":
            return False
        raise
    if judge is not None:
        try:
            judge(got)
        except CheckFailed:
            return False
    for name, original in before.items():
        if not (isinstance(after.get(name), np.ndarray) and np.array_equal(after[name], original)):
            details = []
            returned = got if isinstance(got, (tuple, list)) else (got,)
            if any(isinstance(r, np.ndarray) and isinstance(after.get(name), np.ndarray) and r.shape ==
                   after[name].shape and np.array_equal(r, after[name]) for r in returned):
                details.append(_("what {fn}() returned is '{name}' itself, changed: `out = {name}` gives the same "
                                 "array a second name, so writing into out writes into {name}; start from "
                                 "{name}.copy()").format(fn=fn, name=name))
            raise CheckFailed(_("{fn}() changed its argument '{name}' in place; {advice}").format(
                fn=fn, name=name, advice=_(advice)), *details)
    return True


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
