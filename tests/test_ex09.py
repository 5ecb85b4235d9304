"""Exercise 9: the ground truth is torch.optim.SGD and autograd, pinned answers agree with it, realistic wrong
versions lose the right points, each named mistake is shown for the mutant that makes it (and for no other), and
acceptable variations score full marks."""
import inspect

import numpy as np
import pytest

from conftest import (EXERCISES, assert_full_marks, check_mutant, failed_checks, load_module, misconception_ids,
                      mutant, mutant_params, mutate, solution_source)
from grader.checking.student import CallRecord
from grader.course.ex09_sgd import checks as ex09
from grader.course.ex09_sgd.driver import FUNCTIONS, ScalarFunction
from grader.course.ex09_sgd.mistakes import MISTAKES

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
    for label, fn, kwargs, answer in ex09.SGD_EXAMPLES:
        assert fn == "sgd_step"
        np.testing.assert_allclose(_torch_optim_sgd(kwargs["w"], [kwargs["grad"]], kwargs["lr"], 0.0)[0][0], answer,
                                   rtol=1e-15, err_msg=label)
    for label, fn, kwargs, answer in ex09.MOMENTUM_EXAMPLES:
        assert fn == "sgd_momentum_step" and len(answer) == len(kwargs["grads"])
        steps = _torch_optim_sgd(kwargs["w"], kwargs["grads"], kwargs["lr"], kwargs["momentum"])
        for (w, v), (w_answer, v_answer) in zip(steps, answer):
            np.testing.assert_allclose(w, w_answer, rtol=1e-14, err_msg=label)
            np.testing.assert_allclose(v, v_answer, rtol=1e-14, err_msg=label)
    # the numerical-gradient examples: 2x exactly; 3x**2 + h**2 (the central difference of x**3) = autograd + h**2
    for label, fn, kwargs, answer in ex09.GRADIENT_EXAMPLES:
        assert fn == "numerical_gradient"
        name, params, x, h = kwargs["name"], kwargs["params"], kwargs["x"], kwargs["h"]
        expected = ex09.autograd_gradient(name, params, x) + (h * h if name == "sum of cubes" else 0.0)
        np.testing.assert_allclose(expected, answer, rtol=1e-15, err_msg=label)
        f = ScalarFunction(name, params, shape=x.shape)
        np.testing.assert_allclose(MISTAKES.right[fn](f, x, h), answer, rtol=1e-9, err_msg=label)


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

# mutant(name, old snippet of the reference, replacement, checks that must fail, named mistake, checks showing it)
MUTANTS = [
    mutant("sgd: gradient ascent", "return w - lr * grad", "return w + lr * grad", {WORKED, SGD}, "ex09-sgd-ascent",
           {WORKED}),
    mutant("sgd: learning rate left out", "return w - lr * grad", "return w - grad", {WORKED, SGD}, "ex09-sgd-no-lr",
           {WORKED}),
    mutant("sgd: updates w in place", "    return w - lr * grad", "    w -= lr * grad\n    return w", {INPUTS}),
    mutant("momentum: w stepped with the old velocity", _MOMENTUM_BODY,
           "    w_new = w - lr * velocity\n    velocity_new = momentum * velocity + grad\n", {WORKED, MOMENTUM},
           "ex09-momentum-old-velocity", {WORKED}),
    mutant("momentum: lr inside the velocity", _MOMENTUM_BODY,
           "    velocity_new = momentum * velocity + lr * grad\n    w_new = w - velocity_new\n", {WORKED, MOMENTUM},
           "ex09-momentum-lr-in-velocity", {WORKED}),
    mutant("momentum: CS231n convention", _MOMENTUM_BODY,
           "    velocity_new = momentum * velocity - lr * grad\n    w_new = w + velocity_new\n", {WORKED, MOMENTUM},
           "ex09-momentum-step-in-velocity", {WORKED}),
    mutant("momentum: exponential average", "    velocity_new = momentum * velocity + grad",
           "    velocity_new = momentum * velocity + (1 - momentum) * grad", {WORKED, MOMENTUM}, "ex09-momentum-ema",
           {WORKED}),
    mutant("momentum: gradient ascent", "    w_new = w - lr * velocity_new", "    w_new = w + lr * velocity_new",
           {WORKED, MOMENTUM}, "ex09-momentum-ascent", {WORKED}),
    mutant("momentum: argument ignored", "    velocity_new = momentum * velocity + grad",
           "    velocity_new = 0.9 * velocity + grad", {MOMENTUM}),
    mutant("momentum: returns (velocity, w)", "return w_new, velocity_new", "return velocity_new, w_new",
           {WORKED, MOMENTUM}),
    mutant("momentum: returns only w", "return w_new, velocity_new", "return w_new", {WORKED, MOMENTUM}),
    mutant("momentum: velocity updated in place", "    velocity_new = momentum * velocity + grad\n",
           "    velocity *= momentum\n    velocity += grad\n    velocity_new = velocity\n", {INPUTS}),
    # the forward difference is named on every failing gradient check, not only on the worked examples
    mutant("gradient: forward difference", _CENTRAL_BODY, _FORWARD_BODY, {WORKED, AUTOGRAD, QUADRATIC, USES_H},
           "ex09-gradient-forward-difference", {WORKED, AUTOGRAD, QUADRATIC, USES_H}),
    mutant("gradient: divided by h", "/ (2 * h)", "/ h", {WORKED, AUTOGRAD, QUADRATIC, USES_H}, "ex09-gradient-over-h",
           {WORKED}),
    mutant("gradient: x never restored", "        x[i] = old\n        grad[i]", "        grad[i]",
           {RESTORES, AUTOGRAD}),
    mutant("gradient: h ignored", "    grad = np.zeros(np.shape(x), dtype=np.float64)\n",
           "    h = 1e-5\n    grad = np.zeros(np.shape(x), dtype=np.float64)\n", {WORKED, USES_H}),
    mutant("gradient: returns a list", "    return grad\n", "    return grad.tolist()\n",
           {WORKED, AUTOGRAD, QUADRATIC, USES_H}),
    mutant("gradient: f called on the flattened x", "        f_plus = f(x)\n", "        f_plus = f(x.ravel())\n",
           {AUTOGRAD, QUADRATIC, USES_H}),
]


