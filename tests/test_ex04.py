"""Exercise 4: pinned slide answers agree with torch, realistic wrong versions lose the right points, and each named
mistake is shown for the mutant that makes it (and for no other)."""
import inspect

import numpy as np
import pytest

from conftest import (EXERCISES, SOLUTIONS, assert_full_marks, assert_misconception, check_mutant, failed_checks,
                      load_module, misconception_ids, mistake_by_id, mutant, mutant_params, solution_source,
                      stub_source)
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


# check names, by the function that runs each check
NAME = {c.run: c.name for c in course.get(N).checks}
SLIDES, RANDOM, BIAS, STRIDE_PADDING, INVALID, UNCHANGED = (NAME[run] for run in (
    "slide_examples", "random_shapes", "bias", "stride_padding", "invalid_shapes", "inputs_unchanged"))

# snippets of the reference
BIAS_LINES = "    if b is not None:\n        out += np.asarray(b, dtype=np.float64).reshape(1, f, 1, 1)\n"
TENSORDOT = "            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))      # (N, F)\n"
PAD = "    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))\n"
OVERWRITE = ("            for ch in range(c):\n"
             "                out[:, :, i, j] = np.tensordot(window[:, ch], w[:, ch], axes=([1, 2], [1, 2]))\n")
CORNER = "    xp = np.zeros((n, c, height + 2 * padding, width + 2 * padding))\n    xp[:, :, :height, :width] = x\n"
WINDOW = "xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]"

VALUES = {SLIDES, RANDOM, BIAS, STRIDE_PADDING}   # the checks that compare values

SIZES = "    h_out = (hp - kh) // stride + 1\n    w_out = (wp - kw) // stride + 1\n"
CHANNEL_CHECK = '        raise ValueError(f"x has {c} channels but the filters have {c_w}")'

# mutant(name, old snippet of the reference, replacement, checks that must fail, named mistake, checks showing it):
# a mutant with a named mistake shows it on every value check it fails (shown_on lists them all) and no other message
# anywhere; a mutant without one is shown no message at all.
MUTANTS = [
    mutant("bias missing", BIAS_LINES, "", {SLIDES, BIAS}, "ex04-bias-missing", {SLIDES, BIAS}),
    mutant("bias added once per input channel", ".reshape(1, f, 1, 1)", ".reshape(1, f, 1, 1) * c", {SLIDES, BIAS},
           "ex04-bias-per-channel", {SLIDES, BIAS}),
    mutant("bias added twice", "out += np.asarray(b", "out += 2 * np.asarray(b", {SLIDES, BIAS}, "ex04-bias-twice",
           {SLIDES, BIAS}),
    # b of shape (F,) broadcast along W: it fails wherever W_out != F (b = 0 included: a crash, not a value)
    mutant("bias broadcast along W instead of F", ".reshape(1, f, 1, 1)", "", {BIAS, RANDOM, STRIDE_PADDING}),
    # not "the bias is missing": filter 0 has its bias (no generated bias is 0)
    mutant("bias added to filter 0 only", BIAS_LINES, "    if b is not None:\n        out[:, 0] += b[0]\n", {BIAS}),
    mutant("filter 0's bias added to every filter", BIAS_LINES, "    if b is not None:\n        out += b[0]\n", {BIAS}),
    mutant("crashes when b is None", BIAS_LINES, "    out += b.reshape(1, f, 1, 1)\n", {SLIDES, BIAS}),
    mutant("channel loop overwrites instead of accumulating", TENSORDOT, OVERWRITE, {SLIDES, RANDOM},
           "ex04-last-channel-only", VALUES),
    mutant("only the first input channel", "np.tensordot(window, w,", "np.tensordot(window[:, :1], w[:, :1],",
           VALUES),
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
           {STRIDE_PADDING}, "ex04-output-size-not-floored", {STRIDE_PADDING}),
    # real students' code: it raises on the rows and columns the floor drops
    mutant("asserts that the windows divide evenly", SIZES,
           SIZES + "    assert (hp - kh) % stride == 0 and (wp - kw) % stride == 0, 'windows do not fit'\n",
           {STRIDE_PADDING}, "ex04-output-size-not-floored", {STRIDE_PADDING}),
    mutant("raises ValueError unless the windows divide evenly", SIZES,
           SIZES + "    if (hp - kh) % stride or (wp - kw) % stride:\n        raise ValueError('stride does not fit')\n",
           {STRIDE_PADDING}, "ex04-output-size-not-floored", {STRIDE_PADDING}),
    mutant("output size rounded to the nearest", SIZES,
           "    h_out = round((hp - kh) / stride) + 1\n    w_out = round((wp - kw) / stride) + 1\n",
           {STRIDE_PADDING}, "ex04-output-size-not-floored", {STRIDE_PADDING}),
    mutant("no ValueError for a kernel that does not fit",
           "        raise ValueError(f\"kernel {kh}x{kw} does not fit the padded {hp}x{wp} image\")",
           "        pass", {INVALID}),
    mutant("kernel width not checked", "if kh > hp or kw > wp:", "if kh > hp:", {INVALID}),
    mutant("no ValueError when the channels disagree", CHANNEL_CHECK, "        return np.zeros((n, f, 1, 1))",
           {INVALID}),
    mutant("reshapes b in place", "        out += np.asarray(b, dtype=np.float64).reshape(1, f, 1, 1)\n",
           "        b.shape = (1, f, 1, 1)\n        out += b\n", {UNCHANGED}),
    mutant("zeroes its input after use", "    return out\n", "    x[...] = 0\n    return out\n", {UNCHANGED}),
]

