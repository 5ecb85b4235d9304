"""Checks for exercise 5: relu(x), max_pool(x, size=2, stride=None), avg_pool(x, size=2, stride=None) on (N, C, H, W).

    relu:  out = max(x, 0) elementwise, x's shape
    pool:  (N, C, H, W) -> (N, C, H_out, W_out), H_out = (H - size) // stride + 1 (the same for W), stride None
           means size, no padding; out[n, c, i, j] = max (or mean) of
           x[n, c, i*stride : i*stride + size, j*stride : j*stride + size]

Ground truth: F.relu, F.max_pool2d and F.avg_pool2d in float64.
"""
from __future__ import annotations

import numpy as np

from grader.checking import Reference, expect_raises, run_once, st, truth
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
    return tuple((label, fn, kwargs, REFERENCE.truth[fn](**kwargs)) for label, fn, kwargs, _shape in SLIDE_SHAPES)


# -- generated cases -------------------------------------------------------------------------------------------
@st.composite
def feature_maps(draw, max_side=5, integer=None):
    """x (N, C, H, W) with N, C in 1..2 and H, W in 1..max_side."""
    integer = not draw(st.booleans()) if integer is None else integer   # shrinks to integers
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)),
             draw(st.integers(1, max_side)), draw(st.integers(1, max_side)))
    return {"x": draw(generic_arrays(shape, integer, salt=5))}


@st.composite
def pool_cases(draw, stride="draw", layout="any"):
    """x (N, C, H, W), size 1..3 with size <= H, W, and a stride.

    ``stride``: "draw" (an explicit stride 1..3), "omit" (use the default), or None (pass stride=None).
    ``layout``: "tiled" (H and W multiples of size: with stride = size the windows cover the map exactly), "fit"
    (the stride divides H - size and W - size: no rows or columns left over), or "any" (H, W in size..7).
    """
    integer = not draw(st.booleans())   # shrinks to integers
    size = draw(st.integers(1, 3))
    step = draw(st.integers(1, 3)) if stride == "draw" else size
    if layout == "tiled":
        h, w = size * draw(st.integers(1, 3)), size * draw(st.integers(1, 3))
    elif layout == "fit":
        h, w = (size + step * draw(st.integers(0, (7 - size) // step)) for _ in range(2))
    else:
        h, w = draw(st.integers(size, 7)), draw(st.integers(size, 7))
    case = {"x": draw(generic_arrays((draw(st.integers(1, 2)), draw(st.integers(1, 2)), h, w), integer, salt=5))}
    if size != 2 or draw(st.booleans()):   # size=2 is the default: sometimes leave it out
        case["size"] = size
    if stride == "draw":
        case["stride"] = step
    elif stride is None:
        case["stride"] = None
    return case


# A row and a column left over, where the floor, rounding to the nearest and cutting windows short give three
# different shapes (1x1, 1x2, 2x2) whatever the rounding convention (1/3 and 2/3): the first such case a check meets,
# so that those mistakes are told apart (a generated case where two of them agree would name neither).
LEFT_OVER = np.array([[3, -1, 4, 1, -5], [9, 2, -6, 5, 3], [-5, 8, 9, -7, 9], [3, 2, -3, 8, 4]], float)[None, None]


def left_over_example(fn) -> tuple:
    kwargs = dict(x=LEFT_OVER, size=3, stride=3)
    return (("4x5 map, 3x3 windows, stride 3: one row and two columns left over", fn, kwargs,
             REFERENCE.truth[fn](**kwargs)),)


# -- the checks ------------------------------------------------------------------------------------------------
def _slide_rows(fn) -> tuple:
    return tuple(row for row in SLIDE_EXAMPLES + slide_shape_examples() if row[1] == fn)


def relu_matches_torch(student):
    REFERENCE.pinned(student, _slide_rows("relu"))
    REFERENCE.for_all(student, "relu", feature_maps(), examples=25)


def relu_inputs_unchanged(student):
    REFERENCE.inputs_unchanged(student, "relu", feature_maps(integer=True), examples=6)


def _pool_matches_torch(student, fn):
    # 1. the default stride on maps that the windows tile exactly (the slides' case)
    REFERENCE.for_all(student, fn, pool_cases(stride="omit", layout="tiled"), examples=15)
    # 2. explicit strides without rows or columns left over: overlapping windows (stride < size), skipped pixels
    REFERENCE.for_all(student, fn, pool_cases(stride="draw", layout="fit"), examples=20)
    # 3. rows and columns left over, which the floor in H_out drops: first the case that tells the mistakes apart
    REFERENCE.pinned(student, left_over_example(fn), prefix="the case")
    REFERENCE.for_all(student, fn, pool_cases(stride="draw"), examples=20)
    # 4. stride=None passed explicitly, with rows/columns left over
    REFERENCE.for_all(student, fn, pool_cases(stride=None), examples=10)


# (arguments, keyword arguments, why the call is invalid): ValueError for each, from either pooling function
TOO_BIG = (
    ((np.ones((1, 1, 1, 1)),), {}, "the default 2x2 window is larger than the 1x1 input"),
    ((np.ones((1, 1, 2, 5)),), dict(size=3), "the 3x3 window is taller than the 2x5 input (3 rows > 2)"),
    ((np.ones((2, 1, 5, 2)),), dict(size=3, stride=1), "the 3x3 window is wider than the 5x2 input (3 columns > 2)"),
)


def _window_too_big(student, fn):
    def body():
        for args, kwargs, why in TOO_BIG:
            expect_raises(student, "ValueError", fn, *args, why=why, **kwargs)
    run_once(body, student)


def max_pool_slide_examples(student):
    REFERENCE.pinned(student, _slide_rows("max_pool"))


def max_pool_matches_torch(student):
    _pool_matches_torch(student, "max_pool")


def max_pool_window_too_big(student):
    _window_too_big(student, "max_pool")


def max_pool_inputs_unchanged(student):
    REFERENCE.inputs_unchanged(student, "max_pool", pool_cases(), examples=5)


def avg_pool_slide_examples(student):
    REFERENCE.pinned(student, _slide_rows("avg_pool"))


def avg_pool_matches_torch(student):
    _pool_matches_torch(student, "avg_pool")


def avg_pool_window_too_big(student):
    _window_too_big(student, "avg_pool")


def avg_pool_inputs_unchanged(student):
    REFERENCE.inputs_unchanged(student, "avg_pool", pool_cases(), examples=5)
