"""Checks for exercise 1, conv2d(image, kernel, stride=1, padding=0): (H, W) * (KH, KW) -> (H_out, W_out),
H_out = (H + 2*padding - KH) // stride + 1. Ground truth: F.conv2d in float64.
"""
from __future__ import annotations

import numpy as np

from grader.checking import Reference, expect_raises, run_once, st, truth
from grader.checking.strategies import generic_arrays, stride_and_padding

FN = "conv2d"


def conv2d_truth(image, kernel, stride=1, padding=0) -> np.ndarray:
    """One (H, W) image and one (KH, KW) kernel -> (H_out, W_out), via F.conv2d."""
    import torch.nn.functional as F

    x, w = truth.tensor(image)[None, None], truth.tensor(kernel)[None, None]
    return F.conv2d(x, w, stride=stride, padding=padding)[0, 0].numpy()


REFERENCE = Reference({FN: conv2d_truth})

SLIDE_IMAGE = np.array([[1, 0, 1, 0, 1], [1, 0, 0, 1, 1], [0, 1, 1, 0, 0], [1, 0, 0, 1, 0], [0, 0, 1, 1, 0]], float)
SLIDE_KERNEL = np.array([[0, 1, 0], [1, 0, -1], [0, 1, 0]], float)
EDGE_IMAGE = np.array([[1, 1, 0, 0, 0]] * 5, float)
EDGE_KERNEL = np.array([[1, 0, -1]] * 3, float)
WIDE_IMAGE = np.array([[1, 1, 0, 0, 0, 0]] * 6, float)
WIDE_KERNEL = np.array([[1, 0, -1, 0, 1]] * 5, float)

# (what the slide shows, function, kwargs, the answer torch gives) -- pinned here and re-checked against torch in
# tests/test_ex01.py, so a slide mistake can never become the expected value.
SLIDE_EXAMPLES = (
    ("5x5 image, 3x3 kernel", FN, dict(image=SLIDE_IMAGE, kernel=SLIDE_KERNEL),
     np.array([[2, 1, -1], [-1, 1, 3], [2, 1, 1]], float)),
    ("vertical edge detector", FN, dict(image=EDGE_IMAGE, kernel=EDGE_KERNEL), np.array([[3, 3, 0]] * 3, float)),
    ("stride 2", FN, dict(image=SLIDE_IMAGE, kernel=SLIDE_KERNEL, stride=2), np.array([[2, -1], [2, 1]], float)),
    ("padding 1", FN, dict(image=SLIDE_IMAGE, kernel=SLIDE_KERNEL, padding=1),
     np.array([[1, 0, 0, 1, 1], [1, 2, 1, -1, 2], [1, -1, 1, 3, 1], [0, 2, 1, 1, 1], [1, -1, -1, 2, 1]], float)),
    ("6x6 image, 5x5 kernel (the slide prints 3s; it is 5)", FN, dict(image=WIDE_IMAGE, kernel=WIDE_KERNEL),
     np.array([[5, 5], [5, 5]], float)),
)


def windows_divide(case: dict) -> bool:
    """Whether the stride divides H + 2*padding - KH and W + 2*padding - KW (no rows or columns left over)."""
    s, p = case.get("stride", 1), case.get("padding", 0)
    (h, w), (kh, kw) = case["image"].shape, case["kernel"].shape
    return (h + 2 * p - kh) % s == 0 and (w + 2 * p - kw) % s == 0


def _not_all_zero(a: np.ndarray) -> np.ndarray:
    """An all-zero image or kernel makes every answer zeros (and zeros are what code that computes nothing returns):
    ones instead."""
    return a if a.any() else np.ones_like(a)


@st.composite
def cases(draw, stride=None, padding=None, integer=None):
    """image (H, W), kernel (KH, KW) that fits the padded image, stride, padding.

    Values are "generic" (drawn from a seed, never mostly zeros, never all zeros), so that two different mistakes
    practically never give the same wrong answer on a shrunk counterexample."""
    integer = draw(st.booleans()) if integer is None else integer
    _, p, options = stride_and_padding(draw, stride, padding)
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    kh, kw = draw(st.integers(1, min(5, h + 2 * p))), draw(st.integers(1, min(5, w + 2 * p)))
    return {"image": draw(generic_arrays((h, w), integer, salt=1).map(_not_all_zero)),
            "kernel": draw(generic_arrays((kh, kw), integer, salt=2).map(_not_all_zero)), **options}


def slide_examples(student):
    REFERENCE.pinned(student, SLIDE_EXAMPLES)


def random_shapes(student):
    REFERENCE.for_all(student, FN, cases(stride=1, padding=0), examples=50)


def stride(student):
    strategy = cases(stride=None, padding=0).filter(lambda c: c.get("stride", 1) > 1)
    # 1. strides that divide H - KH and W - KW (a call that fails here fails for its stride)
    REFERENCE.for_all(student, FN, strategy.filter(windows_divide), examples=25)
    # 2. rows or columns left over, which the floor in H_out drops
    REFERENCE.for_all(student, FN, strategy.filter(lambda c: not windows_divide(c)), examples=25)


def padding(student):
    # kernels up to the padded size: some are larger than the image itself and fit only once it is padded
    REFERENCE.for_all(student, FN, cases(stride=1, padding=None).filter(lambda c: c.get("padding", 0) > 0))


# (arguments, keyword arguments, why the call is invalid): ValueError for each
INVALID = (
    ((np.ones((3, 3)), np.ones((4, 2))), {}, "the 4x2 kernel is taller than the 3x3 image (4 rows > 3)"),
    ((np.ones((2, 5)), np.ones((2, 6))), {}, "the 2x6 kernel is wider than the 2x5 image (6 columns > 5)"),
    ((np.ones((3, 3)), np.ones((4, 4))), {}, "the 4x4 kernel is larger than the 3x3 image"),
    ((np.ones((2, 2)), np.ones((5, 5))), dict(padding=1),
     "the 5x5 kernel is larger than the 4x4 image that padding 1 makes of the 2x2 one"),
    ((np.ones((4, 1)), np.ones((2, 4))), dict(padding=1, stride=2),
     "the 2x4 kernel is wider than the 6x3 image that padding 1 makes of the 4x1 one (4 columns > 3)"),
)


def kernel_too_big(student):
    def body():
        for args, kwargs, why in INVALID:
            expect_raises(student, "ValueError", FN, *args, why=why, **kwargs)
    run_once(body, student)


def inputs_unchanged(student):
    REFERENCE.inputs_unchanged(student, FN, cases(), examples=15)
