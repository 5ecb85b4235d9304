"""Exercise 6: the reference passes, the stub is 'not implemented', the slides' answers are torch's, realistic wrong
versions lose the right points, and every named misconception is recognised (and no other)."""
import numpy as np
import pytest

from conftest import assert_misconception, check_mutant, misconception_ids, mistake_by_id, mutant, mutant_params
from grader import course
from grader.checking.student import CallRecord
from grader.course.ex06_softmax_ce import checks as ex06
from grader.course.ex06_softmax_ce.mistakes import MISTAKES

N = 6


@pytest.mark.parametrize("label,fn,kwargs,answer", ex06.SLIDE_EXAMPLES, ids=[e[1] for e in ex06.SLIDE_EXAMPLES])
def test_pinned_slide_answers_agree_with_torch(label, fn, kwargs, answer):
    np.testing.assert_allclose(ex06.TRUTH[fn](**kwargs), np.asarray(answer, float), rtol=1e-12, atol=1e-15)


def test_slide_cross_entropy_is_natural_log_not_log10():
    """The slide's 0.222 is -log10(0.6); torch (and the pinned answer) give -ln(0.6) = 0.511."""
    got = ex06.torch_cross_entropy(np.log([[0.3, 0.6, 0.1]]), np.array([1]))
    assert round(got, 3) == 0.511 and round(-np.log10(0.6), 3) == 0.222


def test_slide_softmax_rounds_to_the_slide():
    assert np.round(ex06.torch_softmax(np.array([[2.0, 1.0, 0.1]])), 1).tolist() == [[0.7, 0.2, 0.1]]


@pytest.mark.parametrize("label,fn,kwargs,answer", ex06.LARGE_LOGITS, ids=[e[0] for e in ex06.LARGE_LOGITS])
def test_large_logit_cases_have_finite_torch_answers(label, fn, kwargs, answer):
    assert np.all(np.isfinite(ex06.TRUTH[fn](**kwargs)))
    np.testing.assert_allclose(ex06.TRUTH[fn](**kwargs), answer, rtol=1e-12, atol=1e-15)


def test_large_logit_cross_entropy_calls_tell_the_instabilities_apart():
    """Overflow only: an unshifted softmax gives nan, an unshifted logsumexp inf (both the overflow message), while
    ln(softmax) is right; underflow only: ln(softmax) gives inf, and only the underflow message explains it."""
    calls = {label: kwargs for label, fn, kwargs, _ in ex06.LARGE_LOGITS if fn == "cross_entropy"}
    overflow, underflow = (next(kwargs for label, kwargs in calls.items() if label.startswith(start))
                           for start in ("cross-entropy of [1000", "cross-entropy of [-1000"))

    def named(kwargs, answer):
        return MISTAKES.diagnose(CallRecord("cross_entropy", (), kwargs, answer))
    assert named(overflow, float("nan")) == named(overflow, float("inf")) == mistake_by_id("ex06-ce-overflow").message
    assert named(underflow, float("inf")) == mistake_by_id("ex06-ce-log-of-zero").message


SOFTMAX = ("    shifted = logits - logits.max(axis=1, keepdims=True)\n    e = np.exp(shifted)\n"
           "    return e / e.sum(axis=1, keepdims=True)\n")
PICK = "    picked = _log_softmax(logits)[np.arange(n), labels]\n"
CE_RETURN = "    return float(-np.sum(picked) / n)\n"
BACKWARD = "    grad[np.arange(n), labels] -= 1.0\n    return grad / n\n"
BCE = "np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))"
MSE = "np.mean(diff ** 2)"

CHECK = {c.run: c.name for c in course.get(N).checks}  # check names as the student sees them, by function
SM, CE, BW = CHECK["softmax_matches_torch"], CHECK["cross_entropy_matches_torch"], CHECK["backward_matches_autograd"]
BCE_CHECK, MSE_CHECK = CHECK["bce_matches_torch"], CHECK["mse_matches_torch"]
SLIDES, LARGE, INPUTS = CHECK["slide_examples"], CHECK["large_logits"], CHECK["inputs_unchanged"]
GRAD = "    grad = softmax(logits)\n"

