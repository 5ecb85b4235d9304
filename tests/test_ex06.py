"""Exercise 6: the reference passes, the stub is 'not implemented', the slides' answers are torch's, realistic wrong
versions lose the right points, and every named misconception is recognised (and no other)."""
import numpy as np
import pytest

from conftest import (TRIVIAL_BODIES, assert_earns_nothing, assert_full_marks, assert_misconception, check_mutant,
                      failed_checks, misconception_ids, mistake_by_id, mutant, mutant_params, mutate, solution_source,
                      stub_source, trivial_source)
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
SM, SM_LARGE, SM_INPUTS = (CHECK[f"softmax_{k}"] for k in ("matches_torch", "large_logits", "inputs_unchanged"))
CE, CE_LARGE, CE_INPUTS = (CHECK[f"cross_entropy_{k}"] for k in ("matches_torch", "large_logits", "inputs_unchanged"))
BW, BW_LARGE, BW_INPUTS = (CHECK[f"backward_{k}"] for k in ("matches_autograd", "large_logits", "inputs_unchanged"))
BCE_CHECK, BCE_INPUTS = CHECK["bce_matches_torch"], CHECK["bce_inputs_unchanged"]
MSE_CHECK, MSE_INPUTS = CHECK["mse_matches_torch"], CHECK["mse_inputs_unchanged"]
GRAD = "    grad = softmax(logits)\n"

