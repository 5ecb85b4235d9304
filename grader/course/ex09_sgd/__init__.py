"""Exercise 9: the entry (data only). Checks in checks.py, named mistakes in mistakes.py."""
from grader.course.entry import Check, Exercise

EXERCISE = Exercise(
    9, "sgd", "Gradient descent",
    functions=("sgd_step", "sgd_momentum_step", "numerical_gradient"),
    topic="SGD, SGD with momentum exactly as torch.optim.SGD, and a numerical gradient check",
    checks=(
        Check("worked_examples", "worked examples (W5 = 0.6 - 0.1 * 0.25, three momentum steps, two numerical "
              "gradients)", 2),
        Check("sgd_matches_torch", "sgd_step matches torch.optim.SGD", 2),
        Check("momentum_matches_torch", "sgd_momentum_step matches torch.optim.SGD(momentum) step after step", 4),
        Check("gradient_matches_autograd", "numerical_gradient matches autograd (sin, log-sum-exp, cross-entropy)", 2),
        Check("gradient_exact_on_quadratics", "numerical_gradient is a central difference (exact on quadratics, even "
              "with a large h)", 2),
        Check("gradient_uses_h", "numerical_gradient uses the step h it is given", 1),
        Check("gradient_restores_x", "numerical_gradient leaves x as it was", 1),
        Check("inputs_unchanged", "sgd_step and sgd_momentum_step do not modify their inputs", 1),
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
