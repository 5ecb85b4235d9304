"""Exercise 1: pinned slide answers agree with torch, realistic wrong versions lose the right points, each named
mistake is shown for the mutant that makes it (and for no other), and code that computes nothing earns nothing."""
import inspect

import numpy as np
import pytest

from conftest import (EXERCISES, SOLUTIONS, TRIVIAL_BODIES, assert_earns_nothing, assert_misconception, check_mutant,
                      failed_checks, load_module, misconception_ids, mistake_by_id, mutant, mutant_params,
                      trivial_source)
from grader import course
from grader.checking.student import CallRecord
from grader.course.ex01_conv2d import checks as ex01
from grader.course.ex01_conv2d.mistakes import MISTAKES

N = 1
NAME = {c.run: c.name for c in course.get(N).checks}   # check function -> the name the student sees
SLIDES, RANDOM, STRIDE, PADDING, TOO_BIG, UNCHANGED = (NAME[r] for r in (
    "slide_examples", "random_shapes", "stride", "padding", "kernel_too_big", "inputs_unchanged"))


def test_every_check_names_an_existing_function():
    for check in course.get(N).checks:
        assert callable(getattr(ex01, check.run, None)), check.run


def test_every_check_judges_conv2d_with_its_own_hint():
    ex = course.get(N)
    assert ex.points == 12
    assert all(c.function == "conv2d" and c.hint for c in ex.checks)
    assert {c.name for c in ex.checks if c.hygiene} == {TOO_BIG, UNCHANGED}
    assert len({c.hint for c in ex.checks}) == len(ex.checks)


def test_solution_and_stub_have_the_same_signature():
    stub, solution = load_module(N, EXERCISES), load_module(N, SOLUTIONS)
    assert inspect.signature(stub.conv2d) == inspect.signature(solution.conv2d)


@pytest.mark.parametrize("label,fn,kwargs,answer", ex01.SLIDE_EXAMPLES, ids=[e[0] for e in ex01.SLIDE_EXAMPLES])
def test_pinned_slide_answers_agree_with_torch(label, fn, kwargs, answer):
    np.testing.assert_array_equal(ex01.conv2d_truth(**kwargs), answer)


@pytest.mark.parametrize("args,kwargs,why", ex01.INVALID, ids=[e[2] for e in ex01.INVALID])
def test_invalid_calls_are_refused_by_torch_too(args, kwargs, why):
    with pytest.raises(RuntimeError):
        ex01.conv2d_truth(*args, **kwargs)


FLIPPED = ("np.sum(window * kernel)", "np.sum(window * kernel[::-1, ::-1])")
WINDOW = ("padded[i * stride:i * stride + kh, j * stride:j * stride + kw]", "padded[i:i + kh, j:j + kw]")
ONE_SIDE = ("padded = np.pad(image, padding)", "padded = np.pad(image, ((0, padding), (0, padding)))")
SIZES = "    h_out = (h - kh) // stride + 1\n    w_out = (w - kw) // stride + 1\n"
FIT = "        raise ValueError(f\"kernel {kernel.shape} does not fit the padded image {padded.shape}\")"

# mutant(name, old snippet of the reference, replacement, checks that must fail, named mistake, checks showing it):
# a mutant with a named mistake shows it on every value check it fails (shown_on lists them all) and no other message
# anywhere; a mutant without one is shown no message at all.
MUTANTS = [
    mutant("flipped kernel", *FLIPPED, {SLIDES, RANDOM, STRIDE, PADDING}, "ex01-kernel-flipped",
           {SLIDES, RANDOM, STRIDE, PADDING}),
    mutant("stride ignored in the window", *WINDOW, {SLIDES, STRIDE}, "ex01-window-ignores-stride", {SLIDES, STRIDE}),
    mutant("padding on one side only", *ONE_SIDE, {SLIDES, PADDING}, "ex01-pad-one-side", {SLIDES, PADDING}),
    mutant("padding before the image only", "padded = np.pad(image, padding)",
           "padded = np.pad(image, ((padding, 0), (padding, 0)))", {SLIDES, PADDING}, "ex01-pad-one-side-before",
           {SLIDES, PADDING}),
    mutant("stride ignored everywhere", SIZES, "    stride = 1\n" + SIZES, {SLIDES, STRIDE}, "ex01-stride-ignored",
           {SLIDES, STRIDE}),
    # a last window past the edge: numpy raises, or broadcasts a cut window of one row; not "the stride was ignored"
    mutant("output size rounds up", "h_out = (h - kh) // stride + 1", "h_out = -(-(h - kh) // stride) + 1",
           {STRIDE}, "ex01-output-size-ceil", {STRIDE}),
    mutant("output size rounds up (math.ceil)", SIZES,
           "    import math\n    h_out = math.ceil((h - kh) / stride) + 1\n"
           "    w_out = math.ceil((w - kw) / stride) + 1\n",
           {STRIDE}, "ex01-output-size-ceil", {STRIDE}),
    mutant("output size rounded to the nearest", SIZES,
           "    h_out = round((h - kh) / stride) + 1\n    w_out = round((w - kw) / stride) + 1\n", {STRIDE},
           "ex01-output-size-round", {STRIDE}),
    mutant("asserts that the windows divide evenly", SIZES,
           SIZES + "    assert (h - kh) % stride == 0 and (w - kw) % stride == 0, 'windows do not fit'\n", {STRIDE},
           "ex01-windows-must-divide", {STRIDE}),
    mutant("raises ValueError unless the windows divide evenly", SIZES,
           SIZES + "    if (h - kh) % stride or (w - kw) % stride:\n        raise ValueError('stride does not fit')\n",
           {STRIDE}, "ex01-windows-must-divide", {STRIDE}),
    mutant("size formula missing +1", "h_out = (h - kh) // stride + 1", "h_out = (h - kh) // stride",
           {SLIDES, RANDOM, STRIDE, PADDING}),
    mutant("kernel compared with the image before padding", "    h, w = padded.shape\n    if kh > h or kw > w:\n",
           "    h, w = padded.shape\n    if kh > image.shape[0] or kw > image.shape[1]:\n", {PADDING}),
    mutant("clears its input to save memory", "    return out\n", "    image[...] = 0\n    return out\n", {UNCHANGED}),
    mutant("no ValueError for a kernel that does not fit", FIT, "        return np.zeros((0, 0))", {TOO_BIG}),
    mutant("kernel width not checked", "if kh > h or kw > w:", "if kh > h:", {TOO_BIG}),
]


