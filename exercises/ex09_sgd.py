"""Exercise 9: gradient descent, momentum, and a numerical gradient check.

Gradient descent moves every weight a small step against its gradient (the slides: W5 = W5old - lambda * dE/dW5,
where lambda is the learning rate). With w, grad and velocity float64 numpy arrays of one shape (any shape):

    plain SGD:          w_new = w - lr * grad

    SGD with momentum, exactly as torch.optim.SGD(params, lr, momentum) (dampening=0, nesterov=False):
        velocity_new = momentum * velocity + grad          (1) first the velocity ...
        w_new        = w - lr * velocity_new               (2) ... then the step, with the NEW velocity
    The velocity starts at zero (pass np.zeros_like(w) before the first step), so the first step equals plain SGD.
    (torch stores velocity_new = grad on its first step, which is the same thing.) Other courses write momentum
    differently -- v = momentum * v - lr * grad, w = w + v (CS231n), or v = beta * v + (1 - beta) * grad
    (deeplearning.ai) -- those store a different velocity, and the second one also takes (1 - beta) times smaller
    steps: here we follow torch.

    Numerical gradient (for checking backward passes): for a scalar function f of an array x, the central difference
        grad[i] = (f(x + h*e_i) - f(x - h*e_i)) / (2h)       e_i = 1 at position i, 0 elsewhere
    for every position i of x (any shape: loop with np.ndindex(x.shape) or over x.flat). Its error shrinks like
    h**2; the forward difference (f(x + h*e_i) - f(x)) / h only like h. This is the slides' question "nudge w5 up to
    0.6001 or down to 0.5999: which lowers the loss?" made exact: (E(0.6001) - E(0.5999)) / 0.0002 estimates dE/dw5.
    f must see arrays of x's shape, and x must hold its original values when you return: change x[i], call f,
    and put the saved value back (x[i] = old), or work on a copy.

Worked examples (checked against torch.optim.SGD and autograd by the grader):

    sgd_step: the slides' W5 = 0.6 with dE/dW5 = 0.25 and lambda = 0.1 -> 0.6 - 0.1 * 0.25 = 0.575.

    sgd_momentum_step, w = [1, 2], lr = 0.1, momentum = 0.9, velocity starting at [0, 0]:
        step  grad         velocity        w
        1     [1, -1]      [1, -1]         [0.9, 2.1]      (the same as plain SGD)
        2     [0.5, 0.5]   [1.4, -0.4]     [0.76, 2.14]
        3     [2, 0]       [3.26, -0.36]   [0.434, 2.176]

    numerical_gradient, f(x) = sum(x**2) at x = [0.6, -1.0] with h = 1e-4 -> [1.2, -2.0] (= 2x, exact: the
    central difference has no error at all on a quadratic, whatever h).
    f(x) = sum(x**3) at x = [1, 2] with h = 0.1 -> [3.01, 12.01]: the central difference of x**3 is exactly
    3x**2 + h**2, while the forward difference would give 3x**2 + 3xh + h**2 = [3.31, 12.61].

Run `grade exercise 9` to check your work, `grade hint 9` if you are stuck.
"""
import numpy as np


def sgd_step(w, grad, lr):
    """One step of plain gradient descent.

    Args:
        w: weights, array of any shape.
        grad: dLoss/dw, the same shape as w.
        lr: learning rate (float > 0).

    Returns:
        w_new = w - lr * grad, a NEW float64 array of w's shape.

    Do not modify ``w`` or ``grad``.
    """
    # TODO: return the updated weights (do not change w in place).
    raise NotImplementedError


def sgd_momentum_step(w, grad, velocity, lr, momentum=0.9):
    """One step of SGD with momentum, as torch.optim.SGD(momentum=momentum) computes it.

    Args:
        w: weights, array of any shape.
        grad: dLoss/dw, the same shape as w.
        velocity: the velocity returned by the previous step (np.zeros_like(w) before the first step).
        lr: learning rate (float > 0).
        momentum: momentum coefficient in [0, 1).

    Returns:
        (w_new, velocity_new), two new float64 arrays of w's shape:
        velocity_new = momentum * velocity + grad, then w_new = w - lr * velocity_new.

    Do not modify ``w``, ``grad`` or ``velocity``.
    """
    # TODO: update the velocity first, then step the weights with the new velocity.
    raise NotImplementedError


def numerical_gradient(f, x, h=1e-5):
    """Central-difference estimate of the gradient of a scalar function.

    Args:
        f: a function that takes an array of x's shape and returns a float.
        x: the point, float64 array of any shape.
        h: the step (float > 0).

    Returns:
        grad, float64 array of x's shape: grad[i] = (f(x + h*e_i) - f(x - h*e_i)) / (2h) for every position i.

    ``x`` must hold its original values when the function returns.
    """
    # TODO: for every position i: save x[i], evaluate f at x[i] + h and at x[i] - h, restore x[i].
    raise NotImplementedError
