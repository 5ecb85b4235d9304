"""Exercise 7: the reference passes, the stub is 'not implemented', the pinned slide answers are torch's, realistic
wrong versions lose the right points, and every named misconception is recognised (and no other)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import (TRIVIAL_BODIES, assert_earns_nothing, assert_misconception, check_mutant, failed_checks,
                      misconception_ids, mutant, mutant_params, trivial_source)
from grader import course
from grader.checking.mistakes import RAISES, matches
from grader.course.ex07_conv_backward import checks as ex07
from grader.course.ex07_conv_backward.mistakes import MISTAKES

N = 7


@pytest.mark.parametrize("label,fn,kwargs,answer", ex07.SLIDE_EXAMPLES, ids=["O11 only", "ones", "general"])
def test_pinned_slide_answers_agree_with_torch(label, fn, kwargs, answer):
    assert fn == "conv_backward"
    for got, pinned in zip(ex07.conv_grads(**kwargs), answer):
        np.testing.assert_array_equal(got, pinned)


def test_slide_local_gradients():
    """The slide: dO11/dF = [[X11, X12], [X21, X22]] -- with dL/dO = [[1, 0], [0, 0]], dF is that window."""
    _, _, kwargs, _ = ex07.SLIDE_EXAMPLES[0]
    _, dw, _ = ex07.conv_grads(**kwargs)
    np.testing.assert_array_equal(dw[0, 0], ex07.SLIDE_X[0, 0, :2, :2])


@pytest.mark.parametrize("label,fn,kwargs,answer", ex07.STRIDE_EXAMPLES,
                         ids=["even", "even padded", "uneven", "uneven padded"])
def test_pinned_stride_answers_agree_with_torch(label, fn, kwargs, answer):
    for got, pinned in zip(ex07.conv_grads(**kwargs), answer):
        np.testing.assert_array_equal(got, pinned)


@pytest.mark.parametrize("kwargs", [ex07.EVEN_STRIDE, ex07.EVEN_PADDED_STRIDE, ex07.UNEVEN_STRIDE,
                                    ex07.PADDED_STRIDE], ids=["even", "even padded", "uneven", "uneven padded"])
def test_pinned_stride_inputs_tell_the_named_mistakes_apart(kwargs):
    """On the stride check's pinned inputs each named mistake that changes the answer changes it in its own way."""
    arguments = MISTAKES.bind("conv_backward", (), kwargs)
    right = ex07.conv_grads(**arguments)
    wrong = []
    for entry in MISTAKES.entries:
        try:
            wrong.append(entry.wrong(**arguments))
        except ValueError:   # the mistake makes no difference on this input
            pass
    shown = [answer for answer in wrong if answer is not RAISES and not matches(answer, right)]
    assert len(shown) >= 4
    assert not any(matches(a, b) for i, a in enumerate(shown) for b in shown[i + 1:])


def test_the_stride_check_tries_windows_that_divide_evenly_first():
    """Code that raises everywhere (or wherever there is padding) fails the stride check on an input where asserting
    divisibility would not raise, so it is not named as that mistake; only the later, uneven inputs are."""
    def divides(kwargs):
        (h, w), (kh, kw) = kwargs["x"].shape[2:], kwargs["w"].shape[2:]
        p, s = kwargs.get("padding", 0), kwargs.get("stride", 1)
        return (h + 2 * p - kh) % s == 0 and (w + 2 * p - kw) % s == 0
    assert [divides(kwargs) for _, _, kwargs, _ in ex07.STRIDE_EXAMPLES] == [True, True, False, False]
    assert [kwargs.get("padding", 0) for _, _, kwargs, _ in ex07.STRIDE_EXAMPLES] == [0, 1, 0, 1]


def test_uneven_stride_leaves_untouched_pixels_at_zero():
    dx, _, _ = ex07.conv_grads(**ex07.UNEVEN_STRIDE)
    assert not dx[0, 0, 4, :].any() and not dx[0, 0, :, 4].any() and dx[0, 0, :4, :4].any()


CHECK = {c.run: c.name for c in course.get(N).checks}  # check names as the student sees them, by function
SLIDES, RANDOM, PADDING = CHECK["slide_examples"], CHECK["random_shapes"], CHECK["padding"]
STRIDE, EDGE, INPUTS = CHECK["stride"], CHECK["edge_cases"], CHECK["inputs_unchanged"]
WINDOWS = "                rows = slice(i * s, i * s + kh)\n                cols = slice(j * s, j * s + kw)\n"
DX_ADD = "dx_pad[n, :, rows, cols] += (g * w).sum(axis=0)"
CROP = "    dx = dx_pad[:, :, p:p + h, p:p + width]\n"
DB = "db = dout.sum(axis=(0, 2, 3))"

