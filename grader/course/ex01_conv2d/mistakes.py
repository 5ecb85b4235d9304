"""Exercise 1's named mistakes: wrong versions of conv2d(image, kernel, stride=1, padding=0), computed with F.conv2d.

A mistake is named only where the input tells it apart from the right answer and the other mistakes (the rule is
in :mod:`grader.checking.mistakes`); each entry has a mutant in tests/test_ex01.py that must show exactly it.
"""
from __future__ import annotations

import numpy as np

from grader.checking.mistakes import Mistake, Mistakes
from grader.course.ex01_conv2d.checks import FN, conv2d_truth


def _flipped(image, kernel, stride, padding):
    return conv2d_truth(image, np.asarray(kernel, dtype=np.float64)[::-1, ::-1], stride, padding)


def _padded(image, kernel, stride, padding, before, after):
    if padding == 0:
        raise ValueError("no padding in this call")
    padded = np.pad(np.asarray(image, dtype=np.float64), ((before, after), (before, after)))
    return conv2d_truth(padded, kernel, stride, 0)


def _window_ignores_stride(image, kernel, stride, padding):
    right = conv2d_truth(image, kernel, stride, padding)
    return conv2d_truth(image, kernel, 1, padding)[:right.shape[0], :right.shape[1]]


_ONE_SIDE = ("The zero padding was added on one side only: put `padding` rows/columns of zeros on all four sides, "
             "np.pad(image, padding).")

MISTAKES = Mistakes(right={FN: conv2d_truth}, entries=[
    Mistake("ex01-kernel-flipped", FN,
            "The kernel was flipped (true convolution): deep-learning convolution is cross-correlation, so multiply "
            "window[p, q] by kernel[p, q] without reversing the kernel.", _flipped),
    Mistake("ex01-pad-one-side", FN, _ONE_SIDE,
            lambda image, kernel, stride, padding: _padded(image, kernel, stride, padding, 0, padding)),
    Mistake("ex01-pad-one-side-before", FN, _ONE_SIDE,
            lambda image, kernel, stride, padding: _padded(image, kernel, stride, padding, padding, 0)),
    Mistake("ex01-window-ignores-stride", FN,
            "The output has the right size but the windows move by one pixel: window (i, j) starts at row i*stride "
            "and column j*stride.", _window_ignores_stride),
    Mistake("ex01-stride-ignored", FN,
            "The stride was ignored: windows move by `stride` pixels, so the output has (H + 2*padding - KH) // "
            "stride + 1 rows (and the same for columns).",
            lambda image, kernel, stride, padding: conv2d_truth(image, kernel, 1, padding)),
])