@mutant_params(MUTANTS)
def test_mutant_loses_points_on_the_right_check(graded, m):
    result = check_mutant(graded, N, m)
    if m.mistake is None:
        assert_misconception(result, None)  # a mutant without a named mistake is shown none
    # one mistake, one check: every mutant fails exactly the checks its row lists (the conv checks run with b = 0, so
    # a bias mistake costs the bias check and the slides), besides hygiene checks not earned for want of a value check
    judged = {name for name, c in failed_checks(result).items() if "earned once" not in c.message}
    assert judged == m.must_fail | m.shown_on, sorted(judged)


def test_channel_mismatch_is_described_in_words(grade_mutant):
    check = failed_checks(grade_mutant("no ValueError when the channels disagree"))[INVALID]
    text = "\n".join([check.message, *check.details])
    assert "why the call is invalid: x has 3 channels, w has 1" in text, text
    assert "np.ones((2, 3, 4, 4))" in text and "np.ones((2, 1, 2, 2))" in text, text


def test_a_missing_width_check_is_described_in_words(grade_mutant):
    check = failed_checks(grade_mutant("kernel width not checked"))[INVALID]
    assert "why the call is invalid: the 2x4 kernel is wider than the 5x3 image (4 columns > 3)" in check.details


def test_float32_arithmetic_gets_full_marks(graded):
    """The precision policy: float64 inputs summed in float32 are accepted (the result differs in the 7th digit)."""
    source = solution_source(N).replace("x = np.asarray(x, dtype=np.float64)\n    w = np.asarray(w, dtype=np.float64)",
                                        "x = np.asarray(x, dtype=np.float32)\n    w = np.asarray(w, dtype=np.float32)")
    assert source != solution_source(N)
    assert_full_marks(graded(N, source))


# submissions that compute nothing useful: each scores exactly 0, and every hygiene check says what earns it
RIGHT_SHAPE = ("n, _, h, wd = np.shape(x)\n    f, _, kh, kw = np.shape(w)\n"
               "    return np.zeros((n, f, (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1))")
TRIVIAL = {"returns None": "return None", "returns 0": "return 0", "returns zeros like x": "return np.zeros_like(x)",
           "returns zeros of the right shape": RIGHT_SHAPE, "returns x": "return x",
           "always raises ValueError": "raise ValueError('not done yet')"}


@pytest.mark.parametrize("body", TRIVIAL.values(), ids=list(TRIVIAL))
def test_a_trivial_submission_scores_zero(graded, body):
    result = graded(N, f"import numpy as np\n\n\ndef conv_forward(x, w, b, stride=1, padding=0):\n    {body}\n")
    assert result.score == 0, [(c.name, c.points) for c in result.checks if c.passed]
    hygiene = {c.name for c in course.get(N).checks if c.hygiene}
    assert hygiene == {INVALID, UNCHANGED}
    for check in result.checks:
        if check.name in hygiene:
            assert "earned once conv_forward() returns correct values" in check.message, check.message


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


def test_a_call_that_raised_is_named_only_where_rows_are_left_over():
    x, w = np.arange(50.0).reshape(1, 2, 5, 5), np.ones((1, 2, 2, 2))
    left_over = CallRecord("conv_forward", (x, w, None), dict(stride=2), None, raised=("ValueError", "Exception"))
    assert MISTAKES.diagnose(left_over) == mistake_by_id("ex04-output-size-not-floored").message
    divides = CallRecord("conv_forward", (x, w, None), dict(stride=3), None, raised=("ValueError", "Exception"))
    assert MISTAKES.diagnose(divides) is None
