"""Running a property: hypothesis-generated cases, seeded, and the shrunk counterexample.

``for_all`` runs hypothesis in this (grader) process with a seed taken from the exercise, the check and the
hidden-input secret (:meth:`grader.checking.student.Student.next_property`), no example database and no dependence on
the files around it, so the same submission meets the same inputs on every run and machine. On failure the message
carries the shrunk input as a call and the named mistake its answer matches, if any; shrinking keeps the failure
what it was (the same kind, the same named mistake or none), so the counterexample shown is one on which the
mistake named is the one that explains the answer. ``run_once`` gives a fixed check (pinned examples, invalid
arguments) the same failure format. With a replay store (:mod:`grader.checking.replay`) a property first replays
its stored cases, and runs hypothesis only when one of them fails.
"""
from __future__ import annotations

import copy
import functools
import os
import struct
import tempfile
import time

os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "cnn-grader-hypothesis"))

from grader.checking.deferred import build  # noqa: E402
from grader.checking.expect import (expect_array, expect_inputs_unchanged, expect_raises, format_call,  # noqa: E402
                                    prefixed)
from grader.checking.replay import truth_function  # noqa: E402
from grader.checking.student import Abort, CheckFailed, Student  # noqa: E402
from grader.i18n import N_, gettext as _  # noqa: E402
from grader.sandbox import protocol  # noqa: E402

DEFAULT_EXAMPLES = 40
SHRINK_CALLS = 250       # shrinking stops after this many further calls: deterministic, unlike a clock
SHRINK_SECONDS = 20.0    # ...and, as a safety net for very slow code, after this long


class _StopShrinking(BaseException):
    pass


# -- running properties -----------------------------------------------------------------------------------------
FIXED_SEED = 20240917   # properties run without a Student (the grader's own tests)


@functools.lru_cache(maxsize=1)
def _hypothesis():
    """hypothesis, imported when a property first runs in full (a warm replay never does), with inputs that depend
    only on the seed: hypothesis otherwise mixes in constants from "local" source files, which differ by install."""
    import hypothesis
    from hypothesis.errors import HypothesisException

    try:
        from hypothesis.internal.conjecture import providers

        empty = providers._local_constants
        providers._get_local_constants = lambda: empty
    except (ImportError, AttributeError):  # pragma: no cover - other hypothesis versions
        pass
    return hypothesis, HypothesisException


def _settings(examples: int):
    from hypothesis import HealthCheck, Phase, settings

    return settings(max_examples=examples, derandomize=False, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck), print_blob=False, report_multiple_bugs=False,
                    phases=(Phase.explicit, Phase.generate, Phase.shrink))


def for_all(body, strategy, *, student: Student | None = None, examples: int = DEFAULT_EXAMPLES) -> None:
    """Run ``body(case)`` on hypothesis-generated cases; on failure raise CheckFailed for the shrunk case.

    ``student`` (optional) seeds the inputs, lets the message name the student call that went wrong, and looks its
    answer up in the exercise's named mistakes.
    """
    label, seed_value = student.next_property() if student is not None else (None, FIXED_SEED)
    store = student.replay if student is not None else None
    if store is not None and label in store.cases and _replayed(body, store.cases[label], student):
        return
    hypothesis, HypothesisException = _hypothesis()
    state: dict = {"fail": None, "shrink_deadline": None, "shrink_calls": 0, "signature": None}
    seen: list = []

    @hypothesis.seed(seed_value)
    @_settings(examples)
    @hypothesis.given(build(strategy))
    def run(case):
        if state["fail"] is not None:
            state["shrink_calls"] += 1
            if state["shrink_deadline"] is None:
                state["shrink_deadline"] = time.monotonic() + SHRINK_SECONDS
            elif time.monotonic() > state["shrink_deadline"] or state["shrink_calls"] > SHRINK_CALLS:
                raise _StopShrinking()
        if state["fail"] is None and store is not None:
            seen.append(_plain_copy(case))
        try:
            body(case)
        except CheckFailed as failure:
            call = student.last_call if student is not None else None
            signature = (failure.kind, student.diagnose(call) if student is not None else None)
            if state["signature"] is None:
                state["signature"] = signature
            elif signature != state["signature"]:
                return   # a smaller input that fails differently: not the counterexample of this failure
            state["fail"] = (failure, call)
            raise

    try:
        run()
        if store is not None and None not in seen:
            store.record_cases(label, seen)
    except (CheckFailed, _StopShrinking):
        failure, call = state["fail"]
        raise _with_call(failure, call, student, N_("smallest failing input"), state["signature"][1]) from None
    except Abort as abort:
        call = student.last_call if student is not None else None
        raise _with_call(abort.failure, call, None, N_("the input it was given")) from None
    except HypothesisException as exc:  # our strategies are wrong, not the student
        raise RuntimeError(f"internal error in the property: {exc}") from exc


def _plain_copy(case):
    """The case as plain data (as the store keeps it), or None when it holds something else."""
    try:
        frame = protocol.encode(case)
    except (TypeError, ValueError, RecursionError):
        return None
    if b"__unsupported__" in frame:
        return None
    header_len, _ = struct.unpack("<QQ", frame[:16])
    return protocol.decode(frame[16:16 + header_len], frame[16 + header_len:])


