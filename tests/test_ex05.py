"""Exercise 5: the reference passes, the stub is 'not implemented', realistic wrong versions lose the right points,
and each misconception in the catalog is named for the mutant that makes it (and for no other)."""
import inspect

import numpy as np
import pytest

from conftest import (EXERCISES, SOLUTIONS, assert_loses_points, assert_misconception, load_module,
                     misconception_ids, mutate, solution_source, stub_source)
from grader import catalog, misconceptions
from grader.checks import ex05

N = 5


def test_every_check_names_an_existing_function():
    for check in catalog.get(N).checks:
        assert callable(getattr(ex05, check.run, None)), check.run


def test_solution_and_stub_have_the_same_signatures():
    stub, solution = load_module(N, EXERCISES), load_module(N, SOLUTIONS)
    for fn in catalog.get(N).functions:
        assert inspect.signature(getattr(stub, fn)) == inspect.signature(getattr(solution, fn)), fn


@pytest.mark.parametrize("label,fn,kwargs,answer", ex05.SLIDE_EXAMPLES, ids=[e[0] for e in ex05.SLIDE_EXAMPLES])
def test_pinned_slide_answers_agree_with_torch(label, fn, kwargs, answer):
    np.testing.assert_array_equal(ex05.TRUTH[fn](**kwargs), np.array(answer, float))


@pytest.mark.parametrize("label,fn,kwargs,shape", ex05.SLIDE_SHAPES, ids=[e[0] for e in ex05.SLIDE_SHAPES])
def test_slide_shapes_agree_with_torch(label, fn, kwargs, shape):
    assert ex05.TRUTH[fn](**kwargs).shape == shape


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

# (misconception id, old snippet, replacement): the mutant that must be named by exactly this entry's message
MISCONCEPTION_MUTANTS = [
    ("ex05-relu-np-max", "np.maximum(np.asarray(x, dtype=np.float64), 0.0)",
     "np.max(np.asarray(x, dtype=np.float64), 0)"),
    ("ex05-relu-mask", RELU_LINE, "    return np.asarray(x) > 0\n"),
    ("ex05-max-stride-one", MAX_LINE, "    return _pool(x, size, 1 if stride is None else stride, np.max)\n"),
    ("ex05-max-window-ignores-stride", WINDOW, WINDOW_BY_ONE),
    ("ex05-max-partial-windows", SIZES, PARTIAL),
    ("ex05-max-whole-channel", MAX_LINE, "    return np.max(x, axis=(2, 3))\n"),
    ("ex05-avg-stride-one", AVG_LINE, "    return _pool(x, size, 1 if stride is None else stride, np.mean)\n"),
    ("ex05-avg-window-ignores-stride", WINDOW, WINDOW_BY_ONE),
    ("ex05-avg-partial-windows", SIZES, PARTIAL),
    ("ex05-avg-whole-channel", AVG_LINE, "    return np.mean(x, axis=(2, 3))\n"),
    ("ex05-avg-divides-by-size", AVG_LINE,
     "    return _pool(x, size, stride, lambda window, axis: window.sum(axis=axis) / size)\n"),
    ("ex05-avg-sum", AVG_LINE, "    return _pool(x, size, stride, np.sum)\n"),
]

# (name, old snippet of the reference, replacement, checks that must fail)
MUTANTS = [
    ("relu with np.max(x, 0)", "np.maximum(np.asarray(x, dtype=np.float64), 0.0)",
     "np.max(np.asarray(x, dtype=np.float64), 0)", {SLIDES, RELU}),
    ("relu returns the mask x > 0", RELU_LINE, "    return np.asarray(x) > 0\n", {SLIDES, RELU}),
    ("relu zeroes the negatives in place", RELU_LINE, "    x[x < 0] = 0\n    return x\n", {UNCHANGED}),
    ("stride None treated as stride 1", STRIDE_DEFAULT, STRIDE_ONE, {SLIDES, MAX, AVG}),
    ("stride None not resolved (crashes)", STRIDE_DEFAULT, "", {SLIDES, MAX, AVG}),
    ("windows move by one pixel", WINDOW, WINDOW_BY_ONE, {SLIDES, MAX, AVG}),
    ("windows past the edge cut short (range(0, H, stride))", SIZES, PARTIAL, {MAX, AVG}),
    ("output size H // size", SIZES, "    h_out = h // size\n    w_out = w // size\n", {SLIDES, MAX, AVG}),
    ("output size missing +1", SIZES, "    h_out = (h - size) // stride\n    w_out = (w - size) // stride\n",
     {SLIDES, MAX, AVG}),
    ("max over the whole map", MAX_LINE, "    return np.max(x, axis=(2, 3))\n", {SLIDES, MAX}),
    ("max over the channels too", "            out[:, :, i, j] = reduce(window, axis=(2, 3))\n",
     "            out[:, :, i, j] = reduce(window, axis=(1, 2, 3))[:, None]\n", {MAX, AVG}),
    ("average divides by size", AVG_LINE,
     "    return _pool(x, size, stride, lambda window, axis: window.sum(axis=axis) / size)\n", {SLIDES, AVG}),
    ("average pooling returns the sums", AVG_LINE, "    return _pool(x, size, stride, np.sum)\n", {SLIDES, AVG}),
    ("avg_pool copy-pasted from max_pool", AVG_LINE, MAX_LINE, {SLIDES, AVG}),
    ("no ValueError for a window that does not fit", CHECK, "        pass", {TOO_BIG}),
    ("avg_pool divides x in place first", AVG_LINE, "    x /= size * size\n    return _pool(x, size, stride, np.sum)\n",
     {UNCHANGED}),
]


@pytest.mark.parametrize("name,old,new,must_fail", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_mutant_loses_points_on_the_right_property(graded, name, old, new, must_fail):
    assert_loses_points(graded(N, mutate(solution_source(N), old, new)), must_fail, name)


@pytest.mark.parametrize("ident,old,new", MISCONCEPTION_MUTANTS, ids=[m[0] for m in MISCONCEPTION_MUTANTS])
def test_misconception_mutant_is_named_exactly(graded, ident, old, new):
    # every failing check names this mistake, and no other catalog message appears anywhere
    assert_misconception(graded(N, mutate(solution_source(N), old, new)), ident, on_every_failure=True)


def test_every_ex05_misconception_has_a_mutant():
    assert set(misconception_ids(N)) == {m[0] for m in MISCONCEPTION_MUTANTS}


def test_misconceptions_take_the_student_signatures():
    solution = load_module(N, SOLUTIONS)
    for entry in misconceptions.CATALOG:
        if entry.exercise == N:
            assert entry.function in catalog.get(N).functions, entry.id
            assert inspect.signature(entry.wrong) == inspect.signature(getattr(solution, entry.function)), entry.id
