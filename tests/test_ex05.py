"""Exercise 5: pinned slide answers agree with torch, realistic wrong versions lose the right points, and each named
mistake is shown for the mutant that makes it (and for no other)."""
import inspect

import numpy as np
import pytest

from conftest import (EXERCISES, SOLUTIONS, assert_misconception, check_mutant, failed_checks, load_module,
                      misconception_ids, mistake_by_id, mutant, mutant_params, solution_source, stub_source)
from grader import course
from grader.checking.student import CallRecord
from grader.course.ex05_relu_pool import checks as ex05
from grader.checking.mistakes import RAISES
from grader.course.ex05_relu_pool.mistakes import MISTAKES

N = 5


def test_every_check_names_an_existing_function():
    for check in course.get(N).checks:
        assert callable(getattr(ex05, check.run, None)), check.run


def test_solution_and_stub_have_the_same_signatures():
    stub, solution = load_module(N, EXERCISES), load_module(N, SOLUTIONS)
    for fn in course.get(N).functions:
        assert inspect.signature(getattr(stub, fn)) == inspect.signature(getattr(solution, fn)), fn


@pytest.mark.parametrize("label,fn,kwargs,answer", ex05.SLIDE_EXAMPLES, ids=[e[0] for e in ex05.SLIDE_EXAMPLES])
def test_pinned_slide_answers_agree_with_torch(label, fn, kwargs, answer):
    np.testing.assert_array_equal(ex05.TRUTH[fn](**kwargs), answer)


@pytest.mark.parametrize("label,fn,kwargs,shape", ex05.SLIDE_SHAPES, ids=[e[0] for e in ex05.SLIDE_SHAPES])
def test_slide_shapes_agree_with_torch(label, fn, kwargs, shape):
    assert ex05.TRUTH[fn](**kwargs).shape == shape


def test_slide_shape_examples_are_pinned_rows_of_torch_answers():
    rows = ex05.slide_shape_examples()
    assert [row[:3] for row in rows] == [row[:3] for row in ex05.SLIDE_SHAPES]
    for (label, fn, kwargs, answer), (*_, shape) in zip(rows, ex05.SLIDE_SHAPES):
        assert answer.shape == shape, label
        np.testing.assert_array_equal(answer, ex05.TRUTH[fn](**kwargs))


def test_pinned_answers_are_quoted_in_the_stub():
    stub = stub_source(N)
    for text in ("123 253", "187 165", "70.5  127.5", "93.75 108.5", "1.5  2.75", "1.25 2.25",
                 "[[3, 5, 5], [3, 3, 4], [2, 3, 4]]", "max_pool(x, 3, stride=2) = [[5]]",
                 "avg_pool(x, 3, stride=2) = [[2]]", "55x55 -> 27x27 -> 13x13", "28x28 -> 14x14"):
        assert text in stub, text


# check names, by the function that runs each check
NAME = {c.run: c.name for c in course.get(N).checks}
RELU, RELU_UNCHANGED = NAME["relu_matches_torch"], NAME["relu_inputs_unchanged"]
MAX_SLIDES, MAX, MAX_TOO_BIG, MAX_UNCHANGED = (NAME[f"max_pool_{k}"] for k in (
    "slide_examples", "matches_torch", "window_too_big", "inputs_unchanged"))
AVG_SLIDES, AVG, AVG_TOO_BIG, AVG_UNCHANGED = (NAME[f"avg_pool_{k}"] for k in (
    "slide_examples", "matches_torch", "window_too_big", "inputs_unchanged"))
POOL_VALUES = {MAX_SLIDES, MAX, AVG_SLIDES, AVG}

# snippets of the reference
RELU_LINE = "    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)\n"
STRIDE_DEFAULT = "    if stride is None:\n        stride = size\n"
SIZES = "    h_out = (h - size) // stride + 1\n    w_out = (w - size) // stride + 1\n"
WINDOW = "x[:, :, i * stride:i * stride + size, j * stride:j * stride + size]"
MAX_LINE = "    return _pool(x, size, stride, np.max)\n"
AVG_LINE = "    return _pool(x, size, stride, np.mean)\n"
CHECK = "        raise ValueError(f\"a {size}x{size} window does not fit a {h}x{w} input\")"

STRIDE_ONE = "    if stride is None:\n        stride = 1\n"
WINDOW_BY_ONE = "x[:, :, i:i + size, j:j + size]"
PARTIAL = "    h_out = len(range(0, h, stride))\n    w_out = len(range(0, w, stride))\n"
ROUNDED = "    h_out = round((h - size) / stride) + 1\n    w_out = round((w - size) / stride) + 1\n"
CEIL = "    h_out = -(-(h - size) // stride) + 1\n    w_out = -(-(w - size) // stride) + 1\n"
MUST_DIVIDE = SIZES + "    assert (h - size) % stride == 0 and (w - size) % stride == 0, 'windows do not fit'\n"