@mutant_params(MUTANTS)
def test_mutant_loses_points_on_the_right_check(graded, m):
    result = check_mutant(graded, N, m)
    if m.mistake is None:
        assert_misconception(result, None)  # a mutant without a named mistake is shown none
    # one mistake, one check: every mutant fails exactly the checks its row lists, besides hygiene checks not earned
    # for want of a value check
    judged = {name for name, c in failed_checks(result).items() if "earned once" not in c.message}
    assert judged == m.must_fail | m.shown_on, sorted(judged)


def test_every_ex01_mistake_has_a_mutant():
    assert set(misconception_ids(N)) == {m.mistake for m in MUTANTS if m.mistake}


def test_a_missing_width_check_is_described_in_words(grade_mutant):
    check = failed_checks(grade_mutant("kernel width not checked"))[TOO_BIG]
    assert "why the call is invalid: the 2x6 kernel is wider than the 2x5 image (6 columns > 5)" in check.details


# submissions that compute nothing useful: each scores exactly 0, names no mistake, and every hygiene check says what
# earns it
RIGHT_SHAPE = ("np.zeros(((np.shape(image)[0] + 2 * padding - np.shape(kernel)[0]) // stride + 1, "
               "(np.shape(image)[1] + 2 * padding - np.shape(kernel)[1]) // stride + 1))")
TRIVIAL = {**TRIVIAL_BODIES, "returns zeros of the right shape": "return " + RIGHT_SHAPE}


@pytest.mark.parametrize("body", TRIVIAL.values(), ids=TRIVIAL.keys())
def test_trivial_submissions_earn_nothing(graded, body):
    result = graded(N, trivial_source(N, body))
    assert_earns_nothing(result)
    for check in result.checks:
        if check.name in (TOO_BIG, UNCHANGED):
            assert "earned once conv2d() returns correct values" in check.message, check.message


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


def test_stride_ignored_and_a_rounded_up_size_are_not_told_apart_where_they_agree():
    """3 rows, a 2-row kernel, stride 2: the floor gives 1 row, the stride-1 windows and a rounded-up size (whose cut
    last window of one row broadcasts against the kernel) both 2. Where the two answers agree, nothing is named;
    where they differ, each is named."""
    image, kernel = np.array([[1.0], [0.0], [1.0]]), np.array([[1.0], [1.0]])
    rounded_up = np.array([[1.0], [2.0]])          # window 1 is the cut row [1], broadcast: 1*1 + 1*1
    stride_one = ex01.conv2d_truth(image, kernel, stride=1)
    np.testing.assert_array_equal(stride_one, np.array([[1.0], [1.0]]) + np.array([[0.0], [0.0]]))
    assert MISTAKES.diagnose(CallRecord("conv2d", (image, kernel), dict(stride=2), rounded_up)) == \
        mistake_by_id("ex01-output-size-ceil").message
    assert MISTAKES.diagnose(CallRecord("conv2d", (image, kernel), dict(stride=2), stride_one)) == \
        mistake_by_id("ex01-stride-ignored").message
    same = np.array([[1.0], [1.0], [1.0]])
    agree = dict(image=same, kernel=np.array([[1.0], [1.0]]), stride=2)   # both give [[2], [2]]
    both = ex01.conv2d_truth(same, agree["kernel"], stride=1)
    assert MISTAKES.diagnose(CallRecord("conv2d", (), agree, both)) is None


def test_trivial_answers_are_evidence_of_no_mistake():
    image, kernel = np.arange(12.0).reshape(3, 4), np.array([[1.0]])
    # with a 1x1 kernel of 1 the stride-1 answer is the image itself: what `return image` gives
    assert MISTAKES.diagnose(CallRecord("conv2d", (image, kernel), dict(stride=2), image.copy())) is None
    assert MISTAKES.diagnose(CallRecord("conv2d", (np.zeros((3, 4)), kernel), dict(stride=2), np.zeros((3, 4)))) is None
