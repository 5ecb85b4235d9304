"""Checks for exercise 9: sgd_step(w, grad, lr) -> w_new, sgd_momentum_step(w, grad, velocity, lr, momentum=0.9)
-> (w_new, velocity_new), numerical_gradient(f, x, h=1e-5) -> grad; every array has w's (or x's) shape.

    sgd:       w_new = w - lr * grad
    momentum:  velocity_new = momentum * velocity + grad,  w_new = w - lr * velocity_new   (torch.optim.SGD)
    gradient:  grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h)   for every index i of x (central difference)

Ground truth: torch.optim.SGD (one Parameter, its .grad set by hand, optimizer.step()) and torch autograd.
numerical_gradient gets a Python function, which cannot cross the process boundary: the check sends the NAME of a
function from driver.FUNCTIONS (this exercise's driver.py), the driver builds it inside the student process and calls
the student, and the gradient comes back as plain data to be compared with autograd of the same function here.
"""
from __future__ import annotations

import numpy as np

from grader.checking.replay import truth_function
from grader.checking import (CheckFailed, Reference, describe, expect_array, for_all,
                             format_value, prefixed, run_once, st, truth)
from grader.checking.strategies import floats, small_ints
from grader.i18n import gettext as _
from grader.course.ex09_sgd.driver import ScalarFunction


# -- ground truth ---------------------------------------------------------------------------------------------
# torch.optim.sgd.sgd is the function torch.optim.SGD.step() runs on each parameter group. Constructing the SGD class
# imports torch._dynamo (seconds); the function does not. tests/test_ex09.py checks that both give the same numbers.
def _torch_sgd(params, grads, buffers, lr, momentum) -> None:
    from torch.optim.sgd import sgd

    sgd(params, grads, buffers, weight_decay=0.0, momentum=momentum, lr=lr, dampening=0.0, nesterov=False,
        maximize=False, foreach=False)


@truth_function
def sgd_truth(w, grad, lr) -> np.ndarray:
    """One step of torch.optim.SGD(lr=lr)."""
    p = truth.tensor(w).clone()
    _torch_sgd([p], [truth.tensor(grad)], [None], lr, 0.0)
    return p.numpy()


@truth_function
def momentum_truth(w, grads, lr, momentum=0.9, velocity=None) -> list[tuple[np.ndarray, np.ndarray]]:
    """(w, velocity) after each step of torch.optim.SGD(lr, momentum) fed ``grads`` one after the other.

    ``velocity`` None starts from zero the way torch does (its buffer becomes the first grad); otherwise the
    momentum buffer starts as ``velocity``, as when training resumes. With momentum 0 torch keeps no buffer (the
    step is plain SGD); the velocity is then what the formula gives, 0 * velocity + grad = grad.
    """
    p = truth.tensor(w).clone()
    buffers = [None if velocity is None else truth.tensor(velocity).clone()]
    out = []
    for g in grads:
        _torch_sgd([p], [truth.tensor(g)], buffers, lr, momentum)
        v = buffers[0].numpy().copy() if momentum else np.array(g, dtype=np.float64)
        out.append((p.numpy().copy(), v))
    return out


def momentum_step_truth(w, grad, velocity, lr, momentum=0.9) -> tuple[np.ndarray, np.ndarray]:
    """One step of torch.optim.SGD(lr, momentum) from the momentum buffer ``velocity``: (w_new, velocity_new)."""
    w_new, v_new = momentum_truth(w, [grad], lr, momentum, velocity)[0]
    return w_new, v_new


def _torch_function(name: str):
    torch = truth.torch()
    import torch.nn.functional as F

    return {
        "sum of squares": lambda x: (x * x).sum(),
        "sum of cubes": lambda x: (x * x * x).sum(),
        "quadratic form": lambda x, A, b: 0.5 * x.reshape(-1) @ truth.tensor(A) @ x.reshape(-1)
        + truth.tensor(b) @ x.reshape(-1),
        "sum of sin": lambda x: torch.sin(x).sum(),
        "log-sum-exp": lambda x: torch.logsumexp(x.reshape(-1), 0),
        "softmax cross-entropy": lambda x, labels: F.cross_entropy(
            x, torch.from_numpy(np.asarray(labels, dtype=np.int64))),
    }[name]