MAX_STRIDE_ONE = "    return _pool(x, size, 1 if stride is None else stride, np.max)\n"
AVG_STRIDE_ONE = "    return _pool(x, size, 1 if stride is None else stride, np.mean)\n"
DIVIDES_BY_SIZE = "    return _pool(x, size, stride, lambda window, axis: window.sum(axis=axis) / size)\n"
SUMS = "    return _pool(x, size, stride, np.sum)\n"

# mutant(name, old snippet of the reference, replacement, checks that must fail, named mistake, checks showing it):
# a mutant with a named mistake shows it on every value check it fails (shown_on lists them all) and no other message
# anywhere; a mutant without one is shown no message at all. The mutants of the shared _pool (windows by one pixel,
# partial windows, rounding, divisibility asserted) make the max_pool and the avg_pool mistake at once: one row for
# each, the same source (the two messages are the same text).
MUTANTS = [
    mutant("relu with np.max(x, 0)", "np.maximum(np.asarray(x, dtype=np.float64), 0.0)",
           "np.max(np.asarray(x, dtype=np.float64), 0)", {RELU}, "ex05-relu-np-max", {RELU}),
    mutant("relu returns the mask x > 0", RELU_LINE, "    return np.asarray(x) > 0\n", {RELU}, "ex05-relu-mask",
           {RELU}),
    # right values, x changed: not "returns the mask"
    mutant("relu zeroes the negatives in place", RELU_LINE, "    x[x < 0] = 0\n    return x\n", {RELU_UNCHANGED}),
    mutant("relu with np.maximum(x, 0, out=x)", RELU_LINE, "    return np.maximum(x, 0, out=x)\n", {RELU_UNCHANGED}),
    mutant("max_pool: stride None read as 1", MAX_LINE, MAX_STRIDE_ONE, (), "ex05-max-stride-one", {MAX_SLIDES, MAX}),
    mutant("avg_pool: stride None read as 1", AVG_LINE, AVG_STRIDE_ONE, (), "ex05-avg-stride-one", {AVG_SLIDES, AVG}),
    mutant("stride None treated as stride 1", STRIDE_DEFAULT, STRIDE_ONE, POOL_VALUES, "ex05-max-stride-one",
           POOL_VALUES),
    mutant("stride None treated as stride 1 (avg_pool)", STRIDE_DEFAULT, STRIDE_ONE, POOL_VALUES,
           "ex05-avg-stride-one", POOL_VALUES),
    mutant("stride None not resolved (crashes)", STRIDE_DEFAULT, "", POOL_VALUES),
    mutant("windows move by one pixel", WINDOW, WINDOW_BY_ONE, POOL_VALUES, "ex05-max-window-ignores-stride",
           POOL_VALUES),
    mutant("windows move by one pixel (avg_pool)", WINDOW, WINDOW_BY_ONE, POOL_VALUES,
           "ex05-avg-window-ignores-stride", POOL_VALUES),
    mutant("windows past the edge cut short (range(0, H, stride))", SIZES, PARTIAL, {MAX, AVG},
           "ex05-max-partial-windows", POOL_VALUES),
    mutant("windows past the edge cut short (avg_pool)", SIZES, PARTIAL, {MAX, AVG}, "ex05-avg-partial-windows",
           POOL_VALUES),
    mutant("output size rounds up (windows cut short)", SIZES, CEIL, {MAX, AVG}, "ex05-max-partial-windows",
           POOL_VALUES),
    mutant("output size rounded to the nearest", SIZES, ROUNDED, {MAX, AVG}, "ex05-max-rounded", {MAX, AVG}),
    mutant("output size rounded to the nearest (avg_pool)", SIZES, ROUNDED, {MAX, AVG}, "ex05-avg-rounded",
           {MAX, AVG}),
    mutant("asserts that the windows divide evenly", SIZES, MUST_DIVIDE, {MAX, AVG}, "ex05-max-must-divide",
           POOL_VALUES),
    mutant("asserts that the windows divide evenly (avg_pool)", SIZES, MUST_DIVIDE, {MAX, AVG},
           "ex05-avg-must-divide", POOL_VALUES),
    mutant("output size H // size", SIZES, "    h_out = h // size\n    w_out = w // size\n", {MAX_SLIDES, MAX, AVG}),
    mutant("output size missing +1", SIZES, "    h_out = (h - size) // stride\n    w_out = (w - size) // stride\n",
           POOL_VALUES),
    mutant("max over the whole map", MAX_LINE, "    return np.max(x, axis=(2, 3))\n", {MAX_SLIDES, MAX},
           "ex05-max-whole-channel", {MAX_SLIDES, MAX}),
    mutant("average over the whole map", AVG_LINE, "    return np.mean(x, axis=(2, 3))\n", (),
           "ex05-avg-whole-channel", {AVG_SLIDES, AVG}),
    mutant("max over the channels too", "            out[:, :, i, j] = reduce(window, axis=(2, 3))\n",
           "            out[:, :, i, j] = reduce(window, axis=(1, 2, 3))[:, None]\n", {MAX, AVG}),
    mutant("average divides by size", AVG_LINE, DIVIDES_BY_SIZE, {AVG_SLIDES, AVG}, "ex05-avg-divides-by-size",
           {AVG_SLIDES, AVG}),
    mutant("average pooling returns the sums", AVG_LINE, SUMS, {AVG_SLIDES, AVG}, "ex05-avg-sum", {AVG_SLIDES, AVG}),
    # not "those are the window sums": generic values keep a window's max and sum apart while shrinking
    mutant("avg_pool copy-pasted from max_pool", AVG_LINE, MAX_LINE, {AVG_SLIDES, AVG}),
    mutant("no ValueError for a window that does not fit", CHECK, "        pass", {MAX_TOO_BIG, AVG_TOO_BIG}),
    mutant("window width not checked", "if size > h or size > w:", "if size > h:", {MAX_TOO_BIG, AVG_TOO_BIG}),
    mutant("avg_pool divides x in place first", AVG_LINE, "    x /= size * size\n" + SUMS, {AVG_UNCHANGED}),
]


