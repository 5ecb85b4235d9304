"""Checks for exercise 1, conv2d(image, kernel, stride=1, padding=0): (H, W) * (KH, KW) -> (H_out, W_out)."""
from __future__ import annotations

import numpy as np

from grader import truth
from grader.properties import (expect_array, expect_inputs_unchanged, expect_raises, for_all, for_all_against,
                               prefixed, run_once, st)
from grader.strategies import values

SLIDE_IMAGE = np.array([[1, 0, 1, 0, 1], [1, 0, 0, 1, 1], [0, 1, 1, 0, 0], [1, 0, 0, 1, 0], [0, 0, 1, 1, 0]], float)
SLIDE_KERNEL = np.array([[0, 1, 0], [1, 0, -1], [0, 1, 0]], float)
EDGE_IMAGE = np.array([[1, 1, 0, 0, 0]] * 5, float)
EDGE_KERNEL = np.array([[1, 0, -1]] * 3, float)
WIDE_IMAGE = np.array([[1, 1, 0, 0, 0, 0]] * 6, float)
WIDE_KERNEL = np.array([[1, 0, -1, 0, 1]] * 5, float)

# (what the slide shows, kwargs, the answer torch gives) -- the answers are pinned here and re-checked against
# torch in tests/test_slides.py, so a slide mistake can never become the expected value.
SLIDE_EXAMPLES = (
    ("5x5 image, 3x3 kernel", dict(image=SLIDE_IMAGE, kernel=SLIDE_KERNEL),
     [[2, 1, -1], [-1, 1, 3], [2, 1, 1]]),
    ("vertical edge detector", dict(image=EDGE_IMAGE, kernel=EDGE_KERNEL), [[3, 3, 0]] * 3),
    ("stride 2", dict(image=SLIDE_IMAGE, kernel=SLIDE_KERNEL, stride=2), [[2, -1], [2, 1]]),
    ("padding 1", dict(image=SLIDE_IMAGE, kernel=SLIDE_KERNEL, padding=1),
     [[1, 0, 0, 1, 1], [1, 2, 1, -1, 2], [1, -1, 1, 3, 1], [0, 2, 1, 1, 1], [1, -1, -1, 2, 1]]),
    ("6x6 image, 5x5 kernel (the slide prints 3s; it is 5)", dict(image=WIDE_IMAGE, kernel=WIDE_KERNEL),
     [[5, 5], [5, 5]]),
)


@st.composite
def cases(draw, stride=None, padding=None, integer=None):
    """image (H, W), kernel (KH, KW) that fits the padded image, stride, padding."""
    integer = draw(st.booleans()) if integer is None else integer
    s = draw(st.integers(1, 3)) if stride is None else stride
    p = draw(st.integers(0, 2)) if padding is None else padding
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    kh, kw = draw(st.integers(1, min(5, h + 2 * p))), draw(st.integers(1, min(5, w + 2 * p)))
    case = {"image": draw(values((h, w), integer)), "kernel": draw(values((kh, kw), integer))}
    if stride is None or stride != 1:
        case["stride"] = s
    if padding is None or padding != 0:
        case["padding"] = p
    return case


def _against_torch(student, strategy, examples=40):
    for_all_against(student, "conv2d", truth.conv2d_single, strategy, examples=examples)


def slide_examples(student):
    def body():
        for label, kwargs, answer in SLIDE_EXAMPLES:
            with prefixed(f"slide example '{label}': "):
                expect_array(student.call("conv2d", **kwargs), np.array(answer, float), what=f"the {label} result")
    run_once(body, student)


def random_shapes(student):
    _against_torch(student, cases(stride=1, padding=0), examples=50)


def stride(student):
    _against_torch(student, cases(stride=None, padding=0).filter(lambda c: c.get("stride", 1) > 1))


def padding(student):
    _against_torch(student, cases(stride=1, padding=None).filter(lambda c: c.get("padding", 0) > 0))


def kernel_too_big(student):
    def body():
        expect_raises(student, "ValueError", "conv2d", np.ones((3, 3)), np.ones((4, 2)))
        expect_raises(student, "ValueError", "conv2d", np.ones((2, 5)), np.ones((2, 6)))
        expect_raises(student, "ValueError", "conv2d", np.ones((2, 2)), np.ones((5, 5)), padding=1)
    run_once(body, student)


def inputs_unchanged(student):
    for_all(lambda case: expect_inputs_unchanged(student, "conv2d", case), cases(), student=student, examples=15)