@truth_function
def torch_value(name: str, params: dict, x) -> float:
    """The function's value, computed with torch (tests check it equals the numpy version the student calls)."""
    return float(_torch_function(name)(truth.tensor(x), **params))


@truth_function
def autograd_gradient(name: str, params: dict, x) -> np.ndarray:
    """d f / d x by torch autograd, float64, x's shape."""
    xt = truth.tensor(x).requires_grad_(True)
    _torch_function(name)(xt, **params).backward()
    return xt.grad.numpy()


REFERENCE = Reference({"sgd_step": sgd_truth}, what="w_new")


# -- calling numerical_gradient through the driver ----------------------------------------------------------------
def numerical(student, name: str, params: dict, x: np.ndarray, h=None) -> tuple[object, object]:
    """(the student's gradient, x as it was after the call) for f = FUNCTIONS[name]; h None: the default."""
    shown = {"f": ScalarFunction(name, params, shape=x.shape), "x": x}
    if h is not None:
        shown["h"] = h
    reply = student.run_driver("run_numerical_gradient", name, params, x, h, fn="numerical_gradient", shown_as=shown)
    if not isinstance(reply, dict) or "grad" not in reply:  # only a tampered-with process gets here
        raise CheckFailed(_("numerical_gradient() could not be checked: the driver returned {description}").format(
            description=describe(reply)))
    student.answered(reply["grad"])
    if reply.get("returned"):
        raise CheckFailed(_("numerical_gradient() returned {returned}; expected the gradient, an ndarray of x's shape "
                            "{shape}").format(returned=reply["returned"], shape=tuple(x.shape)))
    return reply["grad"], reply.get("x")


# -- pinned examples ----------------------------------------------------------------------------------------------
# (label, function, kwargs, answer); the answers are pinned here and re-checked against torch in tests/test_ex09.py.
SGD_EXAMPLES = (
    ("the slides' W5 = 0.6, dE/dW5 = 0.25, lambda = 0.1", "sgd_step",
     dict(w=np.array([0.6]), grad=np.array([0.25]), lr=0.1), np.array([0.575])),
)
# kwargs: w, the gradients fed one after the other, lr, momentum; answer: (w, velocity) after each step
MOMENTUM_EXAMPLES = (
    ("three momentum steps from w = [1, 2]", "sgd_momentum_step",
     dict(w=np.array([1.0, 2.0]), grads=[np.array([1.0, -1.0]), np.array([0.5, 0.5]), np.array([2.0, 0.0])], lr=0.1,
          momentum=0.9),
     ((np.array([0.9, 2.1]), np.array([1.0, -1.0])), (np.array([0.76, 2.14]), np.array([1.4, -0.4])),
      (np.array([0.434, 2.176]), np.array([3.26, -0.36])))),
)
# kwargs: the driver's (name of the function f, its params, x, h); answer: the central difference with that h.
# The stub's two examples: sum(x**2) (a quadratic: exact whatever h), sum(x**3) with h = 0.1 (3x**2 + h**2).
SQUARES_EXAMPLE = ("sum(x**2) at [0.6, -1.0], h = 1e-4", "numerical_gradient",
                   dict(name="sum of squares", params={}, x=np.array([0.6, -1.0]), h=1e-4), np.array([1.2, -2.0]))
CUBES_EXAMPLE = ("sum(x**3) at [1, 2], h = 0.1", "numerical_gradient",
                 dict(name="sum of cubes", params={}, x=np.array([1.0, 2.0]), h=0.1), np.array([3.01, 12.01]))
GRADIENT_EXAMPLES = (SQUARES_EXAMPLE, CUBES_EXAMPLE)
# h left out: the signature's default h = 1e-5. At x = 0 the central difference of sum(x**3) is h**2 = 1e-10 exactly
# (no cancellation: f(x +- h e_i) = +-h**3), so the step used shows: 2e-5 would give 4e-10.
DEFAULT_H_EXAMPLE = ("sum(x**3) at [0, 0, 0] with h left out (the default h = 1e-5)", "numerical_gradient",
                     dict(name="sum of cubes", params={}, x=np.zeros(3), h=None), np.full(3, 1e-10))