@mutant_params(MUTANTS)
def test_mutant_loses_points_on_the_right_check(graded, m):
    result = check_mutant(graded, N, m)
    if m.mistake is None:
        assert_misconception(result, None)  # a mutant without a named mistake is shown none
    # one mistake, one check: every mutant fails exactly the checks its row lists, besides the hygiene checks of a
    # function none of whose value checks passed
    judged = {name for name, c in failed_checks(result).items() if "earned once" not in c.message}
    assert judged == m.must_fail | m.shown_on, sorted(judged)


def test_every_ex05_mistake_has_a_mutant():
    assert set(misconception_ids(N)) == {m.mistake for m in MUTANTS if m.mistake}


def test_an_in_place_relu_is_told_that_it_returned_x_itself(grade_mutant):
    result = grade_mutant("relu zeroes the negatives in place")
    assert result.score == result.max_score - 1
    check = failed_checks(result)[RELU_UNCHANGED]
    assert "relu() changed its argument 'x' in place" in check.message
    assert any("what relu() returned is 'x' itself" in line for line in check.details), check.details


def test_a_window_too_big_is_described_in_words(grade_mutant):
    failed = failed_checks(grade_mutant("window width not checked"))
    for name in (MAX_TOO_BIG, AVG_TOO_BIG):
        assert "why the call is invalid: the 3x3 window is wider than the 5x2 input (3 columns > 2)" in \
            failed[name].details, failed[name].details


# a finished function earns its points while another is still a TODO
TODO = "    raise NotImplementedError\n"


def test_finished_functions_earn_their_points_while_avg_pool_is_a_todo(graded):
    result = graded(N, solution_source(N).replace(AVG_LINE, TODO))
    failed = failed_checks(result)
    assert set(failed) == {AVG_SLIDES, AVG, AVG_TOO_BIG, AVG_UNCHANGED}, sorted(failed)
    assert all(c.not_implemented and "avg_pool() is not implemented yet" in c.message for c in failed.values())
    assert result.score == result.max_score - 6


def test_a_finished_relu_earns_its_points_while_the_pools_are_todos(graded):
    result = graded(N, solution_source(N).replace(AVG_LINE, TODO).replace(MAX_LINE, TODO))
    assert {c.name for c in result.checks if c.passed} == {RELU, RELU_UNCHANGED}
    assert result.score == 2


# submissions that compute nothing useful: each scores exactly 0, and every hygiene check says what earns it
POOL_SHAPE = ("s = size if stride is None else stride\n"
              "    return np.zeros(np.shape(x)[:2] + tuple((d - size) // s + 1 for d in np.shape(x)[2:]))")
TRIVIAL = {"returns None": ("return None",) * 2, "returns 0": ("return 0",) * 2,
           "returns zeros like x": ("return np.zeros_like(x)",) * 2,
           "returns zeros of the right shape": ("return np.zeros_like(x)", POOL_SHAPE),
           "returns x": ("return x",) * 2, "always raises ValueError": ("raise ValueError('not done yet')",) * 2}


