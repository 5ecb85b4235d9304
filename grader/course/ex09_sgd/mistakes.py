"""Exercise 9's named mistakes: wrong versions of sgd_step(w, grad, lr) -> w_new,
sgd_momentum_step(w, grad, velocity, lr, momentum=0.9) -> (w_new, velocity_new) and numerical_gradient(f, x, h=1e-5).

Each function's variants come from one table: the other step conventions (uphill, no learning rate, the old
velocity, lr inside the velocity, the CS231n and deeplearning.ai conventions) and the other difference quotients
(forward, central over h). For numerical_gradient ``f`` is the :class:`~grader.course.ex09_sgd.driver.ScalarFunction`
the failing call was shown with, evaluated here. A mistake is named only where the input tells it apart from the
right answer and the other mistakes (the rule is in :mod:`grader.checking.mistakes`); each entry has a mutant in
tests/test_ex09.py that must show exactly it.
"""
from __future__ import annotations

import numpy as np

from grader.checking.mistakes import Mistake, Mistakes, variant
from grader.course.ex09_sgd.checks import momentum_step_truth, sgd_truth


def _differences(f, x, h) -> tuple[np.ndarray, np.ndarray, float]:
    """(f(x + h e_i), f(x - h e_i)) for every index i of x, each of x's shape, and f(x)."""
    x = np.array(x, dtype=np.float64)
    f_plus, f_minus = np.zeros(x.shape), np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus[i] = f(x)
        x[i] = old - h
        f_minus[i] = f(x)
        x[i] = old
    return f_plus, f_minus, f(x)


def numerical_right(f, x, h=1e-5) -> np.ndarray:
    """The central difference grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h), x's shape."""
    f_plus, f_minus, _ = _differences(f, x, h)
    return (f_plus - f_minus) / (2 * h)


def _sgd(w, grad, lr) -> dict:
    w = np.asarray(w, dtype=np.float64)
    grad = np.asarray(grad, dtype=np.float64)
    return {"ascent": w + lr * grad, "no_lr": w - grad}


def _momentum(w, grad, velocity, lr, momentum) -> dict:
    """(w_new, velocity_new) of each other convention (the right one: v = momentum * v + grad, w = w - lr * v)."""
    w = np.asarray(w, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    v = np.asarray(velocity, dtype=np.float64)
    v_new = momentum * v + g
    v_lr, v_step, v_ema = momentum * v + lr * g, momentum * v - lr * g, momentum * v + (1 - momentum) * g
    return {"old_velocity": (w - lr * v, v_new), "lr_in_velocity": (w - v_lr, v_lr),
            "step_in_velocity": (w + v_step, v_step), "ema": (w - lr * v_ema, v_ema), "ascent": (w + lr * v_new, v_new)}


def _gradient(f, x, h) -> dict:
    """The forward difference (f(x + h e_i) - f(x)) / h and the central difference divided by h only."""
    f_plus, f_minus, f_x = _differences(f, x, h)
    return {"forward": (f_plus - f_x) / h, "central_over_h": (f_plus - f_minus) / h}


_ASCENT = "the step went uphill: gradient DEscent subtracts, w_new = w - lr * grad (with momentum: w - lr * v)."

SGD, MOMENTUM, GRADIENT = "sgd_step", "sgd_momentum_step", "numerical_gradient"

RIGHT = {SGD: sgd_truth, MOMENTUM: momentum_step_truth, GRADIENT: numerical_right}

MISTAKES = Mistakes(right=RIGHT, entries=[
    Mistake("ex09-sgd-ascent", SGD, _ASCENT, variant(_sgd, "ascent")),
    Mistake("ex09-sgd-no-lr", SGD, "the learning rate was left out: the step is lr * grad, so w_new = w - lr * grad.",
            variant(_sgd, "no_lr")),

    Mistake("ex09-momentum-old-velocity", MOMENTUM,
            "w was stepped with the OLD velocity: torch.optim.SGD first updates v = momentum * v + grad, then steps "
            "w = w - lr * v with the new v.",
            variant(_momentum, "old_velocity")),
    Mistake("ex09-momentum-lr-in-velocity", MOMENTUM,
            "the learning rate was put into the velocity (v = momentum * v + lr * grad, w = w - v): another "
            "convention; torch.optim.SGD keeps it out: v = momentum * v + grad, then w = w - lr * v.",
            variant(_momentum, "lr_in_velocity")),
    Mistake("ex09-momentum-step-in-velocity", MOMENTUM,
            "the velocity holds the step itself (v = momentum * v - lr * grad, w = w + v: the CS231n convention); "
            "torch.optim.SGD stores v = momentum * v + grad and steps w = w - lr * v.",
            variant(_momentum, "step_in_velocity")),
    Mistake("ex09-momentum-ema", MOMENTUM,
            "the gradient was scaled by (1 - momentum), an exponential average (the deeplearning.ai convention); "
            "torch.optim.SGD adds the whole gradient: v = momentum * v + grad.",
            variant(_momentum, "ema")),
    Mistake("ex09-momentum-ascent", MOMENTUM, _ASCENT, variant(_momentum, "ascent")),

    Mistake("ex09-gradient-forward-difference", GRADIENT,
            "that is the forward difference (f(x + h) - f(x)) / h, whose error shrinks only like h; use the central "
            "difference (f(x + h) - f(x - h)) / (2h), whose error shrinks like h**2.",
            variant(_gradient, "forward")),
    Mistake("ex09-gradient-over-h", GRADIENT,
            "the central difference was divided by h, but x + h and x - h are 2h apart: "
            "(f(x + h) - f(x - h)) / (2h).",
            variant(_gradient, "central_over_h")),
])
