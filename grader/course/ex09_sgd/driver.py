"""Exercise 9's driver, for numerical_gradient(f, x, h): runs INSIDE the student process (numpy only, no torch).

A Python function cannot cross the process boundary (only plain data can, see grader.sandbox.protocol), so the
grader sends the NAME of one of a fixed set of scalar functions plus its parameters; :func:`run_numerical_gradient`
builds that function here, calls ``student.numerical_gradient(f, x[, h])`` and returns plain data: the gradient, x
as it was after the call, and how often f was called (and, when the student returned f itself, which cannot cross
the boundary, a word saying so). The grader compares the gradient with torch autograd of the same function
(checks.py in this folder), which is the ground truth. The same :class:`ScalarFunction` is used in the grader for
messages (its repr shows the formula) and by the named mistakes (mistakes.py), to recompute known-wrong answers.

The exercise's entry has ``driver=True``, so this module is imported in the student process before it is confined;
checks.py invokes it as ``student.run_driver("run_numerical_gradient", name, params, x, h, fn="numerical_gradient",
shown_as={"f": ScalarFunction(...), "x": x, "h": h})``.
"""
from __future__ import annotations

import numpy as np


def _logsumexp(v: np.ndarray, axis=None) -> np.ndarray:
    m = np.max(v, axis=axis, keepdims=True)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(v - m), axis=axis))


def _quadratic_form(x, A, b):
    v = x.reshape(-1)
    return 0.5 * v @ np.asarray(A, dtype=np.float64) @ v + np.asarray(b, dtype=np.float64) @ v


def _softmax_cross_entropy(x, labels):
    labels = np.asarray(labels, dtype=np.int64)
    return np.mean(_logsumexp(x, axis=1) - x[np.arange(x.shape[0]), labels])


# name -> (formula shown to the student, numpy implementation f(x, **params) -> scalar). x has any shape except for
# the cross-entropy (N, K logits; params: labels (N,)). The quadratic form's params: A (n, n), b (n,), n = x.size.
FUNCTIONS = {
    "sum of squares": ("sum(x**2)", lambda x: np.sum(x * x)),
    "sum of cubes": ("sum(x**3)", lambda x: np.sum(x * x * x)),
    "quadratic form": ("0.5 * v @ A @ v + b @ v with v = x.ravel()", _quadratic_form),
    "sum of sin": ("sum(sin(x))", lambda x: np.sum(np.sin(x))),
    "log-sum-exp": ("log(sum(exp(x)))", lambda x: _logsumexp(x.reshape(-1))),
    "softmax cross-entropy": ("mean over rows n of -log(softmax(x[n])[labels[n]])", _softmax_cross_entropy),
}


class ScalarFunction:
    """f(x) -> float for one of :data:`FUNCTIONS`; counts its calls and insists on the shape of the original x."""

    def __init__(self, name: str, params: dict | None = None, shape=None):
        if name not in FUNCTIONS:
            raise ValueError(f"unknown test function {name!r}")
        self.name = name
        self.params = dict(params or {})
        self.shape = None if shape is None else tuple(int(s) for s in shape)
        self.calls = 0

    def __call__(self, x) -> float:
        x = np.asarray(x, dtype=np.float64)
        if self.shape is not None and x.shape != self.shape:
            raise ValueError(f"f expects an array of shape {self.shape} (the shape of x), got shape {x.shape}")
        self.calls += 1
        return float(FUNCTIONS[self.name][1](x, **self.params))

    def __repr__(self) -> str:
        labels = self.params.get("labels")
        extra = "" if labels is None else f", labels = {np.asarray(labels).tolist()}"
        if self.name == "quadratic form":
            extra = (f", A = {np.asarray(self.params['A']).tolist()}, b = {np.asarray(self.params['b']).tolist()}")
        return f"<function f(x) = {FUNCTIONS[self.name][0]}{extra}>"


def run_numerical_gradient(student, name: str, params: dict, x: np.ndarray, h=None) -> dict:
    """Call the student's numerical_gradient on the named function; return plain data for the grader to check."""
    f = ScalarFunction(name, params, shape=np.shape(x))
    x = np.array(x, dtype=np.float64)  # the very array the student's code gets (and might change)
    grad = student.numerical_gradient(f, x) if h is None else student.numerical_gradient(f, x, h=h)
    if grad is f:   # a function cannot cross the process boundary: say what it was
        return {"grad": None, "x": x, "calls": f.calls, "returned": "the function f itself"}
    return {"grad": grad, "x": x, "calls": f.calls}