@pytest.mark.parametrize("relu_body,pool_body", TRIVIAL.values(), ids=list(TRIVIAL))
def test_a_trivial_submission_scores_zero(graded, relu_body, pool_body):
    source = (f"import numpy as np\n\n\ndef relu(x):\n    {relu_body}\n\n\n"
              f"def max_pool(x, size=2, stride=None):\n    {pool_body}\n\n\n"
              f"def avg_pool(x, size=2, stride=None):\n    {pool_body}\n")
    result = graded(N, source)
    assert result.score == 0, [(c.name, c.points) for c in result.checks if c.passed]
    judged = {c.name: c.function for c in course.get(N).checks if c.hygiene}
    assert set(judged) == {RELU_UNCHANGED, MAX_TOO_BIG, MAX_UNCHANGED, AVG_TOO_BIG, AVG_UNCHANGED}
    for check in result.checks:
        if check.name in judged:
            assert f"earned once {judged[check.name]}() returns correct values" in check.message, check.message


def test_mistakes_take_the_student_signatures():
    """MISTAKES.right binds a failing call's arguments: it takes exactly the student's parameters; every entry takes
    them all as keywords."""
    solution = load_module(N, SOLUTIONS)
    assert set(MISTAKES.right) == set(course.get(N).functions)
    for fn, right in MISTAKES.right.items():
        assert inspect.signature(right).parameters == inspect.signature(getattr(solution, fn)).parameters, fn
    x = np.arange(50.0).reshape(1, 2, 5, 5) % 7
    for entry in MISTAKES.entries:
        assert entry.function in course.get(N).functions, entry.id
        arguments = MISTAKES.bind(entry.function, (x,), {} if entry.function == "relu" else dict(size=3))
        wrong = entry.wrong(**arguments)   # (5 - 3) % 3 != 0: code that requires the windows to divide raises
        assert wrong is RAISES if entry.id.endswith("must-divide") else isinstance(wrong, np.ndarray), entry.id


@pytest.mark.parametrize("fn,kwargs", [
    ("relu", dict(x=np.arange(-6.0, 6.0).reshape(1, 3, 2, 2))),
    ("max_pool", dict(x=(np.arange(50.0) * 37 % 11).reshape(1, 2, 5, 5), size=2)),
    ("avg_pool", dict(x=np.arange(49.0).reshape(1, 1, 7, 7), size=3, stride=2)),
])
def test_the_right_answer_matches_no_entry(fn, kwargs):
    assert MISTAKES.diagnose(CallRecord(fn, (), kwargs, ex05.TRUTH[fn](**kwargs))) is None


def test_entries_name_the_wrong_answers_they_describe():
    x = np.arange(32.0).reshape(1, 2, 4, 4) % 5
    sums = ex05.avg_pool_truth(x) * 4
    assert MISTAKES.diagnose(CallRecord("avg_pool", (x,), {}, sums)) == mistake_by_id("ex05-avg-sum").message
    stride_one = ex05.max_pool_truth(x, 2, 1)
    assert MISTAKES.diagnose(CallRecord("max_pool", (x,), {}, stride_one)) == \
        mistake_by_id("ex05-max-stride-one").message


@pytest.mark.parametrize("fn,kind", [("max_pool", "max"), ("avg_pool", "avg")])
def test_the_left_over_case_tells_flooring_mistakes_apart(fn, kind):
    """On the pinned left-over case rounding, cutting windows short and requiring an even division each explain
    their own answer alone (a generated case where two agree would name neither)."""
    kwargs = dict(x=ex05.LEFT_OVER, size=3, stride=3)
    for variant in ("rounded", "partial_windows"):
        wrong = MISTAKES.by_id(f"ex05-{kind}-{variant.replace('_', '-')}").wrong(**kwargs)
        assert MISTAKES.diagnose(CallRecord(fn, (), kwargs, wrong)) == \
            mistake_by_id(f"ex05-{kind}-{variant.replace('_', '-')}").message
    raised = CallRecord(fn, (), kwargs, None, raised=("AssertionError", "Exception"))
    assert MISTAKES.diagnose(raised) == mistake_by_id(f"ex05-{kind}-must-divide").message
    # where the windows divide evenly a call that raised is no such mistake
    assert MISTAKES.diagnose(CallRecord(fn, (), dict(x=ex05.LEFT_OVER[:, :, :3, :3], size=3, stride=3), None,
                                        raised=("ValueError", "Exception"))) is None