def _expect_pair(got, w_expected, v_expected, step: int) -> None:
    """got must be (w_new, velocity_new) close to the expected pair."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise CheckFailed(_("sgd_momentum_step() returned {description}; expected a tuple (w_new, velocity_new)").format(
            description=describe(got)))
    expect_array(got[0], w_expected, what=_("w after step {step}").format(step=step))
    expect_array(got[1], v_expected, what=_("velocity after step {step}").format(step=step))


def _momentum_sequence(student, w, grads, lr, momentum=None, velocity=None, expected=None) -> None:
    """Feed grads one by one, from the given (or a zero) velocity; compare with ``expected`` (default: torch) after
    every step. momentum None: the default (0.9), not passed."""
    kwargs = {} if momentum is None else {"momentum": momentum}
    if expected is None:
        expected = momentum_truth(w, grads, lr, 0.9 if momentum is None else momentum, velocity)
    v = np.zeros_like(w) if velocity is None else velocity
    for step, (g, (w_next, v_next)) in enumerate(zip(grads, expected), start=1):
        got = student.call("sgd_momentum_step", w=w, grad=g, velocity=v, lr=lr, **kwargs)
        _expect_pair(got, w_next, v_next, step)
        w, v = w_next, v_next


def _expect_gradient(student, name, params, x, h, expected, tol=None, note: str = "") -> None:
    """The student's gradient must be close to ``expected``; ``note`` is added to a wrong-values message."""
    grad, _ = numerical(student, name, params, x, h)
    try:
        expect_array(grad, expected, what="the numerical gradient", **(tol or {}))
    except CheckFailed as failure:
        if note and "differs from the expected values" in failure.summary:
            failure.summary += f" ({note})"
        raise


# -- random inputs ------------------------------------------------------------------------------------------------
LEARNING_RATES = (0.1, 0.01, 0.5, 0.05)   # never 1: with lr = 1 some other conventions give torch's numbers
MOMENTA = (None, 0.9, 0.5, 0.99)          # None: the default (0.9)


def _shapes():
    """Any shape: 1 to 3 axes of 1 to 3."""
    return st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple)


@st.composite
def sgd_cases(draw):
    shape = draw(_shapes())
    return {"w": draw(small_ints(shape)), "grad": draw(small_ints(shape)), "lr": draw(st.sampled_from(LEARNING_RATES))}


@st.composite
def momentum_cases(draw):
    """w, a list of 2-4 gradients, lr, momentum (None = default) and a starting velocity (None = zeros)."""
    shape = draw(_shapes())
    steps = draw(st.integers(2, 4))
    return {"w": draw(small_ints(shape)), "grads": [draw(small_ints(shape)) for _ in range(steps)],
            "lr": draw(st.sampled_from(LEARNING_RATES)), "momentum": draw(st.sampled_from(MOMENTA)),
            "velocity": draw(st.one_of(st.none(), small_ints(shape)))}


@st.composite
def momentum_step_cases(draw):
    """The arguments of one sgd_momentum_step call: w, grad, velocity, lr and (sometimes) momentum."""
    case = draw(momentum_cases())
    step = {"w": case["w"], "grad": case["grads"][0], "lr": case["lr"],
            "velocity": np.zeros_like(case["w"]) if case["velocity"] is None else case["velocity"]}
    if case["momentum"] is not None:
        step["momentum"] = case["momentum"]
    return step


@st.composite
def smooth_cases(draw):
    """(name, params, x, h) for the non-polynomial functions; h None means the default 1e-5."""
    name = draw(st.sampled_from(("sum of sin", "log-sum-exp", "softmax cross-entropy")))
    if name == "softmax cross-entropy":
        n, k = draw(st.integers(1, 3)), draw(st.integers(2, 4))
        x = draw(floats((n, k), 3.0))
        params = {"labels": np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)), np.int64)}
    else:
        x, params = draw(floats(draw(_shapes()), 3.0)), {}
    return name, params, x, draw(st.sampled_from((None, 1e-4, 1e-6)))


