"""Exercise 9: the ground truth is torch.optim.SGD and autograd, pinned answers agree with it, realistic wrong
versions lose the right points (one mistake, the check named after it), each named mistake is shown for the mutant
that makes it (and for no other), finished functions earn their points while another is a TODO, trivial submissions
earn nothing, and acceptable variations score full marks."""
import inspect

import numpy as np
import pytest

from conftest import (EXERCISES, TRIVIAL_BODIES, assert_earns_its_own_points_only, assert_earns_nothing,
                      assert_full_marks, assert_misconception, assert_one_function_per_check, check_mutant,
                      failed_checks, generated_cases, load_module, misconception_ids, mutant, mutant_params, mutate,
                      solution_source, trivial_source, with_reference_functions)
from grader import course
from grader.checking.student import CallRecord
from grader.course.ex09_sgd import checks as ex09
from grader.course.ex09_sgd.driver import FUNCTIONS, ScalarFunction
from grader.course.ex09_sgd.mistakes import MISTAKES

N = 9

# check names, by the function that runs each check
NAME = {c.run: c.name for c in course.get(N).checks}
SGD, SGD_UNCHANGED = NAME["sgd_matches_torch"], NAME["sgd_inputs_unchanged"]
MOMENTUM, MOMENTUM_UNCHANGED = NAME["momentum_matches_torch"], NAME["momentum_inputs_unchanged"]
AUTOGRAD, QUADRATIC = NAME["gradient_matches_autograd"], NAME["gradient_exact_on_quadratics"]
USES_H, RESTORES = NAME["gradient_uses_h"], NAME["gradient_restores_x"]
GRADIENT_VALUES = {AUTOGRAD, QUADRATIC, USES_H}


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
    for label, fn, kwargs, answer in ex09.GRADIENT_EXAMPLES + (ex09.DEFAULT_H_EXAMPLE,):
        assert fn == "numerical_gradient"
        name, params, x, h = kwargs["name"], kwargs["params"], kwargs["x"], kwargs["h"]
        step = 1e-5 if h is None else h
        expected = ex09.autograd_gradient(name, params, x) + (step * step if name == "sum of cubes" else 0.0)
        np.testing.assert_allclose(expected, answer, rtol=1e-15, err_msg=label)
        f = ScalarFunction(name, params, shape=x.shape)
        right = MISTAKES.right[fn](f, x) if h is None else MISTAKES.right[fn](f, x, h)
        np.testing.assert_allclose(right, answer, rtol=1e-9, err_msg=label)


def test_the_default_step_shows_in_the_default_h_example():
    """At x = 0 the central difference of sum(x**3) is h**2 with no rounding to speak of: 1e-10 for the default
    step, 4e-10 for 2e-5, 1e-12 for 1e-6, each far outside the check's tolerance (atol 1e-13)."""
    _, _, kwargs, answer = ex09.DEFAULT_H_EXAMPLE
    f = ScalarFunction("sum of cubes", {}, shape=kwargs["x"].shape)
    for h in (2e-5, 1e-6, 1e-4):
        assert np.abs(MISTAKES.right["numerical_gradient"](f, kwargs["x"], h) - answer).max() > 1e-11, h
    assert np.abs(MISTAKES.right["numerical_gradient"](f, kwargs["x"]) - answer).max() < 1e-16


def test_momentum_zero_is_plain_sgd_and_its_velocity_the_gradient():
    """torch keeps no momentum buffer at momentum 0; the stub's formula gives velocity_new = grad."""
    w, g, v = np.array([1.0, -2.0]), np.array([0.5, 3.0]), np.array([4.0, 4.0])
    (w_new, v_new), = ex09.momentum_truth(w, [g], 0.1, 0.0, v)
    np.testing.assert_array_equal(w_new, _torch_optim_sgd(w, [g], 0.1, 0.0)[0][0])
    np.testing.assert_array_equal(v_new, g)


def test_one_momentum_step_is_the_first_of_a_sequence():
    rng = np.random.default_rng(3)
    w, g, v = rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    w_new, v_new = ex09.momentum_step_truth(w, g, v, 0.1, 0.5)
    np.testing.assert_allclose(v_new, 0.5 * v + g, rtol=1e-15)
    np.testing.assert_allclose(w_new, w - 0.1 * (0.5 * v + g), rtol=1e-15)


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


# -- the generated cases reach every branch -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def generated():
    """Every check's generated cases, as the reference meets them, by check name."""
    return generated_cases(N)


def test_the_momentum_cases_reach_every_branch(generated):
    """The tour alone reaches every branch (whatever the secret draws); the generated cases too, on these seeds."""
    toured = (ex09.momentum_tour(), {None, 0.0, 0.5, 0.9, 0.99})   # 0: the edge of "momentum in [0, 1)"
    for cases, momenta in (toured, (generated[MOMENTUM], set(ex09.MOMENTA))):
        assert {case["momentum"] for case in cases} == momenta
        assert {case["velocity"] is None for case in cases} == {True, False}
        assert {case["w"].ndim for case in cases} == {1, 2, 3}
    assert all(case["momentum"] != 1 and case["lr"] != 1 for case in generated[MOMENTUM])


