"""Exercise 4's named mistakes: wrong versions of conv_forward(x, w, b, stride=1, padding=0),
x (N, C, H, W) * w (F, C, KH, KW) + b (F,) or None -> (N, F, H_out, W_out), computed with F.conv2d.

A mistake is named only where the input tells it apart from the right answer and the other mistakes (the rule is
in :mod:`grader.checking.mistakes`); each entry has a mutant in tests/test_ex04.py that must show exactly it.
"""
from __future__ import annotations

import numpy as np

from grader.checking.mistakes import RAISES, Mistake, Mistakes, variant
from grader.course.ex04_conv_forward.checks import FN, conv2d_truth


def _bias(x, w, b, stride, padding) -> dict:
    """The convolution without bias plus b[f] added 0, C or 2 times (None: no bias in this call)."""
    if b is None:
        return {"missing": None, "per_channel": None, "twice": None}
    plain = conv2d_truth(x, w, None, stride, padding)
    b = np.asarray(b, dtype=np.float64).reshape(1, -1, 1, 1)
    return {"missing": plain, "per_channel": plain + np.asarray(x).shape[1] * b, "twice": plain + 2 * b}


def _padded(x, w, b, stride, padding, before, after):
    """x padded with ``before`` zeros above/left and ``after`` below/right, then convolved without padding."""
    xp = np.pad(np.asarray(x, dtype=np.float64), ((0, 0), (0, 0), (before, after), (before, after)))
    return conv2d_truth(xp, w, b, stride, 0)


def _window_ignores_stride(x, w, b, stride, padding):
    """The right output size, filled with the stride-1 windows."""
    right = conv2d_truth(x, w, b, stride, padding)
    return conv2d_truth(x, w, b, 1, padding)[:, :, :right.shape[2], :right.shape[3]]


def _windows_must_divide(x, w, b, stride, padding):
    """Code that requires the stride to divide H + 2*padding - KH (and the same for W), or rounds H_out up or to
    the nearest instead of down (its last window then runs past the edge, and the call fails): it raises where rows
    or columns are left over, and is right elsewhere."""
    (_, _, h, wd), (_, _, kh, kw) = np.shape(x), np.shape(w)
    if (h + 2 * padding - kh) % stride or (wd + 2 * padding - kw) % stride:
        return RAISES
    return conv2d_truth(x, w, b, stride, padding)


MISTAKES = Mistakes(right={FN: conv2d_truth}, entries=[
    Mistake("ex04-bias-missing", FN,
            "The bias is missing: add b[f] to every output value of filter f (b=None is the only case without a "
            "bias).", variant(_bias, "missing")),
    Mistake("ex04-bias-per-channel", FN,
            "The bias was added once per input channel (C times): add b[f] only once, after summing over all C "
            "channels and the whole kernel window.", variant(_bias, "per_channel")),
    Mistake("ex04-bias-twice", FN,
            "The bias was added twice: add b[f] exactly once to every output value of filter f.",
            variant(_bias, "twice")),
    Mistake("ex04-last-channel-only", FN,
            "Only the last input channel counts in your answer: inside the loop over channels, accumulate "
            "(out += ...) instead of overwriting (out = ...), so every channel adds to the sum.",
            lambda x, w, b, stride, padding: conv2d_truth(np.asarray(x)[:, -1:], np.asarray(w)[:, -1:], b, stride,
                                                          padding)),
    Mistake("ex04-kernel-flipped", FN,
            "The kernel was flipped (true convolution): deep-learning convolution is cross-correlation, so "
            "multiply x_pad[n, c, i*stride + p, j*stride + q] by w[f, c, p, q] without reversing p or q.",
            lambda x, w, b, stride, padding: conv2d_truth(x, np.asarray(w)[:, :, ::-1, ::-1], b, stride, padding)),
    Mistake("ex04-pad-one-side", FN,
            "The zero padding was added on one side only: put `padding` zeros on each of the four sides, "
            "np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding))).",
            lambda x, w, b, stride, padding: _padded(x, w, b, stride, padding, 0, padding)),
    Mistake("ex04-pad-not-centred", FN,
            "The padded image has the right size but the image is not in its centre: copy x into "
            "x_pad[:, :, padding:padding + H, padding:padding + W], not into the top-left corner.",
            lambda x, w, b, stride, padding: _padded(x, w, b, stride, padding, 0, 2 * padding)),
    Mistake("ex04-window-ignores-stride", FN,
            "The output has the right size but the windows move by one pixel: window (i, j) starts at row "
            "i*stride and column j*stride.", _window_ignores_stride),
    Mistake("ex04-output-size-not-floored", FN,
            "Your code fails where the stride leaves rows or columns over: H_out = (H + 2*padding - KH) // stride + 1 "
            "rounds down and drops them. Do not require the stride to divide H + 2*padding - KH, and do not round "
            "H_out up or to the nearest (the last window would run past the edge).", _windows_must_divide),
])