# mutant(name, old snippet of the reference, replacement, checks that must fail, the named mistake it must show --
# exactly that message and no other -- or none: then no check may name any mistake)
MUTANTS = [
    mutant("softmax over axis 0", SOFTMAX, SOFTMAX.replace("axis=1", "axis=0"), {SM, BW, SLIDES, LARGE},
           "ex06-softmax-axis"),
    mutant("softmax over the whole batch", SOFTMAX, SOFTMAX.replace("axis=1, keepdims=True", ""), {SM, BW},
           "ex06-softmax-whole-batch"),
    mutant("softmax sum without keepdims", "e / e.sum(axis=1, keepdims=True)", "e / e.sum(axis=1)", {SM}),
    mutant("softmax without the max shift", "shifted = logits - logits.max(axis=1, keepdims=True)",
           "shifted = logits", {LARGE}, "ex06-softmax-overflow"),
    mutant("softmax shifts its input in place", "    shifted = logits - logits.max(axis=1, keepdims=True)\n",
           "    logits -= logits.max(axis=1, keepdims=True)\n    shifted = logits\n", {INPUTS}),
    mutant("cross-entropy with an unshifted softmax", PICK,
           "    picked = np.log(np.exp(logits)[np.arange(n), labels] / np.exp(logits).sum(axis=1))\n", {LARGE},
           "ex06-ce-overflow"),
    mutant("cross-entropy with an unshifted logsumexp", PICK,
           "    picked = logits[np.arange(n), labels] - np.log(np.exp(logits).sum(axis=1))\n", {LARGE},
           "ex06-ce-overflow-logsumexp"),
    mutant("cross-entropy as the log of softmax", PICK,
           "    picked = np.log(softmax(logits)[np.arange(n), labels])\n", {LARGE}, "ex06-ce-log-of-zero"),
    mutant("cross-entropy with log10", CE_RETURN, "    return float(-np.sum(np.log10(np.exp(picked))) / n)\n",
           {SLIDES, CE, LARGE}, "ex06-ce-log10"),
    mutant("cross-entropy summed", CE_RETURN, "    return float(-np.sum(picked))\n", {CE, LARGE}, "ex06-ce-sum"),
    mutant("cross-entropy averaged over N*K", CE_RETURN, "    return float(-np.sum(picked) / logits.size)\n",
           {SLIDES, CE, LARGE}, "ex06-ce-mean-over-classes"),
    mutant("cross-entropy of the raw logits", PICK, "    picked = np.log(logits[np.arange(n), labels])\n",
           {SLIDES, CE}, "ex06-ce-of-logits"),
    mutant("cross-entropy of the wrong class", PICK, "    picked = _log_softmax(logits)[np.arange(n), 0]\n", {CE}),
    mutant("gradient with an unshifted softmax", GRAD,
           "    grad = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)\n", {LARGE},
           "ex06-backward-overflow"),
    mutant("gradient with softmax over axis 0", GRAD,
           "    grad = np.exp(logits - logits.max(axis=0)) / np.exp(logits - logits.max(axis=0)).sum(axis=0)\n",
           {BW, SLIDES}, "ex06-backward-softmax-axis"),
    mutant("gradient with softmax over the whole batch", GRAD,
           "    grad = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()\n", {BW},
           "ex06-backward-softmax-whole-batch"),
    mutant("gradient not divided by N", BACKWARD, "    grad[np.arange(n), labels] -= 1.0\n    return grad\n",
           {BW, LARGE}, "ex06-backward-not-divided-by-n"),
    mutant("gradient with the wrong sign", BACKWARD,
           "    grad[np.arange(n), labels] -= 1.0\n    return -grad / n\n", {BW, SLIDES, LARGE}, "ex06-backward-sign"),
    mutant("gradient without the one-hot", BACKWARD, "    return grad / n\n", {BW, SLIDES, LARGE},
           "ex06-backward-no-onehot"),
    mutant("BCE with log10", BCE, "np.mean(t * np.log10(p) + (1 - t) * np.log10(1 - p))", {BCE_CHECK, SLIDES},
           "ex06-bce-log10"),
    mutant("BCE summed", BCE, "np.sum(t * np.log(p) + (1 - t) * np.log(1 - p))", {BCE_CHECK, SLIDES},
           "ex06-bce-sum"),
    mutant("BCE without the (1 - t) term", BCE, "np.mean(t * np.log(p))", {BCE_CHECK, SLIDES}, "ex06-bce-one-term"),
    mutant("MSE summed", MSE, "np.sum(diff ** 2)", {MSE_CHECK, SLIDES}, "ex06-mse-sum"),
    mutant("MSE divided by the rows only", MSE, "np.sum(diff ** 2) / len(diff)", {MSE_CHECK}, "ex06-mse-rows"),
    mutant("MSE without the square", MSE, "np.mean(np.abs(diff))", {MSE_CHECK, SLIDES}, "ex06-mse-abs"),
]


def test_every_ex06_mistake_has_a_mutant():
    assert sorted(misconception_ids(N)) == sorted(m.mistake for m in MUTANTS if m.mistake)


@mutant_params(MUTANTS)
def test_mutant_loses_points_on_the_right_check(graded, m):
    result = check_mutant(graded, N, m)
    if m.mistake is None:
        assert_misconception(result, None)  # a mutant without a named mistake is shown none
