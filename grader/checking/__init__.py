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
"""
from grader.checking.deferred import st
from grader.checking.expect import (describe, expect_array, expect_inputs_unchanged, expect_number, expect_raises,
                                    format_call, format_value, noted, prefixed)
from grader.checking.generate import Reference, for_all, for_all_against, raises_check, run_once
from grader.checking.student import Abort, CheckFailed, Student

__all__ = ["Abort", "CheckFailed", "Reference", "Student", "describe", "expect_array", "expect_inputs_unchanged",
           "expect_number", "expect_raises", "for_all", "for_all_against", "format_call", "format_value", "noted",
           "prefixed", "raises_check", "run_once", "st"]