@mutant_params(MUTANTS)
def test_mutant_loses_points_on_the_right_check(graded, m):
    check_mutant(graded, N, m)


def test_every_ex09_misconception_has_a_mutant():
    assert set(misconception_ids(N)) == {m.mistake for m in MUTANTS if m.mistake}


def test_f_called_with_another_shape_is_explained(grade_mutant):
    failed = failed_checks(grade_mutant("gradient: f called on the flattened x"))
    assert "f expects an array of shape" in failed[AUTOGRAD].message, failed[AUTOGRAD].message
    assert any("f(x.ravel())" in line for line in failed[AUTOGRAD].details), failed[AUTOGRAD].details


def test_numerical_gradient_failure_shows_the_function(grade_mutant):
    check = failed_checks(grade_mutant("gradient: divided by h"))[AUTOGRAD]
    assert check.details and check.details[0].startswith("smallest failing input:\nnumerical_gradient(")
    assert "<function f(x) = " in check.details[0], check.details[0]


# -- the named mistakes ---------------------------------------------------------------------------------------------
def test_right_answers_have_the_stub_signatures():
    """MISTAKES.right binds a failing call's arguments: it must take exactly the student function's parameters."""
    stub = load_module(N, EXERCISES)
    for fn, right in MISTAKES.right.items():
        assert list(inspect.signature(right).parameters.values()) == \
            list(inspect.signature(getattr(stub, fn)).parameters.values()), fn


@pytest.mark.parametrize("fn,kwargs", [
    ("sgd_step", dict(w=np.array([1.0, -2.0]), grad=np.array([0.5, 3.0]), lr=0.1)),
    ("sgd_momentum_step", dict(w=np.array([1.0, -2.0]), grad=np.array([0.5, 3.0]), velocity=np.array([1.0, 2.0]),
                               lr=0.1)),
    ("sgd_momentum_step", dict(w=np.array([[1.0]]), grad=np.array([[2.0]]), velocity=np.array([[-1.0]]), lr=0.5,
                               momentum=0.5)),
    ("numerical_gradient", dict(f=ScalarFunction("sum of sin", {}, shape=(3,)), x=np.array([0.1, 1.0, -2.0]))),
    ("numerical_gradient", dict(f=ScalarFunction("sum of cubes", {}, shape=(2,)), x=np.array([1.0, 2.0]), h=0.1)),
])
def test_each_entry_names_its_own_answer_and_the_right_answer_names_nothing(fn, kwargs):
    arguments = MISTAKES.bind(fn, (), kwargs)
    assert MISTAKES.diagnose(CallRecord(fn, (), kwargs, MISTAKES.right[fn](**arguments))) is None
    entries = [entry for entry in MISTAKES.entries if entry.function == fn]
    assert entries
    for entry in entries:
        assert MISTAKES.diagnose(CallRecord(fn, (), kwargs, entry.wrong(**arguments))) == entry.message, entry.id


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