@st.composite
def separable_cases(draw):
    """(name, params, x, h) for sum(x**2) and sum(sin(x)): each entry's difference quotient sees only that entry, so
    a gradient can be right although x was left changed (which the restores-x check then sees)."""
    name = draw(st.sampled_from(("sum of sin", "sum of squares")))
    return name, {}, draw(floats(draw(_shapes()), 3.0)), draw(st.sampled_from((None, 1e-4, 1e-6)))


@st.composite
def quadratic_cases(draw):
    """(name, params, x, h): a positive definite quadratic form (or sum(x**2)) and a LARGE step h."""
    shape = draw(_shapes())
    size = int(np.prod(shape))
    if draw(st.booleans()):
        m = draw(small_ints((size, size), -2, 2))
        params = {"A": m @ m.T + np.eye(size), "b": draw(small_ints((size,)))}
        name = "quadratic form"
    else:
        name, params = "sum of squares", {}
    return name, params, draw(small_ints(shape)), draw(st.sampled_from((0.1, 0.5, 1.0)))


# Every branch the strategies draw, in fixed cases run after the generated ones (the random draws, which depend on
# the hidden-input secret, need not meet them all): the default momentum and each other (0, the edge of [0, 1),
# included), a velocity that starts at zero and one that does not, 1 to 3 axes; each smooth function with the
# default h and with a given one.
def momentum_tour() -> list[dict]:
    rng = np.random.default_rng(9)
    cases = []
    for shape, momentum, resumed in (((3,), None, False), ((2, 2), 0.5, True), ((2, 1, 2), 0.99, False),
                                     ((1, 3), 0.9, True), ((2,), 0.0, True)):
        cases.append({"w": rng.integers(-4, 5, shape).astype(np.float64),
                      "grads": [rng.integers(-4, 5, shape).astype(np.float64) for _ in range(3)],
                      "lr": 0.05, "momentum": momentum,
                      "velocity": rng.integers(-4, 5, shape).astype(np.float64) if resumed else None})
    return cases


def gradient_tour() -> list[tuple]:
    """(name, params, x, h) rows: each smooth function with h left out (None) and with a given h."""
    rng = np.random.default_rng(9)
    rows = []
    for name, h in (("sum of sin", None), ("sum of sin", 1e-4), ("log-sum-exp", None), ("log-sum-exp", 1e-6),
                    ("softmax cross-entropy", None), ("softmax cross-entropy", 1e-4)):
        if name == "softmax cross-entropy":
            rows.append((name, {"labels": np.array([2, 0], np.int64)}, np.round(rng.uniform(-3, 3, (2, 3)), 2), h))
        else:
            rows.append((name, {}, np.round(rng.uniform(-3, 3, (2, 1, 2) if h is None else (3,)), 2), h))
    return rows


# -- checks -------------------------------------------------------------------------------------------------------
def _expect_step(got, expected, what=None) -> None:
    _expect_pair(got, *expected, step=1)


MOMENTUM = Reference({"sgd_momentum_step": momentum_step_truth}, expect=_expect_step)
SMOOTH_TOLERANCE = dict(rtol=1e-6, atol=1e-7)   # a central difference with h from 1e-6 to 1e-4, on smooth functions


def sgd_matches_torch(student):
    REFERENCE.pinned(student, SGD_EXAMPLES, prefix="example")
    REFERENCE.for_all(student, "sgd_step", sgd_cases(), examples=25)


def sgd_inputs_unchanged(student):
    REFERENCE.inputs_unchanged(student, "sgd_step", sgd_cases(), examples=6, advice="return a new array instead")


def momentum_matches_torch(student):
    def worked():
        for label, _fn, kwargs, answer in MOMENTUM_EXAMPLES:
            with prefixed(_("{prefix} '{label}': ").format(prefix=_("example"), label=_(label))):
                _momentum_sequence(student, **kwargs, expected=answer)
    run_once(worked, student)

    def body(case):
        _momentum_sequence(student, case["w"], case["grads"], case["lr"], case["momentum"], case["velocity"])
    for_all(body, momentum_cases(), student=student, examples=25)

    def toured():
        for k, case in enumerate(momentum_tour(), start=1):
            momentum = "left out" if case["momentum"] is None else case["momentum"]
            velocity = _("from zero") if case["velocity"] is None else _("given")
            with prefixed(_("case {number} (momentum {momentum}, velocity {velocity}): ").format(
                    number=k, momentum=momentum, velocity=velocity)):
                body(case)
    run_once(toured, student)


