"""Exercise 8: the ground truth is autograd, pinned answers agree with torch, realistic wrong versions lose the
right points, each named mistake is shown for the mutant that makes it (and for no other), and acceptable variations
score full marks."""
import inspect

import numpy as np
import pytest

from conftest import (EXERCISES, assert_full_marks, check_mutant, load_module, misconception_ids, mutant,
                      mutant_params, mutate, solution_source)
from grader.checking.student import CallRecord
from grader.course.ex08_pool_backward import checks as ex08
from grader.course.ex08_pool_backward.mistakes import MISTAKES

N = 8

RELU = "relu_backward matches torch (gradient 0 at x == 0)"
SLIDES = "slide examples (ReLU of the feature map, 2x2 max and average pooling)"
MAX_RANDOM = "max_pool_backward matches torch on random shapes (distinct values)"
MAX_OVERLAP = "max_pool_backward: overlapping windows add up"
MAX_TIES = "max_pool_backward: a tie goes to the first maximum, as in torch"
AVG_RANDOM = "avg_pool_backward matches torch on random shapes"
AVG_OVERLAP = "avg_pool_backward: overlapping windows add up"
INPUTS = "does not modify its inputs"


def _autograd(fn, dout, x, size=2, stride=None):
    """dL/dx by autograd: x.requires_grad_(), F.op(x).backward(dout), x.grad (the definition of the ground truth)."""
    import torch
    import torch.nn.functional as F

    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    if fn == "relu_backward":
        out = F.relu(xt)
    elif fn == "max_pool_backward":
        out = F.max_pool2d(xt, size, size if stride is None else stride)
    else:
        out = F.avg_pool2d(xt, size, size if stride is None else stride)
    out.backward(torch.tensor(dout, dtype=torch.float64))
    return xt.grad.numpy()


@pytest.mark.parametrize("label,fn,kwargs,answer", ex08.PINNED, ids=[e[0] for e in ex08.PINNED])
def test_pinned_answers_agree_with_torch(label, fn, kwargs, answer):
    np.testing.assert_array_equal(_autograd(fn, **kwargs), answer)
    np.testing.assert_array_equal(ex08.TRUTH[fn](**kwargs), answer)


@pytest.mark.parametrize("fn,x_values,overlap", [
    ("max_pool_backward", "distinct", False), ("max_pool_backward", "distinct", True),
    ("max_pool_backward", "ties", False), ("max_pool_backward", "ties", True),
    ("avg_pool_backward", "any", False), ("avg_pool_backward", "any", True)])
def test_kernel_truth_equals_autograd(fn, x_values, overlap):
    """The backward kernels the checks call directly give exactly what autograd gives, ties and overlaps included."""
    from hypothesis import given, settings

    @settings(max_examples=60)
    @given(ex08.pool_cases(overlap=overlap, x_values=x_values))
    def run(case):
        np.testing.assert_array_equal(ex08.TRUTH[fn](**case), _autograd(fn, **case))
    run()


def test_relu_kernel_truth_equals_autograd():
    from hypothesis import given, settings

    @settings(max_examples=60)
    @given(ex08.relu_cases())
    def run(case):
        np.testing.assert_array_equal(ex08.relu_truth(**case), _autograd("relu_backward", **case))
    run()


def test_pinned_slide_forward_values():
    """The slides' forward results, which the backward examples rely on, are what torch computes."""
    import torch.nn.functional as F

    from grader.checking import truth

    np.testing.assert_array_equal(F.relu(truth.tensor(ex08.SLIDE_RELU_X)).numpy(),
                                  [[2, 1, 0], [0, 1, 3], [2, 1, 1]])
    np.testing.assert_array_equal(F.max_pool2d(truth.tensor(ex08.SLIDE_MAP), 2).numpy()[0, 0], [[123, 253], [187, 165]])
    np.testing.assert_array_equal(F.max_pool2d(truth.tensor(ex08.SLIDE_MAP_2), 2).numpy()[0, 0], [[3, 5], [2, 4]])


def test_torch_tie_rule_is_first_maximum_row_major():
    """The rule the stub documents: autograd through F.max_pool2d sends a tie's gradient to the first maximum."""
    x = np.zeros((1, 1, 2, 2))
    np.testing.assert_array_equal(_autograd("max_pool_backward", np.full((1, 1, 1, 1), 5.0), x), [[[[5, 0], [0, 0]]]])
    x = np.array([[[[0.0, 3.0], [3.0, 3.0]]]])
    np.testing.assert_array_equal(_autograd("max_pool_backward", np.ones((1, 1, 1, 1)), x), [[[[0, 1], [0, 0]]]])


def test_right_answers_have_the_stub_signatures():
    """MISTAKES.right binds a failing call's arguments: it must take exactly the student function's parameters."""
    stub = load_module(N, EXERCISES)
    for fn, right in MISTAKES.right.items():
        assert list(inspect.signature(right).parameters.values()) == \
            list(inspect.signature(getattr(stub, fn)).parameters.values()), fn


@pytest.mark.parametrize("label,fn,kwargs,answer", ex08.PINNED, ids=[e[0] for e in ex08.PINNED])
def test_pinned_inputs_tell_the_misconceptions_apart(label, fn, kwargs, answer):
    """On every pinned input, each named mistake's wrong answer is either the right answer or its own: the student
    who makes it is told exactly its message."""
    arguments = MISTAKES.bind(fn, (), kwargs)
    for entry in MISTAKES.entries:
        if entry.function != fn:
            continue
        value = entry.wrong(**arguments)
        if not np.allclose(value, answer):
            assert MISTAKES.diagnose(CallRecord(fn, (), kwargs, value)) == entry.message, entry.id


