"""Checks for exercise 5: relu(x), max_pool(x, size=2, stride=None), avg_pool(x, size=2, stride=None) on (N, C, H, W).

    relu:  out = max(x, 0) elementwise, x's shape
    pool:  (N, C, H, W) -> (N, C, H_out, W_out), H_out = (H - size) // stride + 1 (the same for W), stride None
           means size, no padding; out[n, c, i, j] = max (or mean) of
           x[n, c, i*stride : i*stride + size, j*stride : j*stride + size]

Ground truth: F.relu, F.max_pool2d and F.avg_pool2d in float64.
"""
from __future__ import annotations

import numpy as np

from grader.checking import Reference, expect_raises, for_all, run_once, st, truth
from grader.checking.strategies import generic_arrays


# -- ground truth (torch) ----------------------------------------------------------------------------------------
def relu_truth(x):
    import torch.nn.functional as F

    return F.relu(truth.tensor(x)).numpy()


def max_pool_truth(x, size=2, stride=None):
    """F.max_pool2d(x, size, stride): stride None means stride = size, no padding, floor rule."""
    import torch.nn.functional as F

    return F.max_pool2d(truth.tensor(x), size, size if stride is None else stride).numpy()


def avg_pool_truth(x, size=2, stride=None):
    """F.avg_pool2d(x, size, stride): stride None means stride = size, no padding, floor rule."""
    import torch.nn.functional as F

    return F.avg_pool2d(truth.tensor(x), size, size if stride is None else stride).numpy()


TRUTH = {"relu": relu_truth, "max_pool": max_pool_truth, "avg_pool": avg_pool_truth}
REFERENCE = Reference(TRUTH)

# -- the slides' worked examples -------------------------------------------------------------------------------
SEED000_MAP = np.array([[4, 123, 1, 34], [56, 99, 222, 253], [45, 122, 165, 12], [21, 187, 133, 124]],
                       float)[None, None]
SEED004_MAP = np.array([[1, 2, 5, 3], [3, 0, 1, 2], [2, 1, 3, 4], [1, 1, 2, 0]], float)[None, None]
FEATURE_MAP = np.array([[2, 1, -1], [-1, 1, 3], [2, 1, 1]], float)[None, None]

# (label, function, kwargs, the answer torch gives) -- pinned here and re-checked against torch in tests/test_ex05.py.
SLIDE_EXAMPLES = (
    ("max pooling 2x2, stride 2 (4 123 1 34 ...)", "max_pool", dict(x=SEED000_MAP),
     np.array([[[[123, 253], [187, 165]]]], float)),
    ("max pooling 2x2, stride 2 (1 2 5 3 ...)", "max_pool", dict(x=SEED004_MAP), np.array([[[[3, 5], [2, 4]]]], float)),
    ("average pooling 2x2, stride 2 (4 123 1 34 ...)", "avg_pool", dict(x=SEED000_MAP),
     np.array([[[[70.5, 127.5], [93.75, 108.5]]]], float)),
    ("average pooling 2x2, stride 2 (1 2 5 3 ...)", "avg_pool", dict(x=SEED004_MAP),
     np.array([[[[1.5, 2.75], [1.25, 2.25]]]], float)),
    ("overlapping max pooling 2x2, stride 1", "max_pool", dict(x=SEED004_MAP, stride=1),
     np.array([[[[3, 5, 5], [3, 3, 4], [2, 3, 4]]]], float)),
    ("max pooling 3x3, stride 2 (one window fits)", "max_pool", dict(x=SEED004_MAP, size=3, stride=2),
     np.array([[[[5]]]], float)),
    ("average pooling 3x3, stride 2 (one window fits)", "avg_pool", dict(x=SEED004_MAP, size=3, stride=2),
     np.array([[[[2]]]], float)),
    ("ReLU of the feature map", "relu", dict(x=FEATURE_MAP), np.array([[[[2, 1, 0], [0, 1, 3], [2, 1, 1]]]], float)),
)


def _pattern(h, w):
    """A (1, 1, h, w) map of distinct-looking values (not monotonic, so every window has its own max)."""
    return ((np.arange(h * w) * 37) % 101).reshape(1, 1, h, w).astype(float)


