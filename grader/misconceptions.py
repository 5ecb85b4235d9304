"""The catalog of named misconceptions: known-wrong answers and the one sentence that explains each.

When a check fails, :func:`diagnose` recomputes the failing call with every known-wrong variant registered for that
exercise and function; if the student's answer matches one (same shape, values close), the feedback names the
mistake. Each entry is data: an id, where it applies, the message, and ``wrong(**kwargs)`` computing what the
mistaken code returns (with numpy/torch, in the grader). Entries are tried in order; the first match wins, so put
the more specific variants first. Every entry has a mutant in ``tests/mutants`` that must trigger it and no other.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Misconception:
    id: str
    exercise: int
    function: str
    message: str
    wrong: Callable  # called with the student's arguments (as keywords, defaults filled in); returns the wrong answer


def _matches(got, wrong) -> bool:
    if isinstance(wrong, tuple) and isinstance(got, tuple):
        return len(got) == len(wrong) and all(_matches(g, w) for g, w in zip(got, wrong))
    if isinstance(wrong, np.ndarray):
        return (isinstance(got, np.ndarray) and got.shape == wrong.shape and got.dtype.kind in "biuf"
                and bool(np.allclose(got.astype(float), wrong.astype(float), rtol=1e-6, atol=1e-8, equal_nan=True)))
    if isinstance(wrong, (int, float, np.number)) and not isinstance(wrong, bool):
        if isinstance(got, bool) or not isinstance(got, (int, float, np.number)):
            return False
        return bool(np.isclose(float(got), float(wrong), rtol=1e-6, atol=1e-9, equal_nan=False))
    return False


def _bind(fn: Callable, args: tuple, kwargs: dict) -> dict:
    """The call's arguments as keywords with the reference signature's defaults applied."""
    sig = inspect.signature(fn)
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def diagnose(exercise: int, call) -> str | None:
    """The message of the first catalog entry whose wrong answer equals the student's result, else None."""
    if call is None:
        return None
    for entry in CATALOG:
        if entry.exercise != exercise or entry.function != call.fn:
            continue
        try:
            wrong = entry.wrong(**_bind(entry.wrong, call.args, call.kwargs))
        except Exception:  # the wrong variant is undefined for this input (e.g. it would not fit)
            continue
        if _matches(call.result, wrong):
            return entry.message
    return None


def by_id(ident: str) -> Misconception:
    for entry in CATALOG:
        if entry.id == ident:
            return entry
    raise KeyError(ident)


# Entries are added per exercise below. Keep each exercise's entries together, in the order they should be tried.
CATALOG: list[Misconception] = []

# --- ex01 -------------------------------------------------------------------------------------------------------
# --- ex02 -------------------------------------------------------------------------------------------------------
# --- ex03 -------------------------------------------------------------------------------------------------------
# --- ex04 -------------------------------------------------------------------------------------------------------
# --- ex05 -------------------------------------------------------------------------------------------------------
# --- ex06 -------------------------------------------------------------------------------------------------------
# --- ex07 -------------------------------------------------------------------------------------------------------
# --- ex08 -------------------------------------------------------------------------------------------------------
# --- ex09 -------------------------------------------------------------------------------------------------------