_ARGMAX_LOOP = """            first = np.argmax(window, axis=2)  # first maximum in row-major order, as torch
            p, q = np.divmod(first, size)
            for a in range(n):
                for b in range(c):
                    dx[a, b, h0 + p[a, b], w0 + q[a, b]] += dout[a, b, i, j]
"""
_MASK_LOOP = """            win = x[:, :, h0:h0 + size, w0:w0 + size]
            mask = win == win.max(axis=(2, 3), keepdims=True)
            dx[:, :, h0:h0 + size, w0:w0 + size] += {share} * dout[:, :, i:i + 1, j:j + 1]
"""
_RELU = "return dout * (x > 0)"
_FIRST_ONLY = "(mask & (np.cumsum(mask.reshape(n, c, -1), axis=2) == 1).reshape(mask.shape))"

# mutant(name, old snippet of the reference, replacement, checks that must fail, named mistake, checks showing it)
MUTANTS = [
    mutant("relu mask from dout", _RELU, "return dout * (dout > 0)", {SLIDES, RELU}, "ex08-relu-dout-mask", {SLIDES}),
    mutant("relu passes everything", _RELU, "return dout.copy()", {SLIDES, RELU}, "ex08-relu-identity", {SLIDES}),
    mutant("relu gradient at zero", _RELU, "return dout * (x >= 0)", {RELU}, "ex08-relu-at-zero", {RELU}),
    mutant("relu times relu(x)", _RELU, "return dout * np.maximum(x, 0)", {SLIDES, RELU}, "ex08-relu-times-relu",
           {SLIDES}),
    mutant("relu mask only", _RELU, "return (x > 0).astype(float)", {SLIDES, RELU}, "ex08-relu-mask-only", {SLIDES}),
    mutant("max: every tied maximum", _ARGMAX_LOOP, _MASK_LOOP.format(share="mask"), {MAX_TIES},
           "ex08-max-every-tie", {MAX_TIES}),
    mutant("max: tie split", _ARGMAX_LOOP, _MASK_LOOP.format(share="mask / mask.sum(axis=(2, 3), keepdims=True)"),
           {MAX_TIES}, "ex08-max-split-tie", {MAX_TIES}),
    mutant("max: last tied maximum", "first = np.argmax(window, axis=2)",
           "first = size * size - 1 - np.argmax(window[:, :, ::-1], axis=2)", {MAX_TIES}, "ex08-max-last-tie",
           {MAX_TIES}),
    mutant("max: overlapping windows overwrite", "+= dout[a, b, i, j]", "= dout[a, b, i, j]", {MAX_OVERLAP},
           "ex08-max-overwrite", {MAX_OVERLAP}),
    mutant("max: window slice assigned", _ARGMAX_LOOP, _MASK_LOOP.format(share=_FIRST_ONLY).replace("] +=", "] ="),
           {MAX_OVERLAP}, "ex08-max-overwrite-window", {MAX_OVERLAP}),
    mutant("max: stride ignored", "stride = size if stride is None else stride\n    n, c",
           "stride = size\n    n, c", {MAX_OVERLAP, MAX_RANDOM}),
    mutant("max: window offset without stride", "h0, w0 = i * stride, j * stride\n            window",
           "h0, w0 = i, j\n            window", {SLIDES, MAX_RANDOM}),
    mutant("avg: not divided by the window size", "/ (size * size)", "", {SLIDES, AVG_RANDOM, AVG_OVERLAP},
           "ex08-avg-not-divided", {SLIDES}),
    mutant("avg: divided by size", "/ (size * size)", "/ size", {SLIDES, AVG_RANDOM, AVG_OVERLAP},
           "ex08-avg-divided-by-size", {SLIDES}),
    mutant("avg: overlapping windows overwrite", "w0:w0 + size] += dout", "w0:w0 + size] = dout", {AVG_OVERLAP},
           "ex08-avg-overwrite", {AVG_OVERLAP}),
    mutant("avg: stride None means 1", "stride = size if stride is None else stride\n    h_out",
           "stride = 1 if stride is None else stride\n    h_out", {SLIDES, AVG_RANDOM}),
    mutant("modifies x", "    return dout * (x > 0)", "    dx = dout * (x > 0)\n    x[...] = 0\n    return dx", {INPUTS}),
]


@mutant_params(MUTANTS)
def test_mutant_loses_points_on_the_right_check(graded, m):
    check_mutant(graded, N, m)


def test_every_ex08_misconception_has_a_mutant():
    assert set(misconception_ids(N)) == {m.mistake for m in MUTANTS if m.mistake}


# -- acceptable variations score full marks -----------------------------------------------------------------------
ALTERNATIVES = [
    ("relu with np.where", "return dout * (x > 0)", "return np.where(x > 0, dout, 0.0)"),
    ("max pooling one window at a time with np.unravel_index", _ARGMAX_LOOP, """            for a in range(n):
                for b in range(c):
                    win = x[a, b, h0:h0 + size, w0:w0 + size]
                    p, q = np.unravel_index(np.argmax(win), win.shape)
                    dx[a, b, h0 + p, w0 + q] += dout[a, b, i, j]
"""),
    ("average pooling element by element",
     "            dx[:, :, h0:h0 + size, w0:w0 + size] += dout[:, :, i:i + 1, j:j + 1] / (size * size)\n",
     """            for p in range(size):
                for q in range(size):
                    dx[:, :, h0 + p, w0 + q] += dout[:, :, i, j] / size ** 2
"""),
]


@pytest.mark.parametrize("name,old,new", ALTERNATIVES, ids=[a[0] for a in ALTERNATIVES])
def test_acceptable_variation_scores_full_marks(graded, name, old, new):
    assert_full_marks(graded(N, mutate(solution_source(N), old, new)))
