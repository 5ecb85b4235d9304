"""Exercise 8's named mistakes: wrong versions of relu_backward(dout, x) and max_pool_backward /
avg_pool_backward(dout, x, size=2, stride=None), dout (N, C, H_out, W_out), x (N, C, H, W) -> dx (N, C, H, W).

Each function's variants come from one table, computed in numpy the way the mistaken code does it: a max-pooling
backward with a tie rule (first / last / every / split) and a way of writing (add / element / window), an
average-pooling backward with a divisor and a way of writing; code that requires the windows to divide evenly
raises where they do not (RAISES). A mistake is named only where the input tells it apart from the right answer and
the other mistakes (the rule is in :mod:`grader.checking.mistakes`); each entry has a mutant in tests/test_ex08.py
that must show exactly it.
"""
from __future__ import annotations

import numpy as np

from grader.checking.mistakes import RAISES, Mistake, Mistakes, variant
from grader.course.ex08_pool_backward.checks import avg_pool_truth, max_pool_truth, relu_truth


def _relu(dout, x) -> dict:
    """Wrong ReLU backward passes, dx of x's shape (the right one: dout * (x > 0))."""
    dout = np.asarray(dout, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    return {"identity": dout.copy(), "dout_mask": dout * (dout > 0), "at_zero": dout * (x >= 0),
            "times_relu": dout * np.maximum(x, 0), "mask_only": (x > 0) * 1.0}


def _windows(dout, size, stride):
    """(i, j, (rows, cols)) of every pooling window, row-major: rows i*stride : i*stride + size, same for cols."""
    stride = size if stride is None else stride
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            yield i, j, (slice(i * stride, i * stride + size), slice(j * stride, j * stride + size))


def _max_pool(dout, x, size, stride, pick="first", write="add") -> np.ndarray:
    """max-pool backward with a tie rule (first/last/every/split) and a way of writing (add/element/window)."""
    dout = np.asarray(dout, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    dx = np.zeros(x.shape)
    for i, j, (rows, cols) in _windows(dout, size, stride):
        for n in range(x.shape[0]):
            for c in range(x.shape[1]):
                window = x[n, c, rows, cols]
                is_max = window == window.max()
                if pick in ("first", "last"):
                    flat = np.flatnonzero(is_max)
                    share = np.zeros(window.shape)
                    share.flat[flat[0] if pick == "first" else flat[-1]] = 1.0
                else:
                    share = is_max / (is_max.sum() if pick == "split" else 1.0)
                g = share * dout[n, c, i, j]
                if write == "add":
                    dx[n, c, rows, cols] += g
                elif write == "window":
                    dx[n, c, rows, cols] = g
                else:
                    target = dx[n, c, rows, cols]
                    target[share > 0] = g[share > 0]
    return dx


def _must_divide(x, size, stride):
    """What code that asserts (or raises unless) the stride divides H - size and W - size gives: RAISES where it
    does not (rows or columns in no window); None (the mistake makes no difference) where it does."""
    step = size if stride is None else stride
    h, w = np.shape(x)[2:]
    return RAISES if (h - size) % step or (w - size) % step else None


def _max(dout, x, size, stride) -> dict:
    return {"must_divide": _must_divide(x, size, stride),
            "every": _max_pool(dout, x, size, stride, pick="every"),
            "split": _max_pool(dout, x, size, stride, pick="split"),
            "last": _max_pool(dout, x, size, stride, pick="last"),
            "overwrite_element": _max_pool(dout, x, size, stride, write="element"),
            "overwrite_window": _max_pool(dout, x, size, stride, write="window")}


def _avg_pool(dout, x, size, stride, divisor=None, write="add") -> np.ndarray:
    """avg-pool backward: each window gets dout / divisor (default size * size), added (add) or assigned (window)."""
    dout = np.asarray(dout, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    divisor = size * size if divisor is None else divisor
    dx = np.zeros(x.shape)
    for i, j, (rows, cols) in _windows(dout, size, stride):
        g = dout[:, :, i:i + 1, j:j + 1] / divisor * np.ones((1, 1, size, size))
        if write == "add":
            dx[:, :, rows, cols] += g
        else:
            dx[:, :, rows, cols] = g
    return dx


def _avg(dout, x, size, stride) -> dict:
    return {"must_divide": _must_divide(x, size, stride),
            "not_divided": _avg_pool(dout, x, size, stride, divisor=1),
            "divided_by_size": _avg_pool(dout, x, size, stride, divisor=size),
            "overwrite": _avg_pool(dout, x, size, stride, write="window")}


_OVERWRITE = ("where pooling windows overlap (stride < size), a later window overwrote the gradient an earlier one "
              "had put there: add each window's share with +=, do not assign with =.")

_DIVIDE = ("your code fails where the stride leaves rows or columns in no window ((H - size) % stride != 0): those "
           "positions simply get gradient 0. Take H_out and W_out from dout.shape (H_out = (H - size) // stride + 1 "
           "rounds down) and do not require the stride to divide H - size (or W - size).")

RELU, MAX, AVG = "relu_backward", "max_pool_backward", "avg_pool_backward"

MISTAKES = Mistakes(right={RELU: relu_truth, MAX: max_pool_truth, AVG: avg_pool_truth}, entries=[
    Mistake("ex08-relu-dout-mask", RELU,
            "the ReLU mask was taken from dout (dout > 0); it must come from the forward input: dx = dout * (x > 0).",
            variant(_relu, "dout_mask")),
    Mistake("ex08-relu-identity", RELU,
            "dout was passed through everywhere: ReLU's gradient is 0 where x < 0, so dx = dout * (x > 0).",
            variant(_relu, "identity")),
    Mistake("ex08-relu-at-zero", RELU,
            "the gradient was passed where x == 0: use x > 0, not x >= 0 (torch's ReLU gradient at 0 is 0).",
            variant(_relu, "at_zero")),
    Mistake("ex08-relu-times-relu", RELU,
            "dout was multiplied by relu(x) itself; the derivative of max(x, 0) is 1 where x > 0, so multiply by the "
            "0/1 mask: dx = dout * (x > 0).",
            variant(_relu, "times_relu")),
    Mistake("ex08-relu-mask-only", RELU,
            "the 0/1 mask (x > 0) was returned alone; by the chain rule it multiplies the incoming gradient: "
            "dx = dout * (x > 0).",
            variant(_relu, "mask_only")),

    Mistake("ex08-max-every-tie", MAX,
            "the gradient went to every tied maximum of a window; torch sends it whole to the first maximum only "
            "(row-major order, as np.argmax of the flattened window picks it).",
            variant(_max, "every")),
    Mistake("ex08-max-split-tie", MAX,
            "the gradient was split among tied maxima; torch sends it whole to the first maximum only "
            "(row-major order).",
            variant(_max, "split")),
    Mistake("ex08-max-last-tie", MAX,
            "with a tie the gradient went to the last maximum of the window; torch picks the first one in row-major "
            "order (np.argmax does; a >= comparison while scanning picks the last).",
            variant(_max, "last")),
    Mistake("ex08-max-overwrite", MAX, _OVERWRITE, variant(_max, "overwrite_element")),
    Mistake("ex08-max-overwrite-window", MAX, _OVERWRITE, variant(_max, "overwrite_window")),
    Mistake("ex08-max-must-divide", MAX, _DIVIDE, variant(_max, "must_divide")),

    Mistake("ex08-avg-not-divided", AVG,
            "the average-pooling gradient was not divided by the window size: every position of a window gets "
            "dout / (size * size).",
            variant(_avg, "not_divided")),
    Mistake("ex08-avg-divided-by-size", AVG,
            "the gradient was divided by size, but a window has size * size elements: each gets "
            "dout / (size * size).",
            variant(_avg, "divided_by_size")),
    Mistake("ex08-avg-overwrite", AVG, _OVERWRITE, variant(_avg, "overwrite")),
    Mistake("ex08-avg-must-divide", AVG, _DIVIDE, variant(_avg, "must_divide")),
])
