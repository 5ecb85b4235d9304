"""Exercise 9: the entry (data only). Checks in checks.py, named mistakes in mistakes.py, driver.py runs
numerical_gradient inside the student process.

Each check judges one function, so that a finished sgd_step earns its points while numerical_gradient is a TODO;
each function's value checks start with the stub's worked example; its hygiene check (inputs unchanged, x restored)
is earned once one of its value checks passes.
"""
from grader.course.entry import Check, Exercise

_NEW_ARRAYS = ("Return new arrays: w - lr * grad is new, but w -= lr * grad (or velocity *= momentum) changes the "
               "caller's array, and returning it does not undo that.")

EXERCISE = Exercise(
    9, "sgd", "Gradient descent",
    functions=("sgd_step", "sgd_momentum_step", "numerical_gradient"),
    topic="SGD, SGD with momentum exactly as torch.optim.SGD, and a numerical gradient check",
    checks=(
        Check("sgd_matches_torch", "sgd_step: the slides' W5 = 0.6 - 0.1 * 0.25 = 0.575, and matches "
              "torch.optim.SGD", 2, function="sgd_step",
              hint="SGD: w_new = w - lr * grad: minus (descend), and the step is the learning rate times the "
                   "gradient."),
        Check("sgd_inputs_unchanged", "sgd_step does not modify w or grad", 1, function="sgd_step", hygiene=True,
              hint=_NEW_ARRAYS),
        Check("momentum_matches_torch", "sgd_momentum_step: the stub's three steps from w = [1, 2], and matches "
              "torch.optim.SGD(momentum) step after step", 4, function="sgd_momentum_step",
              hint="Momentum, as torch.optim.SGD: first velocity_new = momentum * velocity + grad (no learning rate, "
                   "no (1 - momentum)), then w_new = w - lr * velocity_new with the NEW velocity; return "
                   "(w_new, velocity_new), and use the momentum you are given."),
        Check("momentum_inputs_unchanged", "sgd_momentum_step does not modify w, grad or velocity", 1,
              function="sgd_momentum_step", hygiene=True,
              hint="Return new arrays: momentum * velocity + grad is new, but velocity *= momentum, velocity += grad "
                   "or w -= ... change the caller's arrays."),
        Check("gradient_matches_autograd", "numerical_gradient matches autograd (sin, log-sum-exp, cross-entropy)", 2,
              function="numerical_gradient",
              hint="For each index i in np.ndindex(x.shape): old = x[i]; f_plus = f(x) at x[i] = old + h; f_minus = "
                   "f(x) at x[i] = old - h; x[i] = old; grad[i] = (f_plus - f_minus) / (2 * h). Call f on the whole "
                   "array x (of x's shape), and put each entry back before the next one."),
        Check("gradient_exact_on_quadratics", "numerical_gradient is a central difference: sum(x**2) at [0.6, -1.0] "
              "gives [1.2, -2.0], exact on quadratics even with a large h", 2, function="numerical_gradient",
              hint="The central difference (f(x + h e_i) - f(x - h e_i)) / (2h) is exact on a quadratic, whatever h; "
                   "the forward difference (f(x + h e_i) - f(x)) / h is off by h. Divide by 2h: x + h and x - h are "
                   "2h apart."),
        Check("gradient_uses_h", "numerical_gradient uses the step h it is given (sum(x**3) at [1, 2] with h = 0.1 "
              "gives [3.01, 12.01]), and h = 1e-5 when none is given", 2, function="numerical_gradient",
              hint="Use the h argument: do not overwrite it with a constant of your own, and keep the signature's "
                   "default h=1e-5. The central difference of x**3 is exactly 3x**2 + h**2."),
        Check("gradient_restores_x", "numerical_gradient leaves x as it was", 1, function="numerical_gradient",
              hygiene=True,
              hint="Save old = x[i] before nudging x[i] and restore x[i] = old after the two evaluations (or work on "
                   "copies): the caller's x must hold its original values when numerical_gradient returns."),
    ),
    hints=(
        "SGD: w_new = w - lr * grad (minus: descend). Momentum, as torch.optim.SGD: first "
        "velocity = momentum * velocity + grad, then w = w - lr * velocity with the NEW velocity; return both.",
        "The velocity holds no learning rate in torch's convention (not v = momentum * v + lr * grad, not "
        "v = momentum * v - lr * grad, not (1 - momentum) * grad).",
        "numerical_gradient: for each index i in np.ndindex(x.shape): old = x[i]; f(x) at x[i] = old + h and at "
        "x[i] = old - h; x[i] = old; grad[i] = (f_plus - f_minus) / (2 * h). Divide by 2h, not h.",
        "Return new arrays; never change w, grad or velocity in place (w -= ... changes the caller's array).",
    ),
    driver=True,
)
