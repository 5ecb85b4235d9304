"""Named mistakes: known-wrong answers, each with the one sentence that explains it.

Each exercise's ``mistakes.py`` declares a :class:`Mistakes` table: for each student function the right answer (a
function with the student's signature, which is also how a call's arguments are bound), and a list of
:class:`Mistake` entries, each computing what one mistaken version returns. When a check fails, :meth:`diagnose`
recomputes the failing call with every entry for that function and names a mistake under one rule, the same for
every exercise:

    a mistake is named when the student's answer equals its answer and not the right one, and no other entry with
    a different message explains the answer too (mistakes that make no difference on this input explain nothing).

So a message is only shown when the input tells the known mistakes apart; otherwise nothing is named. A ``wrong``
function that cannot apply to an input (a padding mistake on a call without padding) raises any exception; one
whose mistaken code would raise on the input (an assert that the windows divide evenly) returns :data:`RAISES`,
and explains a call that raised where the right answer exists.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable

import numpy as np


RAISES = type("Raises", (), {"__repr__": lambda self: "RAISES"})()   # a wrong "answer": the code raises here


@dataclass(frozen=True)
class Mistake:
    id: str
    function: str
    message: str
    wrong: Callable   # called with the call's arguments as keywords (defaults filled in); returns the wrong answer


def variant(table: Callable, name: str) -> Callable:
    """``wrong`` for one entry of a table of variants: ``table(**arguments)[name]``; None there means "does not
    apply to this input". One table computes every variant of a function, so related mistakes share one formula."""
    def wrong(**arguments):
        value = table(**arguments)[name]
        if value is None:
            raise ValueError("does not apply to this input")
        return value
    return wrong


def matches(got, wrong) -> bool:
    """Whether ``got`` equals the answer ``wrong``: the same type of value, shape and (close) numbers (a 0-d array
    counts as the number it holds, as in :func:`grader.checking.expect.expect_number`)."""
    if isinstance(got, np.ndarray) and got.shape == () and got.dtype.kind in "biuf" \
            and not isinstance(wrong, np.ndarray):
        got = got[()]
    if isinstance(wrong, tuple) and isinstance(got, (tuple, list)):
        return len(got) == len(wrong) and all(matches(g, w) for g, w in zip(got, wrong))
    if isinstance(wrong, np.ndarray):
        return (isinstance(got, np.ndarray) and got.shape == wrong.shape and got.dtype.kind in "biuf"
                and bool(np.allclose(got.astype(float), wrong.astype(float), rtol=1e-6, atol=1e-8, equal_nan=True)))
    if isinstance(wrong, (int, float, np.number)) and not isinstance(wrong, bool):
        if isinstance(got, bool) or not isinstance(got, (int, float, np.number)):
            return False
        # nan matches nan (and inf the same inf), as for arrays: a loss that overflows is a recognisable mistake
        return bool(np.isclose(float(got), float(wrong), rtol=1e-6, atol=1e-9, equal_nan=True))
    return False


@dataclass
class Mistakes:
    """An exercise's named mistakes: ``right[fn]`` gives the right answer (and the signature to bind a call with),
    ``entries`` the mistakes, tried for the function of the failing call."""

    right: dict[str, Callable]
    entries: list[Mistake] = field(default_factory=list)

    def by_id(self, ident: str) -> Mistake:
        for entry in self.entries:
            if entry.id == ident:
                return entry
        raise KeyError(ident)

    def bind(self, fn: str, args: tuple, kwargs: dict) -> dict:
        """The call's arguments as keywords, with the signature's defaults applied."""
        bound = inspect.signature(self.right[fn]).bind(*args, **kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)

    def explaining(self, call) -> list[Mistake]:
        """Every entry whose answer equals the student's, on an input where that mistake makes a difference."""
        if call.fn not in self.right:
            return []
        try:
            arguments = self.bind(call.fn, call.args, call.kwargs)
            right = self.right[call.fn](**arguments)
        except Exception:  # noqa: BLE001 - an input the reference refuses: nothing to compare with
            return []
        raised = bool(getattr(call, "raised", ()))
        if not raised and matches(call.result, right):
            return []
        found = []
        for entry in self.entries:
            if entry.function != call.fn:
                continue
            try:
                wrong = entry.wrong(**arguments)
            except Exception:  # noqa: BLE001 - the mistake does not apply to this input
                continue
            if wrong is RAISES:
                if raised:
                    found.append(entry)
            elif not raised and not matches(wrong, right) and matches(call.result, wrong):
                found.append(entry)
        return found

    def diagnose(self, call) -> str | None:
        """The message of the one mistake that explains the answer of ``call`` (see the module docstring)."""
        messages = {entry.message for entry in self.explaining(call)}
        return messages.pop() if len(messages) == 1 else None
