"""The course at a glance: every exercise, in order. Everything else (the CLI, grading, batch, the kit, the tests)
reads :data:`EXERCISES`.

Each exercise is one folder of this package (see :mod:`grader.course.entry`)::

    #   folder              points  the student writes
    1   ex01_conv2d             12  conv2d: 2-D cross-correlation by hand, stride, padding
    2   ex02_output_size        15  the output-size formulas (conv, 'same', Keras, pooling, transposed conv)
    3   ex03_param_count        14  parameter counts of layers and whole models
    4   ex04_conv_forward       12  the conv layer's forward pass, NCHW, with bias
    5   ex05_relu_pool          14  ReLU, max and average pooling
    6   ex06_softmax_ce         13  softmax, cross-entropy and its gradient, BCE, MSE
    7   ex07_conv_backward      11  the conv layer's backward pass
    8   ex08_pool_backward      15  ReLU and pooling backward passes
    9   ex09_sgd                15  SGD, momentum (torch.optim.SGD), numerical gradients
    10  ex10_train              10  the slides' MNIST CNN and its training loop (driver.py, data.py)

Importing this package loads the entries only (no numpy, hypothesis or torch): a test holds it to that.
"""
from __future__ import annotations

from grader.course.entry import Check, Exercise
from grader.course import (ex01_conv2d, ex02_output_size, ex03_param_count, ex04_conv_forward, ex05_relu_pool,
                           ex06_softmax_ce, ex07_conv_backward, ex08_pool_backward, ex09_sgd, ex10_train)

EXERCISES: tuple[Exercise, ...] = tuple(m.EXERCISE for m in (
    ex01_conv2d, ex02_output_size, ex03_param_count, ex04_conv_forward, ex05_relu_pool, ex06_softmax_ce,
    ex07_conv_backward, ex08_pool_backward, ex09_sgd, ex10_train))

BY_NUMBER = {ex.number: ex for ex in EXERCISES}


def get(number: int) -> Exercise:
    """The exercise with this number; KeyError if there is none."""
    return BY_NUMBER[number]


class SelectionError(ValueError):
    """An exercise selection like '1-9' names no exercise or is malformed; the message says which part."""


def select(spec: str | None) -> tuple[int, ...]:
    """'1-9', '1,3,5-7', 'ex4', 'all' or None (all) -> exercise numbers, validated against the course."""
    if spec is None or spec.strip().lower() in ("", "all"):
        return tuple(BY_NUMBER)
    numbers: set[int] = set()
    for part in spec.split(","):
        part = part.strip().lower().lstrip("ex")
        if not part:
            continue
        lo, dash, hi = part.partition("-")
        if not (lo.strip().isdigit() and (not dash or hi.strip().isdigit())):
            raise SelectionError(f"--exercises: {part!r} is not a number or a range like 1-9")
        numbers.update(range(int(lo), int(hi if dash else lo) + 1))
    unknown = sorted(n for n in numbers if n not in BY_NUMBER)
    if unknown or not numbers:
        raise SelectionError(f"--exercises: no exercise {unknown} (exercises are {EXERCISES[0].number}-"
                             f"{EXERCISES[-1].number})")
    return tuple(sorted(numbers))


__all__ = ["BY_NUMBER", "EXERCISES", "Check", "Exercise", "SelectionError", "get", "select"]
