"""Exercise 8: the reference passes, the stub is 'not implemented', realistic wrong versions lose the right points
and the named misconceptions are recognised."""
import numpy as np
import pytest

from conftest import (assert_full_marks, assert_loses_points, assert_misconception, misconception_ids, mutate,
                     solution_source)
from grader import misconceptions
from grader.checks import ex08

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

    from grader import truth

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


@pytest.mark.parametrize("label,fn,kwargs,answer", ex08.PINNED, ids=[e[0] for e in ex08.PINNED])
def test_pinned_inputs_tell_the_misconceptions_apart(label, fn, kwargs, answer):
    """On every pinned input, each misconception's wrong answer is either the right answer or unique."""
    from grader.misconceptions import _bind

    wrong = {}
    for entry in misconceptions.CATALOG:
        if entry.exercise == N and entry.function == fn:
            try:
                wrong[entry.id] = (entry.message, entry.wrong(**_bind(entry.wrong, (), kwargs)))
            except ValueError:
                continue
    for ident, (message, value) in wrong.items():
        assert not np.allclose(value, answer), (ident, "an entry that equals the right answer must not apply")
        for other, (other_message, other_value) in wrong.items():
            if other != ident and other_message != message:
                assert not (value.shape == other_value.shape and np.allclose(value, other_value)), (ident, other)


# (name, old snippet of the reference, replacement, checks that must fail)
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
MUTANTS = [
    ("relu mask from dout", "return dout * (x > 0)", "return dout * (dout > 0)", {SLIDES, RELU}),
    ("relu passes everything", "return dout * (x > 0)", "return dout.copy()", {SLIDES, RELU}),
    ("relu gradient at zero", "return dout * (x > 0)", "return dout * (x >= 0)", {RELU}),
    ("relu times relu(x)", "return dout * (x > 0)", "return dout * np.maximum(x, 0)", {SLIDES, RELU}),
    ("relu mask only", "return dout * (x > 0)", "return (x > 0).astype(float)", {SLIDES, RELU}),
    ("max: every tied maximum", _ARGMAX_LOOP, _MASK_LOOP.format(share="mask"), {MAX_TIES}),
    ("max: tie split", _ARGMAX_LOOP, _MASK_LOOP.format(share="mask / mask.sum(axis=(2, 3), keepdims=True)"),
     {MAX_TIES}),
    ("max: last tied maximum", "first = np.argmax(window, axis=2)",
     "first = size * size - 1 - np.argmax(window[:, :, ::-1], axis=2)", {MAX_TIES}),
    ("max: overlapping windows overwrite", "+= dout[a, b, i, j]", "= dout[a, b, i, j]", {MAX_OVERLAP}),
    ("max: window slice assigned", _ARGMAX_LOOP,
     _MASK_LOOP.format(share="(mask & (np.cumsum(mask.reshape(n, c, -1), axis=2) == 1).reshape(mask.shape))")
     .replace("] +=", "] ="), {MAX_OVERLAP}),
    ("max: stride ignored", "stride = size if stride is None else stride\n    n, c",
     "stride = size\n    n, c", {MAX_OVERLAP, MAX_RANDOM}),
    ("max: window offset without stride", "h0, w0 = i * stride, j * stride\n            window",
     "h0, w0 = i, j\n            window", {SLIDES, MAX_RANDOM}),
    ("avg: not divided by the window size", "/ (size * size)", "", {SLIDES, AVG_RANDOM, AVG_OVERLAP}),
    ("avg: divided by size", "/ (size * size)", "/ size", {SLIDES, AVG_RANDOM, AVG_OVERLAP}),
    ("avg: overlapping windows overwrite", "w0:w0 + size] += dout", "w0:w0 + size] = dout", {AVG_OVERLAP}),
    ("avg: stride None means 1", "stride = size if stride is None else stride\n    h_out",
     "stride = 1 if stride is None else stride\n    h_out", {SLIDES, AVG_RANDOM}),
    ("modifies x", "    return dout * (x > 0)", "    x[...] = 0\n    return dout * (x > 0)", {INPUTS}),
]

@pytest.mark.parametrize("name,old,new,must_fail", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_mutant_loses_points_on_the_right_property(grade_mutant, name, old, new, must_fail):
    assert_loses_points(grade_mutant(name), must_fail, name)


# (misconception id, mutant name from MUTANTS, the check that must name it)
MISCONCEPTION_MUTANTS = [
    ("ex08-relu-dout-mask", "relu mask from dout", SLIDES),
    ("ex08-relu-identity", "relu passes everything", SLIDES),
    ("ex08-relu-at-zero", "relu gradient at zero", RELU),
    ("ex08-relu-times-relu", "relu times relu(x)", SLIDES),
    ("ex08-relu-mask-only", "relu mask only", SLIDES),
    ("ex08-max-every-tie", "max: every tied maximum", MAX_TIES),
    ("ex08-max-split-tie", "max: tie split", MAX_TIES),
    ("ex08-max-last-tie", "max: last tied maximum", MAX_TIES),
    ("ex08-max-overwrite", "max: overlapping windows overwrite", MAX_OVERLAP),
    ("ex08-max-overwrite-window", "max: window slice assigned", MAX_OVERLAP),
    ("ex08-avg-not-divided", "avg: not divided by the window size", SLIDES),
    ("ex08-avg-divided-by-size", "avg: divided by size", SLIDES),
    ("ex08-avg-overwrite", "avg: overlapping windows overwrite", AVG_OVERLAP),
]


def test_every_ex08_misconception_has_a_mutant():
    assert set(misconception_ids(N)) == {m[0] for m in MISCONCEPTION_MUTANTS}


@pytest.mark.parametrize("ident,mutant,check", MISCONCEPTION_MUTANTS, ids=[m[0] for m in MISCONCEPTION_MUTANTS])
def test_misconception_mutant_gets_its_own_message(grade_mutant, ident, mutant, check):
    assert_misconception(grade_mutant(mutant), ident, {check})


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
