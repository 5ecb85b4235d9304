"""Exercise 1: pinned slide answers agree with torch, realistic wrong versions lose the right points, and each named
mistake is shown for the mutant that makes it (and for no other)."""
import numpy as np
import pytest

from conftest import check_mutant, misconception_ids, mistake_by_id, mutant, mutant_params
from grader.checking.student import CallRecord
from grader.course.ex01_conv2d import checks as ex01
from grader.course.ex01_conv2d.mistakes import MISTAKES

N = 1
RANDOM, STRIDE, PADDING = "matches torch on random shapes", "stride", "padding"


@pytest.mark.parametrize("label,fn,kwargs,answer", ex01.SLIDE_EXAMPLES, ids=[e[0] for e in ex01.SLIDE_EXAMPLES])
def test_pinned_slide_answers_agree_with_torch(label, fn, kwargs, answer):
    np.testing.assert_array_equal(ex01.conv2d_truth(**kwargs), answer)


FLIPPED = ("np.sum(window * kernel)", "np.sum(window * kernel[::-1, ::-1])")
WINDOW = ("padded[i * stride:i * stride + kh, j * stride:j * stride + kw]", "padded[i:i + kh, j:j + kw]")
ONE_SIDE = ("padded = np.pad(image, padding)", "padded = np.pad(image, ((0, padding), (0, padding)))")

MUTANTS = [
    mutant("flipped kernel", *FLIPPED, {RANDOM, STRIDE, PADDING}, "ex01-kernel-flipped", {RANDOM, STRIDE, PADDING}),
    mutant("stride ignored in the window", *WINDOW, {STRIDE}, "ex01-window-ignores-stride", {STRIDE}),
    mutant("padding on one side only", *ONE_SIDE, {PADDING}, "ex01-pad-one-side", {PADDING}),
    mutant("padding before the image only", "padded = np.pad(image, padding)",
           "padded = np.pad(image, ((padding, 0), (padding, 0)))", {PADDING}, "ex01-pad-one-side-before", {PADDING}),
    mutant("stride ignored everywhere", "    h_out = (h - kh) // stride + 1\n    w_out = (w - kw) // stride + 1\n",
           "    stride = 1\n    h_out = (h - kh) // stride + 1\n    w_out = (w - kw) // stride + 1\n", {STRIDE},
           "ex01-stride-ignored", {STRIDE}),
    mutant("size formula missing +1", "h_out = (h - kh) // stride + 1", "h_out = (h - kh) // stride", {RANDOM}),
    mutant("clears its input to save memory", "    return out\n", "    image[...] = 0\n    return out\n",
           {"does not modify its inputs"}),
    mutant("no ValueError for a kernel that does not fit",
           "        raise ValueError(f\"kernel {kernel.shape} does not fit the padded image {padded.shape}\")",
           "        return np.zeros((0, 0))", {"ValueError when the kernel does not fit"}),
]


@mutant_params(MUTANTS)
def test_mutant_loses_points_on_the_right_check(graded, m):
    check_mutant(graded, N, m)


def test_every_ex01_mistake_has_a_mutant():
    assert set(misconception_ids(N)) <= {m.mistake for m in MUTANTS}


@pytest.mark.parametrize("kwargs", [
    dict(image=np.arange(25.0).reshape(5, 5), kernel=np.array([[1.0, 2.0], [3.0, 5.0]])),
    dict(image=np.arange(30.0).reshape(5, 6), kernel=np.array([[1.0, -2.0, 0.5]]), stride=2),
    dict(image=np.arange(12.0).reshape(3, 4), kernel=np.array([[1.0, 2.0], [0.0, -1.0]]), padding=1),
    dict(image=np.arange(49.0).reshape(7, 7), kernel=np.arange(9.0).reshape(3, 3), stride=3, padding=2),
])
def test_the_right_answer_matches_no_entry(kwargs):
    assert MISTAKES.diagnose(CallRecord("conv2d", (), kwargs, ex01.conv2d_truth(**kwargs))) is None


def test_entries_name_the_wrong_answers_they_describe():
    image, kernel = np.arange(36.0).reshape(6, 6), np.array([[1.0, 2.0], [3.0, 4.0]])
    flipped = ex01.conv2d_truth(image, kernel[::-1, ::-1], stride=2, padding=1)
    call = CallRecord("conv2d", (image, kernel), dict(stride=2, padding=1), flipped)
    assert MISTAKES.diagnose(call) == mistake_by_id("ex01-kernel-flipped").message
    stride_one = ex01.conv2d_truth(image, kernel, stride=1, padding=0)
    call = CallRecord("conv2d", (image, kernel), dict(stride=2), stride_one)
    assert MISTAKES.diagnose(call) == mistake_by_id("ex01-stride-ignored").message
