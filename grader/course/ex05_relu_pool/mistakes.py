"""Exercise 5's named mistakes: wrong versions of relu(x), max_pool(x, size=2, stride=None) and
avg_pool(x, size=2, stride=None), x (N, C, H, W) -> (N, C, H_out, W_out), H_out = (H - size) // stride + 1.

Each pooling function's variants come from one table, computed with torch/numpy the way the mistaken code does it.
A mistake is named only where the input tells it apart from the right answer and the other mistakes (the rule is
in :mod:`grader.checking.mistakes`); each entry has a mutant in tests/test_ex05.py that must show exactly it.
"""
from __future__ import annotations

import numpy as np

from grader.checking.mistakes import RAISES, Mistake, Mistakes, variant
from grader.course.ex05_relu_pool.checks import avg_pool_truth, max_pool_truth, relu_truth

_TRUTH = {"max": max_pool_truth, "avg": avg_pool_truth}
_REDUCE = {"max": np.max, "avg": np.mean}


def _windows(kind, x, size, rows, cols):
    """``kind`` pooling over the windows that start at rows x cols, cut short where they run past the edge (and
    RAISES where one is empty for max: np.max of nothing fails; np.mean of nothing is nan)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty(x.shape[:2] + (len(rows), len(cols)))
    for a, i in enumerate(rows):
        for b, j in enumerate(cols):
            window = x[:, :, i:i + size, j:j + size]
            if window.size == 0:
                if kind == "max":
                    return RAISES
                out[:, :, a, b] = np.nan
            else:
                out[:, :, a, b] = _REDUCE[kind](window, axis=(2, 3))
    return out


def _partial_windows(kind, x, size, stride):
    """Windows start at 0, stride, 2*stride, ... < H (range(0, H, stride)); those past the edge are cut short."""
    h, w = np.shape(x)[2:]
    return _windows(kind, x, size, range(0, h, stride), range(0, w, stride))


def _rounded(kind, x, size, stride):
    """H_out = round((H - size) / stride) + 1 (to the nearest, not down): the last window may run past the edge."""
    h, w = np.shape(x)[2:]
    return _windows(kind, x, size, range(0, (round((h - size) / stride) + 1) * stride, stride),
                    range(0, (round((w - size) / stride) + 1) * stride, stride))


def _pool_table(kind):
    """The table of wrong ``kind`` ("max" or "avg") pooling answers for (x, size, stride)."""
    pool = _TRUTH[kind]

    def table(x, size, stride) -> dict:
        step = size if stride is None else stride
        right = pool(x, size, step)
        h, w = np.shape(x)[2:]
        wrong = {
            # stride=None read as stride 1 (only a call that leaves the stride to its default shows it)
            "stride_one": pool(x, size, 1) if stride is None else None,
            "window_ignores_stride": pool(x, size, 1)[:, :, :right.shape[2], :right.shape[3]],
            "partial_windows": _partial_windows(kind, x, size, step),
            "rounded": _rounded(kind, x, size, step),
            # an assert (or a ValueError) that the stride divides H - size and W - size
            "must_divide": RAISES if (h - size) % step or (w - size) % step else right,
            "whole_channel": _REDUCE[kind](np.asarray(x, dtype=np.float64), axis=(2, 3)),
        }
        if kind == "avg":
            wrong["divides_by_size"] = right * size
            wrong["sum"] = right * size * size
        return wrong
    return table


_MAX, _AVG = _pool_table("max"), _pool_table("avg")

_STRIDE_ONE = ("With stride=None the stride must equal the window size (windows side by side, not overlapping), "
               "not 1: start with `if stride is None: stride = size`.")
_WINDOW = ("The output has the right size but the windows move by one pixel: window (i, j) starts at row "
           "i*stride and column j*stride.")
_PARTIAL = ("Windows that run past the bottom or right edge must be dropped, not cut short: only "
            "H_out = (H - size) // stride + 1 windows fit (floor), and the same for W.")
_ROUNDED = ("H_out = (H - size) // stride + 1 rounds down: round() keeps a last window that runs past the edge "
            "(cut short). Only the windows that fit count, and the same for W.")
_DIVIDE = ("Your code fails where the stride leaves rows or columns over: H_out = (H - size) // stride + 1 rounds "
           "down and drops them. Do not require the stride to divide H - size (or W - size).")
_WHOLE = ("Pooling works on each size x size window, not on the whole H x W map at once: the result has shape "
          "(N, C, H_out, W_out).")

MISTAKES = Mistakes(right={"relu": relu_truth, "max_pool": max_pool_truth, "avg_pool": avg_pool_truth}, entries=[
    Mistake("ex05-relu-np-max", "relu",
            "ReLU is elementwise: np.max(x, 0) is the largest value along axis 0 (it removes the N axis), "
            "np.maximum(x, 0) is max(x, 0) for every value.",
            lambda x: np.max(np.asarray(x, dtype=np.float64), axis=0)),
    Mistake("ex05-relu-mask", "relu",
            "ReLU returns the values max(x, 0), not the mask x > 0: keep x where it is positive, 0 elsewhere.",
            lambda x: (np.asarray(x) > 0).astype(np.float64)),

    Mistake("ex05-max-stride-one", "max_pool", _STRIDE_ONE, variant(_MAX, "stride_one")),
    Mistake("ex05-max-window-ignores-stride", "max_pool", _WINDOW, variant(_MAX, "window_ignores_stride")),
    Mistake("ex05-max-partial-windows", "max_pool", _PARTIAL, variant(_MAX, "partial_windows")),
    Mistake("ex05-max-rounded", "max_pool", _ROUNDED, variant(_MAX, "rounded")),
    Mistake("ex05-max-must-divide", "max_pool", _DIVIDE, variant(_MAX, "must_divide")),
    Mistake("ex05-max-whole-channel", "max_pool", _WHOLE, variant(_MAX, "whole_channel")),

    Mistake("ex05-avg-stride-one", "avg_pool", _STRIDE_ONE, variant(_AVG, "stride_one")),
    Mistake("ex05-avg-window-ignores-stride", "avg_pool", _WINDOW, variant(_AVG, "window_ignores_stride")),
    Mistake("ex05-avg-partial-windows", "avg_pool", _PARTIAL, variant(_AVG, "partial_windows")),
    Mistake("ex05-avg-rounded", "avg_pool", _ROUNDED, variant(_AVG, "rounded")),
    Mistake("ex05-avg-must-divide", "avg_pool", _DIVIDE, variant(_AVG, "must_divide")),
    Mistake("ex05-avg-whole-channel", "avg_pool", _WHOLE, variant(_AVG, "whole_channel")),
    Mistake("ex05-avg-divides-by-size", "avg_pool",
            "The mean of a size x size window divides its sum by size*size (the number of values in it), not by "
            "size.", variant(_AVG, "divides_by_size")),
    Mistake("ex05-avg-sum", "avg_pool",
            "Those are the window sums: average pooling divides each window's sum by size*size.",
            variant(_AVG, "sum")),
])
