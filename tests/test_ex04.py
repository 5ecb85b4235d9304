"""Exercise 4: the reference passes, the stub is 'not implemented', realistic wrong versions lose the right points,
and each misconception in the catalog is named for the mutant that makes it (and for no other)."""
import inspect

import numpy as np
import pytest

from conftest import (EXERCISES, SOLUTIONS, assert_loses_points, assert_misconception, load_module,
                     misconception_ids, mutate, solution_source, stub_source)
from grader import catalog, misconceptions, truth
from grader.checks import ex04

N = 4


def test_every_check_names_an_existing_function():
    for check in catalog.get(N).checks:
        assert callable(getattr(ex04, check.run, None)), check.run


@pytest.mark.parametrize("label,kwargs,answer", ex04.SLIDE_EXAMPLES, ids=[e[0] for e in ex04.SLIDE_EXAMPLES])
def test_pinned_slide_answers_agree_with_torch(label, kwargs, answer):
    np.testing.assert_array_equal(truth.conv2d(**kwargs), np.array(answer, float))


def test_slide_numbers_quoted_in_the_stub():
    # seed 001: the three channel sums 308, -498, 164 and the answer -25 = 308 - 498 + 164 + 1
    sums = [truth.conv2d(ex04.RGB_X[:, c:c + 1], ex04.RGB_W[:, c:c + 1], padding=1)[0, 0, 0, 0] for c in range(3)]
    assert sums == [308, -498, 164]
    # seed 002: 16 = 14 + bias 2 at the bottom-right corner; the slide's mis-copied first sum adds up to 10, not 12
    assert truth.conv2d(ex04.LAYER_X, ex04.LAYER_W)[0, 0, 2, 2] == 14
    assert 3 * 0 + 1 * 1 + 2 * 2 + 0 * 2 + 0 * 2 + 1 * 0 + 3 * 0 + 1 * 1 + 2 * 2 == 10
    stub = stub_source(N)
    for number in ("-25 466 466 475 481 653", "308, -498 and 164", "12 12 17", "14 14 19", "3 0 -3"):
        assert number in stub, number


def test_solution_and_stub_have_the_same_signature():
    stub, solution = load_module(N, EXERCISES), load_module(N, SOLUTIONS)
    assert inspect.signature(stub.conv_forward) == inspect.signature(solution.conv_forward)


# (name, old snippet of the reference, replacement, checks that must fail)
RANDOM = "matches F.conv2d on random shapes"
BIAS = "bias is added once per filter (and None means no bias)"
STRIDE_PADDING = "stride and padding"
INVALID = "ValueError when the channels disagree or the kernel does not fit"
UNCHANGED = "does not modify its inputs"
SLIDES = "slide examples (5x5x1 with bias 2, RGB with bias 1 and padding 1, 5x5x3 with 2 filters)"

BIAS_LINES = "    if b is not None:\n        out += np.asarray(b, dtype=np.float64).reshape(1, f, 1, 1)\n"
TENSORDOT = "            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))      # (N, F)\n"
PAD = "    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))\n"

MISCONCEPTION_MUTANTS = [
    ("ex04-bias-missing", BIAS_LINES, ""),
    ("ex04-bias-per-channel", ".reshape(1, f, 1, 1)", ".reshape(1, f, 1, 1) * c"),
    ("ex04-bias-twice", "out += np.asarray(b", "out += 2 * np.asarray(b"),
    ("ex04-last-channel-only", TENSORDOT,
     "            for ch in range(c):\n"
     "                out[:, :, i, j] = np.tensordot(window[:, ch], w[:, ch], axes=([1, 2], [1, 2]))\n"),
    ("ex04-kernel-flipped", "np.tensordot(window, w,", "np.tensordot(window, w[:, :, ::-1, ::-1],"),
    ("ex04-pad-one-side", "(padding, padding), (padding, padding)", "(0, padding), (0, padding)"),
    ("ex04-pad-not-centred", PAD,
     "    xp = np.zeros((n, c, height + 2 * padding, width + 2 * padding))\n    xp[:, :, :height, :width] = x\n"),
    ("ex04-window-ignores-stride", "xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]",
     "xp[:, :, i:i + kh, j:j + kw]"),
]

