"""Exercise 9: the reference passes, the stub is 'not implemented', the ground truth is torch.optim.SGD and autograd,
realistic wrong versions lose the right points and the named misconceptions are recognised."""
import numpy as np
import pytest

from conftest import (assert_full_marks, assert_loses_points, assert_misconception, failed_checks, misconception_ids,
                     mutate, solution_source)
from grader import misconceptions
from grader.checks import ex09
from grader.harness_ex09 import FUNCTIONS, ScalarFunction

N = 9

WORKED = "worked examples (W5 = 0.6 - 0.1 * 0.25, three momentum steps, two numerical gradients)"
SGD = "sgd_step matches torch.optim.SGD"
MOMENTUM = "sgd_momentum_step matches torch.optim.SGD(momentum) step after step"
AUTOGRAD = "numerical_gradient matches autograd (sin, log-sum-exp, cross-entropy)"
QUADRATIC = "numerical_gradient is a central difference (exact on quadratics, even with a large h)"
USES_H = "numerical_gradient uses the step h it is given"
RESTORES = "numerical_gradient leaves x as it was"
INPUTS = "sgd_step and sgd_momentum_step do not modify their inputs"


# -- the ground truth ---------------------------------------------------------------------------------------------
def _torch_optim_sgd(w, grads, lr, momentum, velocity=None):
    """The optimizer class itself (slow to construct: it imports torch._dynamo; fine in a test)."""
    import torch

    p = torch.nn.Parameter(torch.tensor(w, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=lr, momentum=momentum)
    if velocity is not None:
        opt.state[p]["momentum_buffer"] = torch.tensor(velocity, dtype=torch.float64)
    out = []
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        buf = opt.state[p].get("momentum_buffer")
        out.append((p.detach().numpy().copy(), None if buf is None else buf.numpy().copy()))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_functional_truth_equals_the_optimizer_class(seed):
    rng = np.random.default_rng(seed)
    w, grads = rng.normal(size=(2, 3)), [rng.normal(size=(2, 3)) for _ in range(4)]
    velocity = None if seed % 2 else rng.normal(size=(2, 3))
    lr, momentum = (0.1, 0.9) if seed < 2 else (0.03, 0.5)
    ours = ex09.momentum_truth(w, grads, lr, momentum, velocity)
    theirs = _torch_optim_sgd(w, grads, lr, momentum, velocity)
    for (w1, v1), (w2, v2) in zip(ours, theirs):
        np.testing.assert_array_equal(w1, w2)
        np.testing.assert_array_equal(v1, v2)
    np.testing.assert_array_equal(ex09.sgd_truth(w, grads[0], lr), _torch_optim_sgd(w, grads[:1], lr, 0.0)[0][0])


def test_pinned_worked_examples_agree_with_torch():
    for label, kwargs, answer in ex09.SGD_EXAMPLES:
        np.testing.assert_allclose(_torch_optim_sgd(kwargs["w"], [kwargs["grad"]], kwargs["lr"], 0.0)[0][0], answer,
                                   rtol=1e-15, err_msg=label)
    ex = ex09.MOMENTUM_EXAMPLE
    steps = _torch_optim_sgd(ex["w"], ex["grads"], ex["lr"], ex["momentum"])
    for (w, v), (w_answer, v_answer) in zip(steps, ex09.MOMENTUM_ANSWERS):
        np.testing.assert_allclose(w, w_answer, rtol=1e-14)
        np.testing.assert_allclose(v, v_answer, rtol=1e-14)
    # the numerical-gradient examples: 2x exactly; 3x**2 + h**2 (the central difference of x**3) = autograd + h**2
    for label, name, params, x, h, answer in ex09.GRADIENT_EXAMPLES:
        expected = ex09.autograd_gradient(name, params, x) + (h * h if name == "sum of cubes" else 0.0)
        np.testing.assert_allclose(expected, answer, rtol=1e-15, err_msg=label)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_numpy_test_functions_equal_their_torch_versions(name):
    """The function the student's code calls (numpy, in the student process) is the one autograd differentiates."""
    rng = np.random.default_rng(1)
    for shape in [(3,), (2, 3), (3, 4)]:
        x = rng.normal(size=shape) * 2
        params = {}
        if name == "quadratic form":
            m = rng.normal(size=(x.size, x.size))
            params = {"A": m @ m.T, "b": rng.normal(size=x.size)}
        if name == "softmax cross-entropy":
            if len(shape) != 2:
                continue
            params = {"labels": rng.integers(0, shape[1], shape[0])}
        f = ScalarFunction(name, params, shape=shape)
        assert f(x) == pytest.approx(ex09.torch_value(name, params, x), rel=1e-13, abs=1e-13)
        assert name in repr(f) or FUNCTIONS[name][0] in repr(f)


def test_scalar_function_refuses_another_shape():
    f = ScalarFunction("sum of sin", {}, shape=(2, 2))
    with pytest.raises(ValueError, match=r"shape \(2, 2\)"):
        f(np.zeros(4))


# -- wrong versions -----------------------------------------------------------------------------------------------
_MOMENTUM_BODY = "    velocity_new = momentum * velocity + grad\n    w_new = w - lr * velocity_new\n"
_CENTRAL_BODY = """        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
"""
_FORWARD_BODY = """        f_zero = f(x)
        x[i] = old + h
        f_plus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_zero) / h
"""

# (name, old snippet of the reference, replacement, checks that must fail)
MUTANTS = [
    ("sgd: gradient ascent", "return w - lr * grad", "return w + lr * grad", {WORKED, SGD}),
    ("sgd: learning rate left out", "return w - lr * grad", "return w - grad", {WORKED, SGD}),
    ("sgd: updates w in place", "    return w - lr * grad", "    w -= lr * grad\n    return w", {INPUTS}),
    ("momentum: w stepped with the old velocity", _MOMENTUM_BODY,
     "    w_new = w - lr * velocity\n    velocity_new = momentum * velocity + grad\n", {WORKED, MOMENTUM}),
    ("momentum: lr inside the velocity", _MOMENTUM_BODY,
     "    velocity_new = momentum * velocity + lr * grad\n    w_new = w - velocity_new\n", {WORKED, MOMENTUM}),
    ("momentum: CS231n convention", _MOMENTUM_BODY,
     "    velocity_new = momentum * velocity - lr * grad\n    w_new = w + velocity_new\n", {WORKED, MOMENTUM}),
    ("momentum: exponential average", "    velocity_new = momentum * velocity + grad",
     "    velocity_new = momentum * velocity + (1 - momentum) * grad",
     {WORKED, MOMENTUM}),
    ("momentum: gradient ascent", "    w_new = w - lr * velocity_new", "    w_new = w + lr * velocity_new",
     {WORKED, MOMENTUM}),
    ("momentum: argument ignored", "    velocity_new = momentum * velocity + grad",
     "    velocity_new = 0.9 * velocity + grad",
     {MOMENTUM}),
    ("momentum: returns (velocity, w)", "return w_new, velocity_new", "return velocity_new, w_new",
     {WORKED, MOMENTUM}),
    ("momentum: returns only w", "return w_new, velocity_new", "return w_new", {WORKED, MOMENTUM}),
    ("momentum: velocity updated in place", "    velocity_new = momentum * velocity + grad\n",
     "    velocity *= momentum\n    velocity += grad\n    velocity_new = velocity\n", {INPUTS}),
    ("gradient: forward difference", _CENTRAL_BODY, _FORWARD_BODY, {WORKED, AUTOGRAD, QUADRATIC, USES_H}),
    ("gradient: divided by h", "/ (2 * h)", "/ h", {WORKED, AUTOGRAD, QUADRATIC, USES_H}),
    ("gradient: x never restored", "        x[i] = old\n        grad[i]", "        grad[i]", {RESTORES, AUTOGRAD}),
    ("gradient: h ignored", "    grad = np.zeros(np.shape(x), dtype=np.float64)\n",
     "    h = 1e-5\n    grad = np.zeros(np.shape(x), dtype=np.float64)\n", {WORKED, USES_H}),
    ("gradient: returns a list", "    return grad\n", "    return grad.tolist()\n",
     {WORKED, AUTOGRAD, QUADRATIC, USES_H}),
    ("gradient: f called on the flattened x", "        f_plus = f(x)\n", "        f_plus = f(x.ravel())\n",
     {AUTOGRAD, QUADRATIC, USES_H}),
]


@pytest.mark.parametrize("name,old,new,must_fail", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_mutant_loses_points_on_the_right_property(grade_mutant, name, old, new, must_fail):
    assert_loses_points(grade_mutant(name), must_fail, name)


def test_f_called_with_another_shape_is_explained(grade_mutant):
    failed = failed_checks(grade_mutant("gradient: f called on the flattened x"))
    assert "f expects an array of shape" in failed[AUTOGRAD].message, failed[AUTOGRAD].message
    assert any("f(x.ravel())" in line for line in failed[AUTOGRAD].details), failed[AUTOGRAD].details


def test_numerical_gradient_failure_shows_the_function(grade_mutant):
    check = failed_checks(grade_mutant("gradient: divided by h"))[AUTOGRAD]
    assert check.details and check.details[0].startswith("smallest failing input:\nnumerical_gradient(")
    assert "<function f(x) = " in check.details[0], check.details[0]


# (misconception id, mutant name from MUTANTS, the check that must name it)
MISCONCEPTION_MUTANTS = [
    ("ex09-sgd-ascent", "sgd: gradient ascent", WORKED),
    ("ex09-sgd-no-lr", "sgd: learning rate left out", WORKED),
    ("ex09-momentum-old-velocity", "momentum: w stepped with the old velocity", WORKED),
    ("ex09-momentum-lr-in-velocity", "momentum: lr inside the velocity", WORKED),
    ("ex09-momentum-step-in-velocity", "momentum: CS231n convention", WORKED),
    ("ex09-momentum-ema", "momentum: exponential average", WORKED),
    ("ex09-momentum-ascent", "momentum: gradient ascent", WORKED),
    ("ex09-gradient-forward-difference", "gradient: forward difference", WORKED),
    ("ex09-gradient-over-h", "gradient: divided by h", WORKED),
]


def test_every_ex09_misconception_has_a_mutant():
    assert set(misconception_ids(N)) == {m[0] for m in MISCONCEPTION_MUTANTS}


@pytest.mark.parametrize("ident,mutant,check", MISCONCEPTION_MUTANTS, ids=[m[0] for m in MISCONCEPTION_MUTANTS])
def test_misconception_mutant_gets_its_own_message(grade_mutant, ident, mutant, check):
    assert_misconception(grade_mutant(mutant), ident, {check})


def test_forward_difference_is_named_in_every_failing_gradient_check(grade_mutant):
    failed = failed_checks(grade_mutant("gradient: forward difference"))
    message = misconceptions.by_id("ex09-gradient-forward-difference").message
    for name in (AUTOGRAD, QUADRATIC, USES_H):
        assert failed[name].misconception == message, (name, failed[name].misconception)


# -- acceptable variations score full marks -----------------------------------------------------------------------
ALTERNATIVES = [
    ("restores x by arithmetic (x[i] += h, -= 2h, += h)", _CENTRAL_BODY, """        x[i] += h
        f_plus = f(x)
        x[i] -= 2 * h
        f_minus = f(x)
        x[i] += h
        grad[i] = (f_plus - f_minus) / (2 * h)
"""),
    ("works on copies of x", _CENTRAL_BODY, """        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        grad[i] = (f(xp) - f(xm)) / (2 * h)
"""),
    ("momentum in one expression, returns a list", _MOMENTUM_BODY + "    return w_new, velocity_new\n",
     "    return [w - lr * (momentum * velocity + grad), momentum * velocity + grad]\n"),
]


@pytest.mark.parametrize("name,old,new", ALTERNATIVES, ids=[a[0] for a in ALTERNATIVES])
def test_acceptable_variation_scores_full_marks(graded, name, old, new):
    assert_full_marks(graded(N, mutate(solution_source(N), old, new)))
