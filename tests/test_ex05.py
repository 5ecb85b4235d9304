"""Exercise 5: pinned slide answers agree with torch, realistic wrong versions lose the right points, and each named
mistake is shown for the mutant that makes it (and for no other)."""
import inspect

import numpy as np
import pytest

from conftest import (EXERCISES, SOLUTIONS, check_mutant, load_module, misconception_ids, mistake_by_id, mutant,
                      mutant_params, stub_source)
from grader import course
from grader.checking.student import CallRecord
from grader.course.ex05_relu_pool import checks as ex05
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


# check names
SLIDES = "slide examples (2x2 max and average pooling, overlapping windows, ReLU of a feature map)"
RELU = "relu matches torch"
MAX = "max_pool matches torch (stride None, overlapping windows)"
AVG = "avg_pool matches torch (stride None, overlapping windows)"
TOO_BIG = "ValueError when the window is larger than the input"
UNCHANGED = "does not modify its inputs"

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

MAX_STRIDE_ONE = "    return _pool(x, size, 1 if stride is None else stride, np.max)\n"
AVG_STRIDE_ONE = "    return _pool(x, size, 1 if stride is None else stride, np.mean)\n"
DIVIDES_BY_SIZE = "    return _pool(x, size, stride, lambda window, axis: window.sum(axis=axis) / size)\n"
SUMS = "    return _pool(x, size, stride, np.sum)\n"

# mutant(name, old snippet of the reference, replacement, checks that must fail, named mistake, checks showing it):
# a mutant with a named mistake shows it on every value check it fails (shown_on lists them all) and no other message
# anywhere. The two mutants of the shared _pool (windows by one pixel, partial windows) make the max_pool and the
# avg_pool mistake at once: one row for each, the same source.
MUTANTS = [
    mutant("relu with np.max(x, 0)", "np.maximum(np.asarray(x, dtype=np.float64), 0.0)",
           "np.max(np.asarray(x, dtype=np.float64), 0)", {SLIDES, RELU}, "ex05-relu-np-max", {SLIDES, RELU}),
    mutant("relu returns the mask x > 0", RELU_LINE, "    return np.asarray(x) > 0\n", {SLIDES, RELU},
           "ex05-relu-mask", {SLIDES, RELU}),
    mutant("relu zeroes the negatives in place", RELU_LINE, "    x[x < 0] = 0\n    return x\n", {UNCHANGED}),
    mutant("max_pool: stride None read as 1", MAX_LINE, MAX_STRIDE_ONE, (), "ex05-max-stride-one", {SLIDES, MAX}),
    mutant("avg_pool: stride None read as 1", AVG_LINE, AVG_STRIDE_ONE, (), "ex05-avg-stride-one", {SLIDES, AVG}),
    mutant("stride None treated as stride 1", STRIDE_DEFAULT, STRIDE_ONE, {SLIDES, MAX, AVG}),
    mutant("stride None not resolved (crashes)", STRIDE_DEFAULT, "", {SLIDES, MAX, AVG}),
    mutant("windows move by one pixel", WINDOW, WINDOW_BY_ONE, {SLIDES, MAX, AVG}, "ex05-max-window-ignores-stride",
           {SLIDES, MAX, AVG}),
    mutant("windows move by one pixel (avg_pool)", WINDOW, WINDOW_BY_ONE, {SLIDES, MAX, AVG},
           "ex05-avg-window-ignores-stride", {SLIDES, MAX, AVG}),
    mutant("windows past the edge cut short (range(0, H, stride))", SIZES, PARTIAL, {MAX, AVG},
           "ex05-max-partial-windows", {SLIDES, MAX, AVG}),
    mutant("windows past the edge cut short (avg_pool)", SIZES, PARTIAL, {MAX, AVG}, "ex05-avg-partial-windows",
           {SLIDES, MAX, AVG}),
    mutant("output size H // size", SIZES, "    h_out = h // size\n    w_out = w // size\n", {SLIDES, MAX, AVG}),
    mutant("output size missing +1", SIZES, "    h_out = (h - size) // stride\n    w_out = (w - size) // stride\n",
           {SLIDES, MAX, AVG}),
    mutant("max over the whole map", MAX_LINE, "    return np.max(x, axis=(2, 3))\n", {SLIDES, MAX},
           "ex05-max-whole-channel", {SLIDES, MAX}),
    mutant("average over the whole map", AVG_LINE, "    return np.mean(x, axis=(2, 3))\n", (),
           "ex05-avg-whole-channel", {SLIDES, AVG}),
    mutant("max over the channels too", "            out[:, :, i, j] = reduce(window, axis=(2, 3))\n",
           "            out[:, :, i, j] = reduce(window, axis=(1, 2, 3))[:, None]\n", {MAX, AVG}),
    mutant("average divides by size", AVG_LINE, DIVIDES_BY_SIZE, {SLIDES, AVG}, "ex05-avg-divides-by-size",
           {SLIDES, AVG}),
    mutant("average pooling returns the sums", AVG_LINE, SUMS, {SLIDES, AVG}, "ex05-avg-sum", {SLIDES, AVG}),
    mutant("avg_pool copy-pasted from max_pool", AVG_LINE, MAX_LINE, {SLIDES, AVG}),
    mutant("no ValueError for a window that does not fit", CHECK, "        pass", {TOO_BIG}),
    mutant("avg_pool divides x in place first", AVG_LINE, "    x /= size * size\n" + SUMS, {UNCHANGED}),
]


@mutant_params(MUTANTS)
def test_mutant_loses_points_on_the_right_check(graded, m):
    check_mutant(graded, N, m)


def test_every_ex05_mistake_has_a_mutant():
    assert set(misconception_ids(N)) == {m.mistake for m in MUTANTS if m.mistake}


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
        assert isinstance(entry.wrong(**arguments), np.ndarray), entry.id


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
