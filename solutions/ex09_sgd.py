"""Reference solution for exercise 9: SGD, SGD with momentum (torch.optim.SGD semantics), numerical gradient."""
import numpy as np


def sgd_step(w, grad, lr):
    """w - lr * grad, as a new array."""
    w = np.asarray(w, dtype=np.float64)
    grad = np.asarray(grad, dtype=np.float64)
    return w - lr * grad


def sgd_momentum_step(w, grad, velocity, lr, momentum=0.9):
    """velocity_new = momentum * velocity + grad; w_new = w - lr * velocity_new. Returns (w_new, velocity_new)."""
    w = np.asarray(w, dtype=np.float64)
    grad = np.asarray(grad, dtype=np.float64)
    velocity = np.asarray(velocity, dtype=np.float64)
    velocity_new = momentum * velocity + grad
    w_new = w - lr * velocity_new
    return w_new, velocity_new


def numerical_gradient(f, x, h=1e-5):
    """Central differences (f(x + h e_i) - f(x - h e_i)) / (2h) at every position i; x is restored afterwards."""
    grad = np.zeros(np.shape(x), dtype=np.float64)
    for i in np.ndindex(grad.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