def test_the_gradient_cases_reach_every_branch(generated):
    for cases in (ex09.gradient_tour(), generated[AUTOGRAD]):
        assert {name for name, _, _, _ in cases} == {"sum of sin", "log-sum-exp", "softmax cross-entropy"}
        assert {h is None for _, _, _, h in cases} == {True, False}
        assert {x.ndim for name, _, x, _ in cases if name != "softmax cross-entropy"} >= {1, 3}
    assert {name for name, _, _, _ in generated[QUADRATIC]} == {"quadratic form", "sum of squares"}
    assert {name for name, _, _, _ in generated[RESTORES]} >= {"sum of sin", "sum of squares", "log-sum-exp"}
    assert {x.ndim for x, _ in generated[USES_H]} == {1, 2, 3}


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
_SGD = "    return w - lr * grad\n"

# mutant(name, old snippet of the reference, replacement, checks that must fail, named mistake, checks showing it):
# a mutant fails exactly the checks its row lists (besides hygiene checks of a function none of whose value checks
# passed); with a named mistake it shows it on every check in shown_on and no other message anywhere, without one it
# is shown no message at all.
MUTANTS = [
    mutant("sgd: gradient ascent", _SGD, "    return w + lr * grad\n", {SGD}, "ex09-sgd-ascent", {SGD}),
    mutant("sgd: learning rate left out", _SGD, "    return w - grad\n", {SGD}, "ex09-sgd-no-lr", {SGD}),
    mutant("sgd: updates w in place", _SGD, "    w -= lr * grad\n    return w\n", {SGD_UNCHANGED}),
    mutant("momentum: w stepped with the old velocity", _MOMENTUM_BODY,
           "    w_new = w - lr * velocity\n    velocity_new = momentum * velocity + grad\n", {MOMENTUM},
           "ex09-momentum-old-velocity", {MOMENTUM}),
    mutant("momentum: lr inside the velocity", _MOMENTUM_BODY,
           "    velocity_new = momentum * velocity + lr * grad\n    w_new = w - velocity_new\n", {MOMENTUM},
           "ex09-momentum-lr-in-velocity", {MOMENTUM}),
    mutant("momentum: CS231n convention", _MOMENTUM_BODY,
           "    velocity_new = momentum * velocity - lr * grad\n    w_new = w + velocity_new\n", {MOMENTUM},
           "ex09-momentum-step-in-velocity", {MOMENTUM}),
    mutant("momentum: exponential average", "    velocity_new = momentum * velocity + grad",
           "    velocity_new = momentum * velocity + (1 - momentum) * grad", {MOMENTUM}, "ex09-momentum-ema",
           {MOMENTUM}),
    mutant("momentum: gradient ascent", "    w_new = w - lr * velocity_new", "    w_new = w + lr * velocity_new",
           {MOMENTUM}, "ex09-momentum-ascent", {MOMENTUM}),
    mutant("momentum: argument ignored", "    velocity_new = momentum * velocity + grad",
           "    velocity_new = 0.9 * velocity + grad", {MOMENTUM}),
    mutant("momentum: returns (velocity, w)", "return w_new, velocity_new", "return velocity_new, w_new", {MOMENTUM}),
    mutant("momentum: returns only w", "return w_new, velocity_new", "return w_new", {MOMENTUM}),
    mutant("momentum: velocity updated in place", "    velocity_new = momentum * velocity + grad\n",
           "    velocity *= momentum\n    velocity += grad\n    velocity_new = velocity\n", {MOMENTUM_UNCHANGED}),
    mutant("momentum: w updated in place", "    w_new = w - lr * velocity_new\n",
           "    w -= lr * velocity_new\n    w_new = w\n", {MOMENTUM_UNCHANGED}),
    # the forward difference is named on every failing gradient check
    mutant("gradient: forward difference", _CENTRAL_BODY, _FORWARD_BODY, GRADIENT_VALUES,
           "ex09-gradient-forward-difference", GRADIENT_VALUES),
    mutant("gradient: divided by h", "/ (2 * h)", "/ h", GRADIENT_VALUES, "ex09-gradient-over-h", {QUADRATIC, USES_H}),
    # wrong gradients of the functions that mix the entries of x (log-sum-exp, a quadratic form); separable ones
    # (sum of sin) still get the right gradient, and the hygiene check judges those calls
    mutant("gradient: x never restored", "        x[i] = old\n        grad[i]", "        grad[i]",
           {RESTORES, AUTOGRAD, QUADRATIC}),
    mutant("gradient: h ignored", "    grad = np.zeros(np.shape(x), dtype=np.float64)\n",
           "    h = 1e-5\n    grad = np.zeros(np.shape(x), dtype=np.float64)\n", {USES_H}),
    mutant("gradient: another default h", "def numerical_gradient(f, x, h=1e-5):",
           "def numerical_gradient(f, x, h=1e-4):", {USES_H}),
    mutant("gradient: returns a list", "    return grad\n", "    return grad.tolist()\n", GRADIENT_VALUES),
    mutant("gradient: f called on the flattened x", "        f_plus = f(x)\n", "        f_plus = f(x.ravel())\n",
           GRADIENT_VALUES),
    mutant("gradient: works on x in float32", "    for i in np.ndindex(grad.shape):\n",
           "    x = x.astype(np.float32)\n    for i in np.ndindex(grad.shape):\n", GRADIENT_VALUES),
]