# (label, function, kwargs, the output shape the slides state): the answer is torch's, computed at check time
# (slide_shape_examples); tests/test_ex05.py checks that its shape is the slide's.
SLIDE_SHAPES = (
    ("AlexNet overlapping max pooling 3x3, stride 2: 55x55 -> 27x27", "max_pool",
     dict(x=_pattern(55, 55), size=3, stride=2), (1, 1, 27, 27)),
    ("AlexNet overlapping max pooling 3x3, stride 2: 27x27 -> 13x13", "max_pool",
     dict(x=_pattern(27, 27), size=3, stride=2), (1, 1, 13, 13)),
    ("LeNet-5 average pooling 2x2, stride 2: 28x28 -> 14x14", "avg_pool", dict(x=_pattern(28, 28), size=2, stride=2),
     (1, 1, 14, 14)),
    ("LeNet-5 average pooling 2x2, stride 2: 10x10 -> 5x5", "avg_pool", dict(x=_pattern(10, 10), size=2, stride=2),
     (1, 1, 5, 5)),
)


def slide_shape_examples() -> tuple:
    """SLIDE_SHAPES as pinned (label, function, kwargs, answer) rows, the answer computed by torch."""
    return tuple((label, fn, kwargs, TRUTH[fn](**kwargs)) for label, fn, kwargs, _shape in SLIDE_SHAPES)


# -- generated cases -------------------------------------------------------------------------------------------
@st.composite
def feature_maps(draw, max_side=5, integer=None):
    """x (N, C, H, W) with N, C in 1..2 and H, W in 1..max_side."""
    integer = not draw(st.booleans()) if integer is None else integer   # shrinks to integers
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)),
             draw(st.integers(1, max_side)), draw(st.integers(1, max_side)))
    return {"x": draw(generic_arrays(shape, integer, salt=5))}


@st.composite
def pool_cases(draw, stride="draw", tiled=False):
    """x (N, C, H, W), size 1..3 with size <= H, W, and a stride.

    ``stride``: "draw" (an explicit stride 1..3), "omit" (use the default), or None (pass stride=None).
    ``tiled``: H and W are multiples of size (then stride = size covers the map exactly).
    """
    integer = not draw(st.booleans())   # shrinks to integers
    size = draw(st.integers(1, 3))
    if tiled:
        h, w = size * draw(st.integers(1, 3)), size * draw(st.integers(1, 3))
    else:
        h, w = draw(st.integers(size, 7)), draw(st.integers(size, 7))
    case = {"x": draw(generic_arrays((draw(st.integers(1, 2)), draw(st.integers(1, 2)), h, w), integer, salt=5))}
    if size != 2 or draw(st.booleans()):   # size=2 is the default: sometimes leave it out
        case["size"] = size
    if stride == "draw":
        case["stride"] = draw(st.integers(1, 3))
    elif stride is None:
        case["stride"] = None
    return case


# -- the checks ------------------------------------------------------------------------------------------------
def slide_examples(student):
    REFERENCE.pinned(student, SLIDE_EXAMPLES + slide_shape_examples())


def relu_matches_torch(student):
    REFERENCE.for_all(student, "relu", feature_maps(), examples=25)


def _pool_matches_torch(student, fn):
    # 1. the default stride on maps that the windows tile exactly (the slides' case)
    REFERENCE.for_all(student, fn, pool_cases(stride="omit", tiled=True), examples=15)
    # 2. explicit strides: overlapping windows (stride < size), skipped pixels, rows/columns left over
    REFERENCE.for_all(student, fn, pool_cases(stride="draw"), examples=25)
    # 3. stride=None passed explicitly, with rows/columns left over
    REFERENCE.for_all(student, fn, pool_cases(stride=None), examples=10)


def max_pool_matches_torch(student):
    _pool_matches_torch(student, "max_pool")


def avg_pool_matches_torch(student):
    _pool_matches_torch(student, "avg_pool")


def window_too_big(student):
    def body():
        for fn in ("max_pool", "avg_pool"):
            expect_raises(student, "ValueError", fn, np.ones((1, 1, 1, 1)))            # default size 2 > 1
            expect_raises(student, "ValueError", fn, np.ones((1, 1, 2, 5)), size=3)    # too tall
            expect_raises(student, "ValueError", fn, np.ones((2, 1, 5, 2)), size=3, stride=1)   # too wide
    run_once(body, student)


def inputs_unchanged(student):
    REFERENCE.inputs_unchanged(student, "relu", feature_maps(integer=True), examples=6)
    for fn in ("max_pool", "avg_pool"):
        REFERENCE.inputs_unchanged(student, fn, pool_cases(), examples=5)
