"""Checks for exercise 4, conv_forward(x, w, b, stride=1, padding=0):
x (N, C, H, W) * w (F, C, KH, KW) + b (F,) or None -> (N, F, H_out, W_out), H_out = (H + 2*padding - KH) // stride + 1,

    out[n, f, i, j] = b[f] + sum over c, p, q of x_pad[n, c, i*stride + p, j*stride + q] * w[f, c, p, q].

Ground truth: F.conv2d in float64.
"""
from __future__ import annotations

import numpy as np

from grader.checking import Reference, expect_raises, run_once, st, truth
from grader.checking.strategies import generic_arrays, stride_and_padding

FN = "conv_forward"


def conv2d_truth(x, w, b, stride=1, padding=0) -> np.ndarray:
    """F.conv2d: x (N, C, H, W), w (F, C, KH, KW), b (F,) or None -> (N, F, H_out, W_out)."""
    import torch.nn.functional as F

    bias = None if b is None else truth.tensor(b)
    return F.conv2d(truth.tensor(x), truth.tensor(w), bias, stride=stride, padding=padding).numpy()


REFERENCE = Reference({FN: conv2d_truth})

# -- the slides' worked examples -------------------------------------------------------------------------------
# seed 002, "Convolution Layer with a bias term": 5x5x1 input, one 3x3x1 kernel, bias 2.
LAYER_X = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]],
                   float)[None, None]
LAYER_W = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]], float)[None, None]

# seed 001, multi-channel convolution with bias 1: the visible 5x6 corner of the R, G, B channels, zero padding 1.
RGB_X = np.array([
    [[156, 155, 156, 158, 158, 158], [153, 154, 157, 159, 159, 159], [149, 151, 155, 158, 159, 159],
     [146, 146, 149, 153, 158, 158], [145, 143, 143, 148, 158, 158]],
    [[167, 166, 167, 169, 169, 169], [164, 165, 168, 170, 170, 170], [160, 162, 166, 169, 170, 170],
     [156, 156, 159, 163, 168, 168], [155, 153, 153, 158, 168, 168]],
    [[163, 162, 163, 165, 165, 165], [160, 161, 164, 166, 166, 166], [156, 158, 162, 165, 166, 166],
     [155, 155, 158, 162, 167, 167], [154, 152, 152, 157, 167, 167]],
], float)[None]
RGB_W = np.array([
    [[-1, -1, 1], [0, 1, -1], [0, 1, 1]],
    [[1, 0, 0], [1, -1, -1], [1, 0, -1]],
    [[0, 1, 1], [0, 1, 0], [1, -1, 1]],
], float)[None]

# seed 000, "(5x5x3) * (3x3x3) = 3x3x2": the slide gives only shapes (and the 3 3 0 map of one filter); this input
# is built from the slides' edge image and vertical edge detector.
_EDGE = [[1, 1, 0, 0, 0]] * 5
_MIRROR = [[0, 0, 0, 1, 1]] * 5
_ZEROS5 = [[0] * 5] * 5
_DETECTOR = [[1, 0, -1]] * 3
_ZEROS3 = [[0] * 3] * 3
TWO_FILTERS_X = np.array([[_EDGE, _MIRROR, _ZEROS5]], float)
TWO_FILTERS_W = np.array([[_DETECTOR, _ZEROS3, _ZEROS3], [_DETECTOR, _DETECTOR, _DETECTOR]], float)

# (what the slide shows, function, kwargs, the answer torch gives) -- pinned here and re-checked against torch in
# tests/test_ex04.py, so a slide mistake can never become the expected value.
SLIDE_EXAMPLES = (
    ("5x5x1 input, one 3x3x1 filter, bias 2", FN, dict(x=LAYER_X, w=LAYER_W, b=np.array([2.0])),
     np.array([[[[14, 14, 19], [12, 19, 21], [11, 8, 16]]]], float)),
    ("5x5x1 input, one 3x3x1 filter, no bias", FN, dict(x=LAYER_X, w=LAYER_W, b=None),
     np.array([[[[12, 12, 17], [10, 17, 19], [9, 6, 14]]]], float)),
    ("RGB input, one 3x3x3 filter, bias 1, padding 1 (out[0, 0, 0, 0] = -25)", FN,
     dict(x=RGB_X, w=RGB_W, b=np.array([1.0]), padding=1),
     np.array([[[[-25, 466, 466, 475, 481, 653], [295, 787, 798, 812, 820, 673], [291, 776, 784, 800, 812, 670],
                 [293, 771, 773, 782, 801, 670], [159, 328, 324, 319, 334, 345]]]], float)),
    ("5x5x3 input, 2 filters of 3x3x3 -> 3x3x2", FN, dict(x=TWO_FILTERS_X, w=TWO_FILTERS_W, b=None),
     np.array([[[[3, 3, 0]] * 3, [[3, 0, -3]] * 3]], float)),
)


