"""Exercise 1's named mistakes: wrong versions of conv2d(image, kernel, stride=1, padding=0),
(H, W) * (KH, KW) -> (H_out, W_out), H_out = (H + 2*padding - KH) // stride + 1, computed with F.conv2d or, for a
wrong output size, with the loop the mistaken code runs.

A mistake is named only where the input tells it apart from the right answer and the other mistakes (the rule is
in :mod:`grader.checking.mistakes`); each entry has a mutant in tests/test_ex01.py that must show exactly it. An
answer that code computing nothing also gives (all zeros, or the image itself) is evidence of no mistake: there no
entry applies.
"""
from __future__ import annotations

import math

import numpy as np

from grader.checking.mistakes import RAISES, Mistake, Mistakes
from grader.course.ex01_conv2d.checks import FN, conv2d_truth


def _evidence(wrong):
    """``wrong``, except where its answer is all zeros or the image itself: `return np.zeros(...)` and `return image`
    give those too, so there they explain nothing."""
    def guarded(image, kernel, stride, padding):
        answer = wrong(image, kernel, stride, padding)
        if isinstance(answer, np.ndarray):
            image = np.asarray(image, dtype=np.float64)
            if not answer.any() or (answer.shape == image.shape and np.allclose(answer, image)):
                raise ValueError("a trivial answer: no evidence of this mistake")
        return answer
    return guarded


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


def _sized(rounding):
    """The loop of the stub's formula with H_out = rounding((H + 2*padding - KH) / stride) + 1 (the same for W)
    instead of the floor: where that rounds up, the last window runs past the edge of the padded image and is cut
    short; numpy broadcasts a cut window of one row (or column) against the kernel, and raises for any other, in
    which case this entry does not apply (the call raised: :func:`_windows_must_divide` explains that)."""
    def wrong(image, kernel, stride, padding):
        padded = np.pad(np.asarray(image, dtype=np.float64), padding)
        kernel = np.asarray(kernel, dtype=np.float64)
        (hp, wp), (kh, kw) = padded.shape, kernel.shape
        h_out, w_out = rounding((hp - kh) / stride) + 1, rounding((wp - kw) / stride) + 1
        if (h_out, w_out) == ((hp - kh) // stride + 1, (wp - kw) // stride + 1):
            raise ValueError("the same size as the floor: the right answer")
        out = np.empty((h_out, w_out))
        for i in range(h_out):
            for j in range(w_out):
                window = padded[i * stride:i * stride + kh, j * stride:j * stride + kw]
                out[i, j] = np.sum(window * kernel)   # ValueError where the cut window does not broadcast
        return out
    return wrong


def _windows_must_divide(image, kernel, stride, padding):
    """Code that requires the stride to divide H + 2*padding - KH (and the same for W), or whose rounded-up last
    window runs past the edge and fails there: it raises where rows or columns are left over."""
    (h, w), (kh, kw) = np.shape(image), np.shape(kernel)
    if (h + 2 * padding - kh) % stride or (w + 2 * padding - kw) % stride:
        return RAISES
    raise ValueError("the windows divide evenly: this code gives the right answer")


_ONE_SIDE = ("The zero padding was added on one side only: put `padding` rows/columns of zeros on all four sides, "
             "np.pad(image, padding).")
_NOT_FLOORED = ("Your output size is not rounded down: H_out = (H + 2*padding - KH) // stride + 1 drops the rows "
                "and columns the stride leaves over. Do not assert that the stride divides H + 2*padding - KH, and "
                "do not round H_out up (math.ceil) or to the nearest (round()).")

MISTAKES = Mistakes(right={FN: conv2d_truth}, entries=[
    Mistake("ex01-kernel-flipped", FN,
            "The kernel was flipped (true convolution): deep-learning convolution is cross-correlation, so multiply "
            "window[p, q] by kernel[p, q] without reversing the kernel.", _evidence(_flipped)),
    Mistake("ex01-pad-one-side", FN, _ONE_SIDE,
            _evidence(lambda image, kernel, stride, padding: _padded(image, kernel, stride, padding, 0, padding))),
    Mistake("ex01-pad-one-side-before", FN, _ONE_SIDE,
            _evidence(lambda image, kernel, stride, padding: _padded(image, kernel, stride, padding, padding, 0))),
    Mistake("ex01-window-ignores-stride", FN,
            "The output has the right size but the windows move by one pixel: window (i, j) starts at row i*stride "
            "and column j*stride.", _evidence(_window_ignores_stride)),
    Mistake("ex01-stride-ignored", FN,
            "The stride was ignored: windows move by `stride` pixels, so the output has (H + 2*padding - KH) // "
            "stride + 1 rows (and the same for columns).",
            _evidence(lambda image, kernel, stride, padding: conv2d_truth(image, kernel, 1, padding))),
    Mistake("ex01-output-size-ceil", FN, _NOT_FLOORED, _evidence(_sized(math.ceil))),
    Mistake("ex01-output-size-round", FN, _NOT_FLOORED, _evidence(_sized(round))),
    Mistake("ex01-windows-must-divide", FN, _NOT_FLOORED, _windows_must_divide),
])
