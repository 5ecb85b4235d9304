"""What a check sees of a submission: the :class:`Student` handle, and the two ways a check ends early.

A check function takes a Student and either returns (pass) or raises :class:`CheckFailed`. ``student.call`` runs one
of the student's functions in the sandbox and returns its answer, turning every other outcome (an exception, a
crash, a timeout) into a failure; it also records the call, so that a failure can show the input and name the
mistake the answer matches (:mod:`grader.checking.mistakes`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from grader.sandbox.client import Sandbox, SandboxFailure, StudentRaised
from grader.i18n import gettext as _
from grader.sandbox.cputime import CPUS


class CheckFailed(Exception):
    """A property did not hold. ``summary`` is one line; ``details`` are extra lines (input, expected, got).

    ``kind`` says what ended the call when it was not a wrong answer: "timeout", "crash", "raised", ... (None for a
    wrong answer)."""

    def __init__(self, summary: str, *details: str, misconception: str | None = None, kind: str | None = None,
                 raised: tuple[str, ...] = ()):
        super().__init__(summary)
        self.summary = summary
        self.details = list(details)
        self.misconception = misconception
        self.not_implemented = False
        self.kind = kind
        self.raised = raised   # for kind "raised": the exception's class and base class names


class Abort(BaseException):
    """Stop a property at once, without shrinking (not implemented, crash, timeout, budget)."""

    def __init__(self, failure: CheckFailed):
        self.failure = failure


@dataclass
class CallRecord:
    """One call of a student function as a failure message shows it, and the answer it returned."""

    fn: str
    args: tuple
    kwargs: dict
    result: object = None
    raised: tuple[str, ...] = ()   # the exception's class and base names, when the call raised


@dataclass
class Student:
    """One grading of one submission: calls into its sandbox, plus what the checks of this grading share.

    ``mistakes``: the exercise's named mistakes (diagnosis of wrong answers); ``driver``: the module of grader code
    that runs inside the student process (``run_driver``); ``options``: grading options from the caller (e.g.
    ``--data`` for exercise 10); ``info``: facts a check wants shown (device used, accuracy, ...).

    ``budget``: the CPU seconds every process of this grading may use together (the box's ``cpu_used()``), with a
    wall-clock safety net of ``wall_factor`` times that from ``started`` (where the box has no CPU clock, the budget
    itself is wall-clock time). Once one runs out, no further check calls the student's code.
    """

    box: Sandbox
    exercise: int
    budget: float = float("inf")
    wall_factor: float = 4.0
    info: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    mistakes: object = None
    driver: str | None = None
    secret: str | None = None
    replay: object = None     # a grader.checking.replay.Store: stored cases to replay, or None
    started: float = field(default_factory=time.monotonic, init=False)
    last_call: CallRecord | None = field(default=None, init=False)
    check: str = field(default="", init=False)
    _memo: dict = field(default_factory=dict, init=False, repr=False)
    _properties: int = field(default=0, init=False, repr=False)

    def begin_check(self, name: str) -> None:
        """The grading moves on to the check called ``name`` (its generated inputs are seeded from the name)."""
        self.check, self._properties, self.last_call = name, 0, None

    def next_property(self) -> tuple[str, int]:
        """(label, seed) of the check's next generated property. The label names it (exercise, check, place in the
        check); the seed adds the hidden-input secret (None: the inputs a student sees locally), so the same code
        meets the same inputs on every run, whatever the grader's source looks like."""
        import hashlib

        self._properties += 1
        label = f"{self.exercise}|{self.check}|{self._properties}"
        text = f"{label}|{self.secret or ''}"
        return label, int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")

    def call(self, fn: str, *args, **kwargs):
        """Call a student function; raises CheckFailed / aborts the property for anything but a return value."""
        self.last_call = CallRecord(fn, args, {k: v for k, v in kwargs.items() if k != "return_args"})
        answer = self._guarded(fn, lambda: self.box.call(fn, *args, **kwargs))
        self.last_call.result = answer[0] if kwargs.get("return_args") else answer
        return answer

    def run_driver(self, function: str, *args, fn: str, shown_as: dict | None = None,
                   timeout: float | None = None, wall: float | None = None, **kwargs):
        """Run ``function`` of the exercise's driver module inside the student process, with call()'s handling.

        For student functions that need what cannot cross the process boundary (a Python function, a model): the
        driver gets the student's module and plain data, calls the student, and returns plain data. ``fn`` is the
        student function it exercises (named in messages); ``shown_as`` is that call's keyword arguments as failure
        messages and the named mistakes should see them. Record the student's answer with :meth:`answered`.
        ``timeout``: the request's CPU budget; ``wall``: its wall-clock limit (see :meth:`Sandbox.run_driver`).
        """
        self.last_call = None if shown_as is None else CallRecord(fn, (), dict(shown_as))
        limits = {"timeout": timeout, **({"wall": wall} if wall is not None else {})}
        return self._guarded(fn, lambda: self.box.run_driver(f"{self.driver}:{function}", *args, **limits,
                                                             **kwargs), rename=(function, f"{fn}()"))

    def answered(self, result) -> None:
        """The student's answer to the last driver call (shown and diagnosed when a check fails on it)."""
        if self.last_call is not None:
            self.last_call.result = result

    def memo(self, key: str, compute):
        """``compute()`` once per grading: a value several checks of this grading judge (one training run)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def diagnose(self, call: CallRecord | None) -> str | None:
        """The named mistake that explains the answer of ``call``, if exactly one does."""
        if call is None or self.mistakes is None:
            return None
        return self.mistakes.diagnose(call)

    def _over_budget(self) -> str:
        """What ran out ("used 31.2 s of CPU time, budget 30 s"), or "" while both budgets last. /proc is read only
        once the CPU budget could have run out (the processes gain at most one CPU second per CPU per second)."""
        if self.budget == float("inf"):
            return ""
        elapsed = time.monotonic() - self.started
        net = self.wall_factor * self.budget
        if elapsed > net:
            return _("{elapsed:.0f} s of wall-clock time, the safety net of {factor:g}x its {budget:g} s CPU "
                     "budget").format(elapsed=elapsed, factor=self.wall_factor, budget=self.budget)
        if elapsed * CPUS <= self.budget:
            return ""
        used = getattr(self.box, "cpu_used", lambda: None)()
        if used is None:    # no CPU clock here: the budget is wall-clock time
            return _("{elapsed:.1f} s, budget {budget:g} s").format(elapsed=elapsed, budget=self.budget) \
                if elapsed > self.budget else ""
        return _("used {used:.1f} s of CPU time, budget {budget:g} s").format(used=used, budget=self.budget) \
            if used > self.budget else ""

    def _guarded(self, fn: str, run, rename: tuple[str, str] | None = None):
        """Run one request to the student process, turning every outcome but a return value into a failure."""
        over = self._over_budget()
        if over:
            raise Abort(CheckFailed(_("the exercise's time budget ran out before this check could finish ({over})")
                                    .format(over=over),
                                    kind="budget"))
        if self.box.load().ok and fn not in self.box.load().functions:
            raise Abort(CheckFailed(_("{file} has no function {fn}() (was it renamed or deleted?)").format(
                file=self.box.file.name, fn=fn),
                                    kind="missing"))
        try:
            return run()
        except StudentRaised as exc:
            if exc.not_implemented:
                failure = CheckFailed(_("{fn}() is not implemented yet").format(fn=fn), kind="not implemented")
                failure.not_implemented = True
                raise Abort(failure) from None
            if self.last_call is not None:
                self.last_call.raised = exc.kinds
            raise CheckFailed(_("{fn}() raised {exception}: {message}").format(fn=fn, exception=exc.type_name,
                                                                               message=exc.message),
                              *traceback_lines(exc.info),
                              kind="raised", raised=exc.kinds) from None
        except SandboxFailure as exc:
            message = str(exc).replace(*rename) if rename else str(exc)
            raise Abort(CheckFailed(message, kind=exc.kind)) from None


def traceback_lines(info: dict) -> list[str]:
    """The last lines of the student's traceback (as the student process reported it), indented, for details."""
    tb = str(info.get("traceback") or "").strip().splitlines()
    return [_("your code's traceback:"), *("  " + line for line in tb[-6:])] if tb else []