# -- generated cases -------------------------------------------------------------------------------------------
def _nonzero(b: np.ndarray) -> np.ndarray:
    """Biases with no zero entry: a filter whose bias is 0 cannot tell a bias added to some filters only from a
    missing one."""
    return np.where(b == 0, 1.0, b)


def windows_divide(case: dict) -> bool:
    """Whether the stride divides H + 2*padding - KH and W + 2*padding - KW (no rows or columns left over)."""
    s, p = case.get("stride", 1), case.get("padding", 0)
    (_, _, h, w), (_, _, kh, kw) = case["x"].shape, case["w"].shape
    return (h + 2 * p - kh) % s == 0 and (w + 2 * p - kw) % s == 0


@st.composite
def cases(draw, stride=1, padding=0, bias="array", integer=None):
    """x (N, C, H, W), w (F, C, KH, KW) that fits the padded image, b (F,) or None, stride, padding.

    ``stride``/``padding``: a fixed value, or None to draw one (stride 1..3, padding 0..2). ``bias``: "array"
    (no zero entry), "zero" (b = zeros: a check of the convolution itself, which no bias mistake changes), None, or
    "either" (an array or None).
    """
    integer = not draw(st.booleans()) if integer is None else integer   # shrinks to integers
    _, p, options = stride_and_padding(draw, stride, padding)
    # C is 1 or 3, never 2: with 2 channels "bias added per channel" gives the same answer as "bias added twice"
    n, c, f = draw(st.integers(1, 3)), draw(st.sampled_from((1, 3))), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    kh, kw = draw(st.integers(1, min(4, h + 2 * p))), draw(st.integers(1, min(4, w + 2 * p)))
    with_bias = bias == "array" or (bias == "either" and draw(st.booleans()))
    case = {"x": draw(generic_arrays((n, c, h, w), integer, salt=1)),
            "w": draw(generic_arrays((f, c, kh, kw), integer, salt=2)),
            "b": draw(generic_arrays((f,), integer, salt=3).map(_nonzero)) if with_bias else None}
    if bias == "zero":
        case["b"] = np.zeros(f)
    return {**case, **options}


# -- the checks ------------------------------------------------------------------------------------------------
def slide_examples(student):
    REFERENCE.pinned(student, SLIDE_EXAMPLES)


def random_shapes(student):
    # b = 0: a bias mistake costs the bias check, not this one
    REFERENCE.for_all(student, FN, cases(bias="zero"), examples=40)


def bias(student):
    # one bias per filter, each filter's own value (F up to 3, C up to 3: "added per channel" shows as well)
    REFERENCE.for_all(student, FN, cases(bias="array"), examples=20)
    # b=None: a layer without bias
    REFERENCE.for_all(student, FN, cases(bias=None), examples=8)


def stride_padding(student):
    strategy = cases(stride=None, padding=None, bias="zero").filter(
        lambda c: c.get("stride", 1) > 1 or c.get("padding", 0) > 0)
    # 1. strides that divide the padded image evenly (a call that fails here fails for its stride or padding)
    REFERENCE.for_all(student, FN, strategy.filter(windows_divide), examples=25)
    # 2. rows or columns left over, which the floor in H_out drops
    REFERENCE.for_all(student, FN, strategy.filter(lambda c: not windows_divide(c)), examples=20)


# (arguments, why the call is invalid): ValueError for each
INVALID = (
    ((np.ones((2, 3, 4, 4)), np.ones((2, 1, 2, 2)), None), {}, "x has 3 channels, w has 1"),
    ((np.ones((1, 2, 4, 4)), np.ones((1, 3, 2, 2)), np.zeros(1)), {}, "x has 2 channels, w has 3"),
    ((np.ones((1, 1, 3, 3)), np.ones((1, 1, 4, 4)), None), {},
     "the 4x4 kernel is larger than the 3x3 image (taller and wider)"),
    ((np.ones((1, 1, 3, 5)), np.ones((2, 1, 4, 2)), np.zeros(2)), {},
     "the 4x2 kernel is taller than the 3x5 image (4 rows > 3)"),
    ((np.ones((1, 1, 5, 3)), np.ones((1, 1, 2, 4)), None), {},
     "the 2x4 kernel is wider than the 5x3 image (4 columns > 3)"),
    ((np.ones((1, 1, 2, 2)), np.ones((1, 1, 5, 5)), None), dict(padding=1),
     "the 5x5 kernel is larger than the 4x4 image that padding 1 makes of the 2x2 one"),
)


def invalid_shapes(student):
    def body():
        for args, kwargs, why in INVALID:
            expect_raises(student, "ValueError", FN, *args, why=why, **kwargs)
    run_once(body, student)


def inputs_unchanged(student):
    REFERENCE.inputs_unchanged(student, FN, cases(stride=None, padding=None, bias="either"), examples=10)
