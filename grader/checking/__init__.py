"""The check language: what an exercise's checks.py is written in.

    student.py     Student (calls into the sandbox), CheckFailed, Abort
    expect.py      expect_array / expect_number / expect_raises / expect_inputs_unchanged, describe, prefixed
    generate.py    for_all (derandomized hypothesis, shrinking), run_once, raises_check, Reference (truth +
                   comparison + pinned)
    mistakes.py    Mistake, Mistakes: named mistakes and the one rule for naming them
    strategies.py  small float64 arrays that shrink to readable counterexamples
    deferred.py    st: hypothesis's strategies, built only when a property runs in full (a warm replay needs none)
    truth.py       torch, imported on first use, on one thread

A check is usually one line::

    def random_shapes(student):
        REFERENCE.for_all(student, "conv2d", cases(), examples=50)

The names below load on first use (PEP 562): importing ``grader.checking.replay`` for the store does not import numpy
and every comparison, so that the grader starts the student's process first.
"""
import importlib

_WHERE = {"st": "deferred", "Reference": "generate", "for_all": "generate", "for_all_against": "generate",
          "raises_check": "generate", "run_once": "generate", "Abort": "student", "CheckFailed": "student",
          "Student": "student", **{name: "expect" for name in (
              "describe", "expect_array", "expect_inputs_unchanged", "expect_number", "expect_raises", "format_call",
              "format_value", "noted", "prefixed")}}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'grader.checking' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"grader.checking.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