# mutant(name, old snippet of the reference, replacement, checks that must fail, the named mistake it must show --
# exactly that message and no other -- or none: then no check may name any mistake)
MUTANTS = [
    mutant("softmax over axis 0", SOFTMAX, SOFTMAX.replace("axis=1", "axis=0"), {SM, BW}, "ex06-softmax-axis"),
    mutant("softmax over the whole batch", SOFTMAX, SOFTMAX.replace("axis=1, keepdims=True", ""), {SM, BW},
           "ex06-softmax-whole-batch"),
    mutant("softmax sum without keepdims", "e / e.sum(axis=1, keepdims=True)", "e / e.sum(axis=1)", {SM}),
    mutant("softmax without the max shift", "shifted = logits - logits.max(axis=1, keepdims=True)",
           "shifted = logits", {SM_LARGE, BW_LARGE}, "ex06-softmax-overflow"),
    mutant("softmax shifted by the batch's max", SOFTMAX, SOFTMAX.replace("logits.max(axis=1, keepdims=True)",
           "logits.max()"), {SM_LARGE, BW_LARGE}, "ex06-softmax-batch-max"),
    mutant("softmax shifts its input in place", "    shifted = logits - logits.max(axis=1, keepdims=True)\n",
           "    logits -= logits.max(axis=1, keepdims=True)\n    shifted = logits\n", {SM_INPUTS, BW_INPUTS}),
    mutant("cross-entropy with an unshifted softmax", PICK,
           "    picked = np.log(np.exp(logits)[np.arange(n), labels] / np.exp(logits).sum(axis=1))\n", {CE_LARGE},
           "ex06-ce-overflow"),
    mutant("cross-entropy with an unshifted logsumexp", PICK,
           "    picked = logits[np.arange(n), labels] - np.log(np.exp(logits).sum(axis=1))\n", {CE_LARGE},
           "ex06-ce-overflow-logsumexp"),
    mutant("cross-entropy as the log of softmax", PICK,
           "    picked = np.log(softmax(logits)[np.arange(n), labels])\n", {CE_LARGE}, "ex06-ce-log-of-zero"),
    mutant("cross-entropy as ln(p + 1e-7)", PICK,
           "    picked = np.log(softmax(logits)[np.arange(n), labels] + 1e-7)\n", {CE_LARGE},
           "ex06-ce-log-epsilon-1e-07"),
    mutant("cross-entropy as ln(clip(p, 1e-8, 1 - 1e-8))", PICK,
           "    picked = np.log(np.clip(softmax(logits), 1e-8, 1 - 1e-8)[np.arange(n), labels])\n", {CE_LARGE},
           "ex06-ce-log-epsilon-1e-08"),
    mutant("cross-entropy as ln(p + 1e-9)", PICK,
           "    picked = np.log(softmax(logits)[np.arange(n), labels] + 1e-9)\n", {CE_LARGE},
           "ex06-ce-log-epsilon-1e-09"),
    mutant("cross-entropy as ln(max(p, 1e-10))", PICK,
           "    picked = np.log(np.maximum(softmax(logits)[np.arange(n), labels], 1e-10))\n", {CE_LARGE},
           "ex06-ce-log-epsilon-1e-10"),
    mutant("cross-entropy as ln(p + 1e-12)", PICK,
           "    picked = np.log(softmax(logits)[np.arange(n), labels] + 1e-12)\n", {CE_LARGE},
           "ex06-ce-log-epsilon-1e-12"),
    mutant("cross-entropy as ln(clip(p, 1e-15, 1))", PICK,
           "    picked = np.log(np.clip(softmax(logits)[np.arange(n), labels], 1e-15, 1))\n", {CE_LARGE},
           "ex06-ce-log-epsilon-1e-15"),
    mutant("cross-entropy's log-softmax shifted by the batch's max", "m = np.max(z, axis=1, keepdims=True)",
           "m = np.max(z)", {CE_LARGE}, "ex06-ce-batch-max", {CE_LARGE}),
    mutant("cross-entropy with log10", CE_RETURN, "    return float(-np.sum(np.log10(np.exp(picked))) / n)\n",
           {CE, CE_LARGE}, "ex06-ce-log10"),
    mutant("cross-entropy summed", CE_RETURN, "    return float(-np.sum(picked))\n", {CE, CE_LARGE}, "ex06-ce-sum"),
    mutant("cross-entropy averaged over N*K", CE_RETURN, "    return float(-np.sum(picked) / logits.size)\n",
           {CE, CE_LARGE}, "ex06-ce-mean-over-classes"),
    mutant("cross-entropy of the raw logits", PICK, "    picked = np.log(logits[np.arange(n), labels])\n", {CE},
           "ex06-ce-of-logits"),
    mutant("cross-entropy of the wrong class", PICK, "    picked = _log_softmax(logits)[np.arange(n), 0]\n", {CE}),
    mutant("gradient with an unshifted softmax", GRAD,
           "    grad = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)\n", {BW_LARGE},
           "ex06-backward-overflow"),
    mutant("gradient with the batch's max", GRAD,
           "    grad = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum(axis=1, keepdims=True)\n",
           {BW_LARGE}, "ex06-backward-batch-max", {BW_LARGE}),
    mutant("gradient with softmax over axis 0", GRAD,
           "    grad = np.exp(logits - logits.max(axis=0)) / np.exp(logits - logits.max(axis=0)).sum(axis=0)\n",
           {BW}, "ex06-backward-softmax-axis"),
    mutant("gradient with softmax over the whole batch", GRAD,
           "    grad = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()\n", {BW},
           "ex06-backward-softmax-whole-batch"),
    mutant("gradient not divided by N", BACKWARD, "    grad[np.arange(n), labels] -= 1.0\n    return grad\n",
           {BW, BW_LARGE}, "ex06-backward-not-divided-by-n"),
    mutant("gradient with the wrong sign", BACKWARD,
           "    grad[np.arange(n), labels] -= 1.0\n    return -grad / n\n", {BW, BW_LARGE}, "ex06-backward-sign"),
    mutant("gradient without the one-hot", BACKWARD, "    return grad / n\n", {BW, BW_LARGE},
           "ex06-backward-no-onehot"),
    mutant("gradient changes the logits in place", GRAD, "    grad = np.asarray(logits)\n"
           "    grad -= grad.max(axis=1, keepdims=True)\n    np.exp(grad, out=grad)\n"
           "    grad /= grad.sum(axis=1, keepdims=True)\n", {BW_INPUTS}),
    mutant("BCE with log10", BCE, "np.mean(t * np.log10(p) + (1 - t) * np.log10(1 - p))", {BCE_CHECK},
           "ex06-bce-log10"),
    mutant("BCE summed", BCE, "np.sum(t * np.log(p) + (1 - t) * np.log(1 - p))", {BCE_CHECK}, "ex06-bce-sum"),
    mutant("BCE without the (1 - t) term", BCE, "np.mean(t * np.log(p))", {BCE_CHECK}, "ex06-bce-one-term"),
    mutant("BCE takes the log in place (np.asarray does not copy)", f"    return float(-{BCE})\n",
           "    q = np.log(1 - p)\n    np.log(p, out=p)\n    return float(-np.mean(t * p + (1 - t) * q))\n",
           {BCE_INPUTS}),
    mutant("MSE summed", MSE, "np.sum(diff ** 2)", {MSE_CHECK}, "ex06-mse-sum"),
    mutant("MSE divided by the rows only", MSE, "np.sum(diff ** 2) / len(diff)", {MSE_CHECK}, "ex06-mse-rows"),
    mutant("MSE without the square", MSE, "np.mean(np.abs(diff))", {MSE_CHECK}, "ex06-mse-abs"),
    mutant("MSE divided by the first two axes' sizes, as if every array were (N,) or (N, K)", MSE,
           "np.sum(diff ** 2) / (diff.shape[0] * diff.shape[1] if diff.ndim > 1 else len(diff))", {MSE_CHECK}),
    mutant("MSE subtracts in place", "    diff = np.asarray(pred, dtype=np.float64) - np.asarray(target, "
           "dtype=np.float64)\n", "    pred -= target\n    diff = pred\n", {MSE_INPUTS}),
]


