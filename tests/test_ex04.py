"""Exercise 4: pinned slide answers agree with torch, realistic wrong versions lose the right points, and each named
mistake is shown for the mutant that makes it (and for no other)."""
import inspect

import numpy as np
import pytest

from conftest import (EXERCISES, SOLUTIONS, check_mutant, load_module, misconception_ids, mistake_by_id, mutant,
                      mutant_params, stub_source)
from grader import course
from grader.checking.student import CallRecord
from grader.course.ex04_conv_forward import checks as ex04
from grader.course.ex04_conv_forward.mistakes import MISTAKES

N = 4


def test_every_check_names_an_existing_function():
    for check in course.get(N).checks:
        assert callable(getattr(ex04, check.run, None)), check.run


@pytest.mark.parametrize("label,fn,kwargs,answer", ex04.SLIDE_EXAMPLES, ids=[e[0] for e in ex04.SLIDE_EXAMPLES])
def test_pinned_slide_answers_agree_with_torch(label, fn, kwargs, answer):
    np.testing.assert_array_equal(ex04.conv2d_truth(**kwargs), answer)


def test_slide_numbers_quoted_in_the_stub():
    # seed 001: the three channel sums 308, -498, 164 and the answer -25 = 308 - 498 + 164 + 1
    sums = [ex04.conv2d_truth(ex04.RGB_X[:, c:c + 1], ex04.RGB_W[:, c:c + 1], None, padding=1)[0, 0, 0, 0]
            for c in range(3)]
    assert sums == [308, -498, 164]
    # seed 002: 16 = 14 + bias 2 at the bottom-right corner; the slide's mis-copied first sum adds up to 10, not 12
    assert ex04.conv2d_truth(ex04.LAYER_X, ex04.LAYER_W, None)[0, 0, 2, 2] == 14
    assert 3 * 0 + 1 * 1 + 2 * 2 + 0 * 2 + 0 * 2 + 1 * 0 + 3 * 0 + 1 * 1 + 2 * 2 == 10
    stub = stub_source(N)
    for number in ("-25 466 466 475 481 653", "308, -498 and 164", "12 12 17", "14 14 19", "3 0 -3"):
        assert number in stub, number


def test_solution_and_stub_have_the_same_signature():
    stub, solution = load_module(N, EXERCISES), load_module(N, SOLUTIONS)
    assert inspect.signature(stub.conv_forward) == inspect.signature(solution.conv_forward)


# check names
RANDOM = "matches F.conv2d on random shapes"
BIAS = "bias is added once per filter (and None means no bias)"
STRIDE_PADDING = "stride and padding"
INVALID = "ValueError when the channels disagree or the kernel does not fit"
UNCHANGED = "does not modify its inputs"
SLIDES = "slide examples (5x5x1 with bias 2, RGB with bias 1 and padding 1, 5x5x3 with 2 filters)"

# snippets of the reference
BIAS_LINES = "    if b is not None:\n        out += np.asarray(b, dtype=np.float64).reshape(1, f, 1, 1)\n"
TENSORDOT = "            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))      # (N, F)\n"
PAD = "    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))\n"
OVERWRITE = ("            for ch in range(c):\n"
             "                out[:, :, i, j] = np.tensordot(window[:, ch], w[:, ch], axes=([1, 2], [1, 2]))\n")
CORNER = "    xp = np.zeros((n, c, height + 2 * padding, width + 2 * padding))\n    xp[:, :, :height, :width] = x\n"
WINDOW = "xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]"

VALUES = {SLIDES, RANDOM, BIAS, STRIDE_PADDING}   # the checks that compare values