def momentum_inputs_unchanged(student):
    MOMENTUM.inputs_unchanged(student, "sgd_momentum_step", momentum_step_cases(), examples=6,
                              advice="return new arrays instead")


def _pinned_gradient(student, example, tol=None, note: str = "") -> None:
    label, _fn, kwargs, answer = example

    def body():
        with prefixed(_("{prefix} '{label}': ").format(prefix=_("example"), label=_(label))):
            _expect_gradient(student, **kwargs, expected=answer, tol=tol or dict(rtol=1e-7), note=note)
    run_once(body, student)


def gradient_matches_autograd(student):
    def body(case):
        name, params, x, h = case
        _expect_gradient(student, name, params, x, h, autograd_gradient(name, params, x), SMOOTH_TOLERANCE,
                         "a central difference with h from 1e-6 to 1e-4 is within about 1e-8 of the true gradient here")
    for_all(body, smooth_cases(), student=student, examples=20)

    def toured():
        for case in gradient_tour():
            with prefixed(_("case f(x) = {f}, h {h}: ").format(f=case[0], h=case[3] or _("left out"))):
                body(case)
    run_once(toured, student)


def gradient_exact_on_quadratics(student):
    _pinned_gradient(student, SQUARES_EXAMPLE)

    def body(case):
        name, params, x, h = case
        _expect_gradient(student, name, params, x, h, autograd_gradient(name, params, x), dict(rtol=1e-7, atol=1e-7),
                         f"h = {h}: on a quadratic function the central difference is exact, whatever h")
    for_all(body, quadratic_cases(), student=student, examples=15)


def gradient_uses_h(student):
    _pinned_gradient(student, CUBES_EXAMPLE, note="the central difference of x**3 with step h is exactly "
                     "3x**2 + h**2: use the h you are given")
    _pinned_gradient(student, DEFAULT_H_EXAMPLE, tol=dict(rtol=1e-6, atol=1e-13),
                     note="called without h, numerical_gradient must use the signature's default h = 1e-5; the "
                          "central difference of sum(x**3) at 0 is then exactly h**2 = 1e-10")

    def body(case):
        x, h = case
        expected = autograd_gradient("sum of cubes", {}, x) + h * h
        _expect_gradient(student, "sum of cubes", {}, x, h, expected, dict(rtol=1e-7, atol=1e-7),
                         f"for f(x) = sum(x**3) the central difference with step h is exactly 3x**2 + h**2, so "
                         f"{h * h:g} above the true gradient with h = {h}: use the h you are given")
    for_all(body, st.tuples(_shapes().flatmap(small_ints), st.sampled_from((0.1, 0.3, 0.02))), student=student,
            examples=10)


def gradient_restores_x(student):
    """x as it was after the call, judged only on calls that returned the right gradient (a wrong one is the value
    checks' business); fails when no call could be judged, so that code which computes nothing cannot pass it."""
    judged = []

    def body(case):
        name, params, x, h = case
        before = x.copy()
        try:
            grad, after = numerical(student, name, params, x, h)
            expect_array(grad, autograd_gradient(name, params, before), **SMOOTH_TOLERANCE)
        except CheckFailed as failure:
            if failure.kind in (None, "raised"):
                return
            raise
        judged.append(name)
        if not (isinstance(after, np.ndarray) and after.shape == before.shape
                and np.allclose(after, before, rtol=1e-12, atol=1e-12)):
            raise CheckFailed(_("numerical_gradient() left x changed: put every entry back after nudging it "
                                "(save old = x[i], then restore x[i] = old), or work on a copy"),
                              _("x before:") + f"\n{format_value(before)}", _("x after:") + f"\n{format_value(after)}")
    for_all(body, st.one_of(separable_cases(), smooth_cases()), student=student, examples=10)
    if not judged:
        raise CheckFailed(_("numerical_gradient() returned no correct gradient on these inputs, so whether x stays "
                            "as it was could not be judged"))
