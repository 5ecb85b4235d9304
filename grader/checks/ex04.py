"""Checks for exercise 4, conv_forward(x, w, b, stride=1, padding=0):
x (N, C, H, W) * w (F, C, KH, KW) + b (F,) or None -> (N, F, H_out, W_out), H_out = (H + 2*padding - KH) // stride + 1.
"""
from __future__ import annotations

import numpy as np

from grader import truth
from grader.properties import (expect_array, expect_inputs_unchanged, expect_raises, for_all, for_all_against,
                               prefixed, run_once, st)
from grader.strategies import generic_arrays

FN = "conv_forward"

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

# (what the slide shows, kwargs, the answer torch gives) -- pinned here and re-checked against torch in
# tests/test_ex04.py, so a slide mistake can never become the expected value.
SLIDE_EXAMPLES = (
    ("5x5x1 input, one 3x3x1 filter, bias 2", dict(x=LAYER_X, w=LAYER_W, b=np.array([2.0])),
     [[[[14, 14, 19], [12, 19, 21], [11, 8, 16]]]]),
    ("5x5x1 input, one 3x3x1 filter, no bias", dict(x=LAYER_X, w=LAYER_W, b=None),
     [[[[12, 12, 17], [10, 17, 19], [9, 6, 14]]]]),
    ("RGB input, one 3x3x3 filter, bias 1, padding 1 (out[0, 0, 0, 0] = -25)",
     dict(x=RGB_X, w=RGB_W, b=np.array([1.0]), padding=1),
     [[[[-25, 466, 466, 475, 481, 653], [295, 787, 798, 812, 820, 673], [291, 776, 784, 800, 812, 670],
        [293, 771, 773, 782, 801, 670], [159, 328, 324, 319, 334, 345]]]]),
    ("5x5x3 input, 2 filters of 3x3x3 -> 3x3x2", dict(x=TWO_FILTERS_X, w=TWO_FILTERS_W, b=None),
     [[[[3, 3, 0]] * 3, [[3, 0, -3]] * 3]]),
)


# -- generated cases -------------------------------------------------------------------------------------------
@st.composite
def cases(draw, stride=1, padding=0, bias="array", integer=None):
    """x (N, C, H, W), w (F, C, KH, KW) that fits the padded image, b (F,) or None, stride, padding.

    ``stride``/``padding``: a fixed value, or None to draw one (stride 1..3, padding 0..2). ``bias``: "array",
    None, or "either".
    """
    integer = not draw(st.booleans()) if integer is None else integer   # shrinks to integers
    s = draw(st.integers(1, 3)) if stride is None else stride
    p = draw(st.integers(0, 2)) if padding is None else padding
    n, c, f = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    kh, kw = draw(st.integers(1, min(4, h + 2 * p))), draw(st.integers(1, min(4, w + 2 * p)))
    with_bias = bias == "array" or (bias == "either" and draw(st.booleans()))
    case = {"x": draw(generic_arrays((n, c, h, w), integer, salt=1)),
            "w": draw(generic_arrays((f, c, kh, kw), integer, salt=2)),
            "b": draw(generic_arrays((f,), integer, salt=3)) if with_bias else None}
    if stride is None or stride != 1:
        case["stride"] = s
    if padding is None or padding != 0:
        case["padding"] = p
    return case


def _against_torch(student, strategy, examples):
    for_all_against(student, FN, truth.conv2d, strategy, examples=examples)


# -- the checks ------------------------------------------------------------------------------------------------
def slide_examples(student):
    def body():
        for label, kwargs, answer in SLIDE_EXAMPLES:
            with prefixed(f"slide example '{label}': "):
                expect_array(student.call(FN, **kwargs), np.array(answer, float))
    run_once(body, student)


def random_shapes(student):
    _against_torch(student, cases(), examples=40)


def bias(student):
    # one bias per filter, each filter's own value (F up to 3, C up to 3: "added per channel" shows as well)
    _against_torch(student, cases(bias="array"), examples=20)
    # b=None: a layer without bias
    _against_torch(student, cases(bias=None), examples=8)


def stride_padding(student):
    strategy = cases(stride=None, padding=None, bias="either").filter(
        lambda c: c.get("stride", 1) > 1 or c.get("padding", 0) > 0)
    _against_torch(student, strategy, examples=40)


def invalid_shapes(student):
    def body():
        # channel counts disagree (both ways round)
        expect_raises(student, "ValueError", FN, np.ones((1, 2, 4, 4)), np.ones((1, 3, 2, 2)), np.zeros(1))
        expect_raises(student, "ValueError", FN, np.ones((2, 3, 4, 4)), np.ones((2, 1, 2, 2)), None)
        # the kernel does not fit (one row or column too many, with and without padding)
        expect_raises(student, "ValueError", FN, np.ones((1, 1, 3, 3)), np.ones((1, 1, 4, 4)), None)
        expect_raises(student, "ValueError", FN, np.ones((1, 1, 3, 5)), np.ones((2, 1, 4, 2)), np.zeros(2))
        expect_raises(student, "ValueError", FN, np.ones((1, 1, 2, 2)), np.ones((1, 1, 5, 5)), None, padding=1)
    run_once(body, student)


def inputs_unchanged(student):
    for_all(lambda case: expect_inputs_unchanged(student, FN, case), cases(stride=None, padding=None, bias="either"),
            student=student, examples=10)