def test_every_ex06_mistake_has_a_mutant():
    assert sorted(misconception_ids(N)) == sorted(m.mistake for m in MUTANTS if m.mistake)


@mutant_params(MUTANTS)
def test_mutant_loses_points_on_the_right_check(graded, m):
    result = check_mutant(graded, N, m)
    if m.mistake is None:
        assert_misconception(result, None)  # a mutant without a named mistake is shown none


# -- what each check judges: one function each ------------------------------------------------------------------------
def test_every_check_judges_one_function_and_hygiene_comes_with_a_value_check():
    ex = course.get(N)
    assert ex.points == 13   # the total of the exercise before the checks were split per function
    for fn in ex.functions:
        mine = [c for c in ex.checks if c.function == fn]
        assert any(not c.hygiene for c in mine) and any(c.hygiene for c in mine), fn
    assert all(c.function in ex.functions and c.hint for c in ex.checks)


def test_a_finished_function_earns_its_points_while_the_others_are_todo(graded):
    """The reference's softmax in the stub: softmax's three checks pass, every other check says 'not implemented'."""
    reference = solution_source(N)
    body = reference[reference.index("def softmax"):reference.index("def cross_entropy(")]
    stub = stub_source(N)
    source = stub.replace(stub[stub.index("def softmax"):stub.index("def cross_entropy(")], body)
    result = graded(N, source)
    softmax = {c.name for c in course.get(N).checks if c.function == "softmax"}
    assert {c.name for c in result.checks if c.passed} == softmax and result.score == 3
    assert all("not implemented" in c.message for c in result.checks if c.name not in softmax)


@pytest.mark.parametrize("body", TRIVIAL_BODIES.values(), ids=TRIVIAL_BODIES.keys())
def test_trivial_submissions_earn_nothing(graded, body):
    assert_earns_nothing(graded(N, trivial_source(N, body)))


def test_the_hint_shown_is_the_failed_checks(grade_mutant):
    """A log10 BCE fails only BCE's checks: the hint shown is its value check's, not the exercise's first (softmax)."""
    result = grade_mutant("BCE with log10")
    assert set(failed_checks(result)) == {BCE_CHECK, BCE_INPUTS}
    assert result.hint == next(c.hint for c in course.get(N).checks if c.name == BCE_CHECK)


# -- losses as 0-d arrays ----------------------------------------------------------------------------------------------
ZERO_D = [(CE_RETURN, "    return np.asarray(-np.sum(picked) / n)\n"),
          (f"    return float(-{BCE})\n", f"    return np.array(-{BCE})\n"),
          (f"    return float({MSE})\n", f"    return np.asarray({MSE})\n")]


def test_losses_returned_as_0d_arrays_get_full_marks(graded):
    source = solution_source(N)
    for old, new in ZERO_D:
        source = mutate(source, old, new)
    assert_full_marks(graded(N, source))


def test_a_wrong_loss_returned_as_a_0d_array_is_named(graded):
    source = mutate(solution_source(N), CE_RETURN, "    return np.asarray(-np.sum(picked))\n")
    result = graded(N, source)
    assert CE in failed_checks(result)
    assert_misconception(result, "ex06-ce-sum", {CE})