def _replayed(body, cases: list, student: Student) -> bool:
    """Run ``body`` on the stored cases; True when every one passed. At the first that fails, False: the property
    then runs in full (hypothesis meets the same cases first, and shrinks). A crash or a timeout ends it as in a
    full run."""
    try:
        for case in cases:
            body(copy.deepcopy(case))
    except CheckFailed:
        return False
    except Abort as abort:
        raise _with_call(abort.failure, student.last_call, None, N_("the input it was given")) from None
    except Exception:  # noqa: BLE001 - a stored case this property cannot take: never trusted, run in full
        return False
    return True


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
        raise _with_call(failure, student.last_call if student else None, student) from None
    except Abort as abort:
        raise _with_call(abort.failure, student.last_call if student else None, None) from None


def raises_check(fn: str, cases):
    """A check that every call of ``fn`` in ``cases`` -- (kwargs, why the call is invalid, anything) -- raises
    ValueError; named ``<fn>_invalid`` so that a Check's ``run`` can name it."""
    def check(student: Student) -> None:
        def body():
            for kwargs, why, *_ in cases:
                expect_raises(student, "ValueError", fn, **kwargs, why=why)
        run_once(body, student)
    check.__name__ = check.__qualname__ = f"{fn}_invalid"
    return check


_UNSET = object()


def _with_call(failure: CheckFailed, call, student: Student | None, label: str = N_("failing input"),
               diagnosis=_UNSET) -> CheckFailed:
    if call is not None and not failure.not_implemented:
        failure.details.insert(0, _("{label}:").format(label=_(label)) + "\n" + format_call(call.fn, call.args,
                                                                                            call.kwargs))
    if student is not None and call is not None and failure.misconception is None:
        failure.misconception = student.diagnose(call) if diagnosis is _UNSET else diagnosis
    return failure


# -- an exercise's right answers ----------------------------------------------------------------------------------
class Reference:
    """An exercise's right answers, function by function, and how a student's answer is compared with them.

    ``truth[fn](**kwargs)`` computes the right answer (torch, in this process); ``expect`` compares (default
    :func:`expect_array`; a dict gives one per function). ``what`` names the answer in messages (default: "the
    result"). The three properties every exercise writes::

        REFERENCE.for_all(student, "conv2d", cases(), examples=50)     # generated cases against the truth
        REFERENCE.pinned(student, SLIDE_EXAMPLES)                      # (label, fn, kwargs, answer) rows
        REFERENCE.expect(fn, got, expected)                            # one comparison
    """

    def __init__(self, truth: dict, expect=expect_array, what=None):
        self.truth = {fn: f if hasattr(f, "computes") else truth_function(f) for fn, f in truth.items()}
        self._expect = expect
        self._what = what

    def expect(self, fn: str, got, expected, **kwargs) -> None:
        compare = self._expect[fn] if isinstance(self._expect, dict) else self._expect
        what = self._what(fn) if callable(self._what) else self._what
        if what is not None and "what" not in kwargs:
            kwargs["what"] = what
        compare(got, expected, **kwargs)

    def for_all(self, student: Student, fn: str, strategy, *, examples: int = DEFAULT_EXAMPLES) -> None:
        """For every generated ``case``: the student's ``fn(**case)`` must equal ``truth[fn](**case)``."""
        def body(case):
            self.expect(fn, student.call(fn, **case), self.truth[fn](**case))
        for_all(body, strategy, student=student, examples=examples)

    def pinned(self, student: Student, examples, prefix: str = N_("slide example")) -> None:
        """Each pinned ``(label, fn, kwargs, answer)``: the student's answer must equal the pinned one."""
        def body():
            for label, fn, kwargs, answer in examples:
                with prefixed(_("{prefix} '{label}': ").format(prefix=_(prefix), label=_(label))):
                    self.expect(fn, student.call(fn, **kwargs), answer)
        run_once(body, student)

    def inputs_unchanged(self, student: Student, fn: str | None, strategy, *, examples: int,
                         advice: str = N_("work on a copy instead")) -> None:
        """The student's ``fn(**case)`` leaves its array arguments as they were, judged only on calls that
        returned a correct answer (``fn`` None: the strategy draws ``(fn, case)`` pairs). Fails when no call could
        be judged, so that code which computes nothing cannot pass it."""
        judged = []

        def body(item):
            name, case = (fn, item) if fn is not None else item
            judge = None
            if name in self.truth:
                expected = self.truth[name](**case)
                judge = lambda got: self.expect(name, got, expected)  # noqa: E731
            if expect_inputs_unchanged(student, name, case, advice, judge=judge):
                judged.append(name)
        for_all(body, strategy, student=student, examples=examples)
        if not judged:
            raise CheckFailed(_("{functions} returned no correct answer on these inputs, so whether the inputs "
                                "stay unchanged could not be judged").format(
                functions=fn + "()" if fn else _("the functions")))