# mutant(name, old snippet of the reference, replacement, checks that must fail, the named mistake it must show --
# exactly that message and no other -- or none: then no check may name any mistake)
MUTANTS = [
    mutant("padding cut off with p:-p", CROP, "    dx = dx_pad[:, :, p:-p, p:-p]\n", {SLIDES, RANDOM, STRIDE, EDGE},
           "ex07-padding-zero-slice"),
    mutant("db not summed over the batch", DB, "db = dout.sum(axis=(2, 3))", {SLIDES, RANDOM, PADDING},
           "ex07-db-not-over-batch"),
    mutant("db summed channels-last", DB, "db = dout.sum(axis=(0, 1, 2))", {SLIDES, RANDOM, PADDING},
           "ex07-db-channels-last"),
    mutant("dw restarted for every sample", "    for n in range(n_samples):\n",
           "    for n in range(n_samples):\n        dw = np.zeros_like(w)\n", {RANDOM, PADDING}, "ex07-dw-last-sample"),
    mutant("dw assigned instead of accumulated", "dw += g * x_pad[n, :, rows, cols]",
           "dw = g * x_pad[n, :, rows, cols]", {SLIDES, RANDOM, PADDING}, "ex07-dw-overwritten"),
    mutant("dw and db averaged over the batch", "    return dx, dw, db\n",
           "    return dx, dw / n_samples, db / n_samples\n", {RANDOM, PADDING}, "ex07-divided-by-n"),
    mutant("dx with the kernel rotated", DX_ADD, "dx_pad[n, :, rows, cols] += (g * w[:, :, ::-1, ::-1]).sum(axis=0)",
           {SLIDES, RANDOM, PADDING}, "ex07-dx-flipped-kernel"),
    mutant("dx assigned instead of accumulated", DX_ADD, "dx_pad[n, :, rows, cols] = (g * w).sum(axis=0)",
           {SLIDES, RANDOM, PADDING}, "ex07-dx-overwritten"),
    mutant("asserts that the windows divide evenly", "    p, s = padding, stride\n",
           "    p, s = padding, stride\n    assert (h + 2 * p - kh) % s == 0 and (width + 2 * p - kw) % s == 0\n",
           {STRIDE}, "ex07-windows-must-divide", {STRIDE}),
    mutant("output size rounded up instead of floored", "    p, s = padding, stride\n",
           "    p, s = padding, stride\n    h_out = -(-(h + 2 * p - kh) // s) + 1\n"
           "    w_out = -(-(width + 2 * p - kw) // s) + 1\n", {STRIDE}, "ex07-windows-must-divide", {STRIDE}),
    # these raise on uneven inputs too, but for another reason, on inputs that divide evenly first: named nowhere
    mutant("dout indexed [:, n] instead of [n, :]", "g = dout[n, :, i, j]", "g = dout[:, n, i, j]", {RANDOM}),
    mutant("x padded along the channels", "np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))",
           "np.pad(x, ((0, 0), (p, p), (0, 0), (p, p)))", {PADDING, STRIDE}),
    mutant("windows ignore the stride", WINDOWS,
           "                rows = slice(i, i + kh)\n                cols = slice(j, j + kw)\n", {STRIDE},
           "ex07-stride-ignored"),
    mutant("dx cropped from the corner", CROP, "    dx = dx_pad[:, :, :h, :width]\n", {PADDING}),
    mutant("dw from the unpadded input", "dw += g * x_pad[n, :, rows, cols]", "dw += g * x[n, :, rows, cols]",
           {PADDING}),
    mutant("clears its input", "    return dx, dw, db\n", "    x[...] = 0\n    return dx, dw, db\n", {INPUTS}),
]


def test_every_ex07_mistake_has_a_mutant():
    assert sorted(misconception_ids(N)) == sorted({m.mistake for m in MUTANTS if m.mistake})


@mutant_params(MUTANTS)
def test_mutant_loses_points_on_the_right_check(graded, m):
    result = check_mutant(graded, N, m)
    if m.mistake is None:
        assert_misconception(result, None)  # a mutant without a named mistake is shown none


@settings(max_examples=60)
@given(st.data())
def test_direct_backward_kernel_equals_autograd(data):
    """The grader's conv_grads (aten.convolution_backward) gives exactly what autograd through F.conv2d gives."""
    n, c, f = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    stride, padding = data.draw(st.integers(1, 3)), data.draw(st.integers(0, 2))
    h, w_ = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6))
    kh = data.draw(st.integers(1, h + 2 * padding))
    kw = data.draw(st.integers(1, w_ + 2 * padding))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x, w, b = rng.normal(size=(n, c, h, w_)), rng.normal(size=(f, c, kh, kw)), rng.normal(size=f)
    out_h, out_w = (h + 2 * padding - kh) // stride + 1, (w_ + 2 * padding - kw) // stride + 1
    dout = rng.normal(size=(n, f, out_h, out_w))
    for direct, auto in zip(ex07.conv_grads(dout, x, w, b, stride, padding),
                            ex07.conv_grads_autograd(dout, x, w, b, stride, padding)):
        np.testing.assert_allclose(direct, auto, rtol=1e-12, atol=1e-12)


# -- code that computes nothing earns nothing -----------------------------------------------------------------------
TRIVIAL = {**TRIVIAL_BODIES, "returns zeros of the right shapes": "return np.zeros_like(x), np.zeros_like(w), "
           "np.zeros_like(b)", "returns its inputs x, w, b": "return x, w, b"}


@pytest.mark.parametrize("body", TRIVIAL.values(), ids=TRIVIAL.keys())
def test_trivial_submissions_earn_nothing(graded, body):
    assert_earns_nothing(graded(N, trivial_source(N, body)))


def test_every_check_judges_conv_backward_with_its_own_hint():
    ex = course.get(N)
    assert ex.points == 11 and all(c.function == "conv_backward" and c.hint for c in ex.checks)
    assert [c.run for c in ex.checks if c.hygiene] == ["inputs_unchanged"]
    assert len({c.hint for c in ex.checks}) == len(ex.checks)


def test_the_hint_shown_is_the_failed_checks(grade_mutant):
    """Windows that ignore the stride first fail the stride check: its hint is shown, not the exercise's first."""
    result = grade_mutant("windows ignore the stride")
    assert set(failed_checks(result)) == {STRIDE, EDGE}
    assert result.hint == next(c.hint for c in course.get(N).checks if c.name == STRIDE)


def test_asserting_even_windows_costs_the_stride_check_only(grade_mutant):
    """One mistake, one check: the 1x1-kernel edge cases use sizes the stride divides evenly."""
    result = grade_mutant("asserts that the windows divide evenly")
    assert set(failed_checks(result)) == {STRIDE}