@mutant_params(MUTANTS)
def test_mutant_loses_points_on_the_right_check(graded, m):
    result = check_mutant(graded, N, m)
    if m.mistake is None:
        assert_misconception(result, None)  # a mutant without a named mistake is shown none
    judged = {name for name, c in failed_checks(result).items() if "earned once" not in c.message}
    assert judged == m.must_fail | m.shown_on, sorted(judged)


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


def test_x_left_changed_is_shown_before_and_after(grade_mutant):
    check = failed_checks(grade_mutant("gradient: x never restored"))[RESTORES]
    assert "numerical_gradient() left x changed" in check.message, check.message
    assert any(line.startswith("x before:") for line in check.details), check.details


def test_another_default_h_is_told_to_keep_the_signature(grade_mutant):
    check = failed_checks(grade_mutant("gradient: another default h"))[USES_H]
    assert "h left out" in check.message and "default h = 1e-5" in check.message, check.message


def test_the_hint_shown_is_the_failed_checks(grade_mutant):
    """w updated in place fails sgd_momentum_step's hygiene check only: its hint is shown, not the exercise's first."""
    result = grade_mutant("momentum: w updated in place")
    assert set(failed_checks(result)) == {MOMENTUM_UNCHANGED}
    assert result.hint == next(c.hint for c in course.get(N).checks if c.name == MOMENTUM_UNCHANGED)


# -- per function: a finished function earns its points while the others are TODOs ------------------------------------
def test_every_check_judges_one_function_and_hygiene_comes_with_a_value_check():
    assert_one_function_per_check(N, 15)
    for fn in course.get(N).functions:
        assert len([c for c in course.get(N).checks if c.function == fn and c.hygiene]) == 1, fn


@pytest.mark.parametrize("fn", ["sgd_step", "sgd_momentum_step", "numerical_gradient"])
def test_a_finished_function_earns_its_points_while_the_others_are_todo(graded, fn):
    assert_earns_its_own_points_only(graded(N, with_reference_functions(N, [fn])), fn)


# -- submissions that compute nothing useful earn nothing -------------------------------------------------------------
TRIVIAL = {**TRIVIAL_BODIES, "returns x (numerical_gradient) or w": "return x if callable({first}) else {first}",
           "returns zeros of x's (or w's) shape": "return np.zeros_like(x if callable({first}) else {first})"}


@pytest.mark.parametrize("body", TRIVIAL.values(), ids=list(TRIVIAL))
def test_trivial_submissions_earn_nothing(graded, body):
    assert_earns_nothing(graded(N, trivial_source(N, body)))


def test_returning_f_itself_is_said_in_words(graded):
    result = graded(N, trivial_source(N, "return {first}"))
    check = failed_checks(result)[AUTOGRAD]
    assert check.message == "numerical_gradient() returned the function f itself; expected the gradient, an ndarray " \
        "of x's shape (1,)", check.message


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
    ("nudges a float copy of x through .flat", _CENTRAL_BODY, """        xp = np.array(x, dtype=np.float64)
        xp.flat[np.ravel_multi_index(i, x.shape)] += h
        f_plus = f(xp)
        xp.flat[np.ravel_multi_index(i, x.shape)] -= 2 * h
        f_minus = f(xp)
        grad[i] = (f_plus - f_minus) / (2 * h)
"""),
    ("sgd with np.subtract into a new array", _SGD, "    return np.subtract(w, lr * grad)\n"),
    ("momentum in one expression, returns a list", _MOMENTUM_BODY + "    return w_new, velocity_new\n",
     "    return [w - lr * (momentum * velocity + grad), momentum * velocity + grad]\n"),
]


@pytest.mark.parametrize("name,old,new", ALTERNATIVES, ids=[a[0] for a in ALTERNATIVES])
def test_acceptable_variation_scores_full_marks(graded, name, old, new):
    assert_full_marks(graded(N, mutate(solution_source(N), old, new)))