# -- named mistakes that are not the mistake ---------------------------------------------------------------------------
def test_a_bce_of_zero_is_not_the_missing_term():
    """With every target 0, -mean(t ln p) is 0 whatever p is: a BCE of 0 there is no sign of the missing term."""
    kwargs = dict(probs=np.array([0.2, 0.7]), targets=np.zeros(2))
    assert MISTAKES.diagnose(CallRecord("binary_cross_entropy", (), kwargs, 0.0)) is None
    kwargs["targets"] = np.array([1.0, 0.0])
    assert MISTAKES.diagnose(CallRecord("binary_cross_entropy", (), kwargs, -np.log(0.2) / 2)) == \
        mistake_by_id("ex06-bce-one-term").message


# -- ln(softmax(z)) as students write it -------------------------------------------------------------------------------
STUDENT = """import numpy as np


def softmax(logits):
{softmax}


def cross_entropy(logits, labels):
{cross_entropy}


def cross_entropy_backward(logits, labels):
    grad = softmax(logits)
    grad[np.arange(len(labels)), labels] -= 1
    return grad / len(labels)


def binary_cross_entropy(probs, targets):
    return -np.mean(targets * np.log(probs) + (1 - targets) * np.log(1 - probs))


def mse(pred, target):
    return np.mean((pred - target) ** 2)
"""
SHIFTED = """    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)"""
UNSHIFTED = """    e = np.exp(logits)
    return e / np.sum(e, axis=1, keepdims=True)"""
PICKED_LOG = """    probs = softmax(logits)
    n = logits.shape[0]
    return -np.sum(np.log(probs[np.arange(n), labels])) / n"""
ONEHOT_LOG = """    onehot = np.zeros_like(logits)
    onehot[np.arange(len(labels)), labels] = 1
    return -np.sum(onehot * np.log(softmax(logits))) / len(labels)"""
LOG_THEN_PICK = """    log_probs = np.log(softmax(logits))
    return -np.mean(log_probs[np.arange(len(labels)), labels])"""

# (name, softmax body, cross_entropy body, the checks that fail, the mistake named on the cross-entropy check)
LOG_SOFTMAX_STUDENTS = [
    ("ln of the picked probability", SHIFTED, PICKED_LOG, {CE_LARGE}, "ex06-ce-log-of-zero"),
    ("one-hot times ln softmax", SHIFTED, ONEHOT_LOG, {CE_LARGE}, "ex06-ce-log-of-zero"),
    ("ln of the whole softmax, then pick", SHIFTED, LOG_THEN_PICK, {CE_LARGE}, "ex06-ce-log-of-zero"),
    ("ln of an unshifted softmax", UNSHIFTED, PICKED_LOG, {SM_LARGE, CE_LARGE, BW_LARGE}, "ex06-ce-overflow"),
    ("an epsilon against ln 0", SHIFTED, PICKED_LOG.replace("labels]))", "labels] + 1e-12))"), {CE_LARGE},
     "ex06-ce-log-epsilon-1e-12"),
]


@pytest.mark.parametrize("name,softmax,ce,fails,mistake", LOG_SOFTMAX_STUDENTS,
                         ids=[s[0] for s in LOG_SOFTMAX_STUDENTS])
def test_ln_of_softmax_at_large_logits_is_named(graded, name, softmax, ce, fails, mistake):
    """Cross-entropy as ln(softmax(z)) the ways students write it: correct until a probability underflows to 0
    (or exp() overflows), and the large-logits check names that."""
    result = graded(N, STUDENT.format(softmax=softmax, cross_entropy=ce))
    assert set(failed_checks(result)) == fails
    assert result.checks[[c.name for c in result.checks].index(CE_LARGE)].misconception == \
        mistake_by_id(mistake).message


def test_a_nan_is_not_called_a_precision_problem(grade_mutant):
    """One max for the whole batch gives nan for one row and the right values elsewhere: the message must not put
    that down to float32 precision (the other positions' errors are tiny)."""
    check = failed_checks(grade_mutant("softmax shifted by the batch's max"))[SM_LARGE]
    assert "got nan" in "\n".join(check.details) and "precision" not in "\n".join(check.details)