# mutant(name, old snippet of the reference, replacement, checks that must fail, named mistake, checks showing it):
# a mutant with a named mistake shows it on every value check it fails (shown_on lists them all) and no other message
# anywhere. (The one-sided padding mutant also fails "does not modify its inputs", with no message: on its smallest
# input the kernel does not fit the one-sided padded image, so it raises instead of answering.)
MUTANTS = [
    mutant("bias missing", BIAS_LINES, "", {SLIDES, RANDOM, BIAS}, "ex04-bias-missing", VALUES),
    mutant("bias added once per input channel", ".reshape(1, f, 1, 1)", ".reshape(1, f, 1, 1) * c", {RANDOM, BIAS},
           "ex04-bias-per-channel", VALUES),
    mutant("bias added twice", "out += np.asarray(b", "out += 2 * np.asarray(b", {SLIDES, RANDOM, BIAS},
           "ex04-bias-twice", VALUES),
    mutant("bias broadcast along W instead of F", ".reshape(1, f, 1, 1)", "", {RANDOM, BIAS}),
    mutant("crashes when b is None", BIAS_LINES, "    out += b.reshape(1, f, 1, 1)\n", {SLIDES, BIAS}),
    mutant("channel loop overwrites instead of accumulating", TENSORDOT, OVERWRITE, {SLIDES, RANDOM},
           "ex04-last-channel-only", VALUES),
    mutant("only the first input channel", "np.tensordot(window, w,", "np.tensordot(window[:, :1], w[:, :1],",
           {SLIDES, RANDOM}),
    mutant("flipped kernel", "np.tensordot(window, w,", "np.tensordot(window, w[:, :, ::-1, ::-1],",
           {SLIDES, RANDOM, STRIDE_PADDING}, "ex04-kernel-flipped", VALUES),
    mutant("padding on one side only", "(padding, padding), (padding, padding)", "(0, padding), (0, padding)",
           {SLIDES, STRIDE_PADDING}, "ex04-pad-one-side", {SLIDES, STRIDE_PADDING}),
    mutant("image copied into the top-left corner of the padded array", PAD, CORNER, {SLIDES, STRIDE_PADDING},
           "ex04-pad-not-centred", {SLIDES, STRIDE_PADDING}),
    mutant("np.pad(x, padding) pads N and C too", PAD, "    xp = np.pad(x, padding)\n", {SLIDES, STRIDE_PADDING}),
    mutant("stride ignored in the window", WINDOW, "xp[:, :, i:i + kh, j:j + kw]", {STRIDE_PADDING},
           "ex04-window-ignores-stride", {STRIDE_PADDING}),
    mutant("output size rounds up", "h_out = (hp - kh) // stride + 1", "h_out = -(-(hp - kh) // stride) + 1",
           {STRIDE_PADDING}),
    mutant("no ValueError for a kernel that does not fit",
           "        raise ValueError(f\"kernel {kh}x{kw} does not fit the padded {hp}x{wp} image\")",
           "        pass", {INVALID}),
    mutant("reshapes b in place", "        out += np.asarray(b, dtype=np.float64).reshape(1, f, 1, 1)\n",
           "        b.shape = (1, f, 1, 1)\n        out += b\n", {UNCHANGED}),
    mutant("zeroes its input after use", "    return out\n", "    x[...] = 0\n    return out\n", {UNCHANGED}),
]


@mutant_params(MUTANTS)
def test_mutant_loses_points_on_the_right_check(graded, m):
    check_mutant(graded, N, m)


def test_every_ex04_mistake_has_a_mutant():
    assert set(misconception_ids(N)) == {m.mistake for m in MUTANTS if m.mistake}


def test_mistakes_take_the_student_signature():
    """MISTAKES.right binds a failing call's arguments: it takes exactly the student's parameters; every entry takes
    them all as keywords."""
    reference = inspect.signature(load_module(N, SOLUTIONS).conv_forward).parameters
    assert set(MISTAKES.right) == {"conv_forward"}
    assert inspect.signature(MISTAKES.right["conv_forward"]).parameters == reference
    arguments = MISTAKES.bind("conv_forward", (np.ones((1, 2, 4, 4)), np.ones((2, 2, 2, 2)), np.ones(2)),
                              dict(stride=2, padding=1))
    for entry in MISTAKES.entries:
        assert entry.function == "conv_forward", entry.id
        assert entry.wrong(**arguments).ndim == 4, entry.id


@pytest.mark.parametrize("kwargs", [
    dict(x=np.arange(32.0).reshape(1, 2, 4, 4), w=np.arange(24.0).reshape(3, 2, 2, 2) - 10, b=np.arange(3.0) + 1),
    dict(x=np.arange(75.0).reshape(1, 3, 5, 5), w=np.arange(54.0).reshape(2, 3, 3, 3) % 7 - 3, b=None, stride=2,
         padding=1),
])
def test_the_right_answer_matches_no_entry(kwargs):
    assert MISTAKES.diagnose(CallRecord("conv_forward", (), kwargs, ex04.conv2d_truth(**kwargs))) is None


def test_entries_name_the_wrong_answers_they_describe():
    x, w, b = np.arange(32.0).reshape(1, 2, 4, 4), np.arange(24.0).reshape(3, 2, 2, 2) % 5 - 2, np.array([1., 2., 3.])
    missing = ex04.conv2d_truth(x, w, None)
    assert MISTAKES.diagnose(CallRecord("conv_forward", (x, w, b), {}, missing)) == \
        mistake_by_id("ex04-bias-missing").message