MUTANTS = [
    ("bias missing", BIAS_LINES, "", {SLIDES, RANDOM, BIAS}),
    ("bias added once per input channel", ".reshape(1, f, 1, 1)", ".reshape(1, f, 1, 1) * c", {RANDOM, BIAS}),
    ("bias added twice", "out += np.asarray(b", "out += 2 * np.asarray(b", {SLIDES, RANDOM, BIAS}),
    ("bias broadcast along W instead of F", ".reshape(1, f, 1, 1)", "", {RANDOM, BIAS}),
    ("crashes when b is None", BIAS_LINES, "    out += b.reshape(1, f, 1, 1)\n", {SLIDES, BIAS}),
    ("channel loop overwrites instead of accumulating", TENSORDOT,
     "            for ch in range(c):\n"
     "                out[:, :, i, j] = np.tensordot(window[:, ch], w[:, ch], axes=([1, 2], [1, 2]))\n",
     {SLIDES, RANDOM}),
    ("only the first input channel", "np.tensordot(window, w,", "np.tensordot(window[:, :1], w[:, :1],",
     {SLIDES, RANDOM}),
    ("flipped kernel", "np.tensordot(window, w,", "np.tensordot(window, w[:, :, ::-1, ::-1],",
     {SLIDES, RANDOM, STRIDE_PADDING}),
    ("padding on one side only", "(padding, padding), (padding, padding)", "(0, padding), (0, padding)",
     {SLIDES, STRIDE_PADDING}),
    ("image copied into the top-left corner of the padded array", PAD,
     "    xp = np.zeros((n, c, height + 2 * padding, width + 2 * padding))\n    xp[:, :, :height, :width] = x\n",
     {SLIDES, STRIDE_PADDING}),
    ("np.pad(x, padding) pads N and C too", PAD, "    xp = np.pad(x, padding)\n", {SLIDES, STRIDE_PADDING}),
    ("stride ignored in the window", "xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]",
     "xp[:, :, i:i + kh, j:j + kw]", {STRIDE_PADDING}),
    ("output size rounds up", "h_out = (hp - kh) // stride + 1", "h_out = -(-(hp - kh) // stride) + 1",
     {STRIDE_PADDING}),
    ("no ValueError for a kernel that does not fit",
     "        raise ValueError(f\"kernel {kh}x{kw} does not fit the padded {hp}x{wp} image\")",
     "        pass", {INVALID}),
    ("reshapes b in place", "        out += np.asarray(b, dtype=np.float64).reshape(1, f, 1, 1)\n",
     "        b.shape = (1, f, 1, 1)\n        out += b\n", {UNCHANGED}),
    ("zeroes its input after use", "    return out\n", "    x[...] = 0\n    return out\n", {UNCHANGED}),
]


@pytest.mark.parametrize("name,old,new,must_fail", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_mutant_loses_points_on_the_right_property(graded, name, old, new, must_fail):
    assert_loses_points(graded(N, mutate(solution_source(N), old, new)), must_fail, name)


@pytest.mark.parametrize("ident,old,new", MISCONCEPTION_MUTANTS, ids=[m[0] for m in MISCONCEPTION_MUTANTS])
def test_misconception_mutant_is_named_exactly(graded, ident, old, new):
    # every failing check names this mistake, and no other catalog message appears anywhere
    assert_misconception(graded(N, mutate(solution_source(N), old, new)), ident, on_every_failure=True)


def test_every_ex04_misconception_has_a_mutant():
    assert set(misconception_ids(N)) == {m[0] for m in MISCONCEPTION_MUTANTS}


def test_misconceptions_take_the_student_signature():
    reference = inspect.signature(load_module(N, SOLUTIONS).conv_forward)
    for entry in misconceptions.CATALOG:
        if entry.exercise == N:
            assert entry.function == "conv_forward"
            assert inspect.signature(entry.wrong) == reference, entry.id
