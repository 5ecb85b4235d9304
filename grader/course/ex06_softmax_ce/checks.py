"""Checks for exercise 6: softmax(logits), cross_entropy(logits, labels), cross_entropy_backward(logits, labels),
binary_cross_entropy(probs, targets), mse(pred, target). logits (N, K), labels (N,) int64 in [0, K).

    softmax(z)[n, k]      = exp(z[n, k] - m[n]) / sum_j exp(z[n, j] - m[n]),  m[n] = max_j z[n, j]   (N, K)
    cross_entropy(z, y)   = -(1/N) sum_n ln softmax(z)[n, y[n]]                                      a float
    dL/dz                 = (softmax(z) - onehot(y)) / N                                             (N, K)
    binary_cross_entropy  = -mean(t ln p + (1 - t) ln(1 - p)),  mse = mean((pred - target)**2)       floats

Ground truth: F.softmax(dim=1), F.cross_entropy, autograd through F.cross_entropy, F.binary_cross_entropy and
F.mse_loss, all float64 with reduction="mean".
"""
from __future__ import annotations

import numpy as np
from hypothesis.extra.numpy import arrays

from grader.checking import Reference, expect_array, expect_number, for_all, st, truth
from grader.checking.strategies import floats, values


# -- ground truth ---------------------------------------------------------------------------------------------------
def _labels(labels):
    return truth.torch().from_numpy(np.ascontiguousarray(np.asarray(labels, dtype=np.int64)))


def torch_softmax(logits):
    """(N, K) -> (N, K): F.softmax(logits, dim=1)."""
    import torch.nn.functional as F

    return F.softmax(truth.tensor(logits), dim=1).numpy()


def torch_cross_entropy(logits, labels):
    """(N, K), (N,) -> float: F.cross_entropy (natural log, mean over N)."""
    import torch.nn.functional as F

    return float(F.cross_entropy(truth.tensor(logits), _labels(labels)))


def torch_cross_entropy_backward(logits, labels):
    """(N, K), (N,) -> (N, K): the gradient of F.cross_entropy with respect to the logits, by autograd."""
    import torch.nn.functional as F

    z = truth.tensor(logits).requires_grad_(True)
    F.cross_entropy(z, _labels(labels)).backward()
    return z.grad.numpy()


def torch_binary_cross_entropy(probs, targets):
    """probs, targets of one shape -> float: F.binary_cross_entropy (mean over all elements)."""
    import torch.nn.functional as F

    return float(F.binary_cross_entropy(truth.tensor(probs), truth.tensor(targets)))


def torch_mse(pred, target):
    """pred, target of one shape -> float: F.mse_loss (mean over all elements)."""
    import torch.nn.functional as F

    return float(F.mse_loss(truth.tensor(pred), truth.tensor(target)))


TRUTH = {"softmax": torch_softmax, "cross_entropy": torch_cross_entropy,
         "cross_entropy_backward": torch_cross_entropy_backward,
         "binary_cross_entropy": torch_binary_cross_entropy, "mse": torch_mse}
ARRAY_RESULT = {"softmax", "cross_entropy_backward"}
REFERENCE = Reference(TRUTH, expect={fn: expect_array if fn in ARRAY_RESULT else expect_number for fn in TRUTH},
                      what=lambda fn: f"{fn}()")

# -- the slides' examples, answers pinned (tests/test_ex06.py re-checks every one against torch) -----------------------
SLIDE_PROBS = np.array([[0.3, 0.6, 0.1]])
TEN_CLASS_PROBS = np.array([[0.1, 0.2, 0.1, 0.05, 0.05, 0.05, 0.05, 0.3, 0.05, 0.05]])

# (label, function, kwargs, the answer torch gives)
SLIDE_EXAMPLES = (
    ("softmax of the logits [2.0, 1.0, 0.1] (the slide rounds to 0.7 / 0.2 / 0.1)", "softmax",
     dict(logits=np.array([[2.0, 1.0, 0.1]])), np.array([[0.6590011388859679, 0.24243297070471392,
                                                           0.09856589040931818]])),
    ("cross-entropy of logits ln([0.3, 0.6, 0.1]), true class 1: -ln 0.6 = 0.511 (the slide's 0.222 is log base 10)",
     "cross_entropy", dict(logits=np.log(SLIDE_PROBS), labels=np.array([1])), 0.5108256237659907),
    ("gradient for logits ln([0.3, 0.6, 0.1]), true class 1: p - onehot = [0.3, -0.4, 0.1]", "cross_entropy_backward",
     dict(logits=np.log(SLIDE_PROBS), labels=np.array([1])), np.array([[0.3, -0.4, 0.1]])),
    ("ten classes, logits ln(probabilities), true class 7 with probability 0.3: -ln 0.3 = 1.204", "cross_entropy",
     dict(logits=np.log(TEN_CLASS_PROBS), labels=np.array([7])), 1.2039728043259361),
    ("MSE of [0.3, 0.6, 0.1] against [0, 1, 0] = 0.26 / 3", "mse",
     dict(pred=np.array([0.3, 0.6, 0.1]), target=np.array([0.0, 1.0, 0.0])), 0.08666666666666667),
    ("binary cross-entropy of [0.3, 0.6, 0.1] against [0, 1, 0] = -(ln 0.7 + ln 0.6 + ln 0.9) / 3",
     "binary_cross_entropy", dict(probs=np.array([0.3, 0.6, 0.1]), targets=np.array([0.0, 1.0, 0.0])),
     0.32428702778751645),
)

# Large logits, in the order they are tried: overflow only (exp(1000) = inf) first, then underflow only (the true
# class's probability exp(-1000) is 0, and exp() of every logit is 0, so nothing overflows), then both, so that each
# kind of instability fails on the call that shows it best and only one named mistake explains each wrong answer:
# on the overflow-only calls an unshifted softmax gives nan and an unshifted logsumexp inf, while ln(softmax) is right;
# on the underflow-only call ln(softmax) gives inf, an unshifted softmax 0/0 = nan, an unshifted logsumexp ln 0 = -inf.
# The cross-entropy calls with overflow only have positive logits, so that a nan there can only come from exp().
# (label, function, kwargs, the answer torch gives); tests/test_ex06.py re-checks every answer against torch.
_ROW_012 = [0.09003057317038045, 0.2447284710547976, 0.6652409557748218]   # softmax([0, 1, 2])
_GRAD_012 = [[-0.4549847134148098, 0.12236423552739882, 0.3326204778874109],
             [0.3326204778874109, 0.12236423552739882, -0.4549847134148098]]
LARGE_LOGITS = (
    ("softmax of [1000, 1001, 1002] and [-1000, -1001, -1002]", "softmax",
     dict(logits=np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]])),
     np.array([_ROW_012, _ROW_012[::-1]])),
    ("softmax of [1e4, 0, -1e4]", "softmax", dict(logits=np.array([[1e4, 0.0, -1e4]])), np.array([[1.0, 0.0, 0.0]])),
    ("cross-entropy of [1000, 1001, 1002] and [1002, 1001, 1000], true classes 0 and 2", "cross_entropy",
     dict(logits=np.array([[1000.0, 1001.0, 1002.0], [1002.0, 1001.0, 1000.0]]), labels=np.array([0, 2])),
     2.4076059644443806),
    ("cross-entropy of [-1000, -2000], true class 1 (probability exp(-1000), 0 in float64)", "cross_entropy",
     dict(logits=np.array([[-1000.0, -2000.0]]), labels=np.array([1])), 1000.0),
    ("cross-entropy of [1e4, 0, -1e4] and [-1e4, 1e4, 0], true classes 0 and 0", "cross_entropy",
     dict(logits=np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]]), labels=np.array([0, 0])), 10000.0),
    ("gradient for [1000, 1001, 1002] and [1002, 1001, 1000], true classes 0 and 2", "cross_entropy_backward",
     dict(logits=np.array([[1000.0, 1001.0, 1002.0], [1002.0, 1001.0, 1000.0]]), labels=np.array([0, 2])),
     np.array(_GRAD_012)),
    ("gradient for [1e4, 0, -1e4] and [-1e4, 1e4, 0], true classes 0 and 0", "cross_entropy_backward",
     dict(logits=np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]]), labels=np.array([0, 0])),
     np.array([[0.0, 0.0, 0.0], [-0.5, 0.5, 0.0]])),
)


# -- strategies -----------------------------------------------------------------------------------------------------
@st.composite
def logit_cases(draw, with_labels=True, bound=None):
    """logits (N, K) with 1 <= N <= 4, 2 <= K <= 5 (small values, or up to +-bound), and labels (N,) in [0, K)."""
    n, k = draw(st.integers(1, 4)), draw(st.integers(2, 5))
    if bound is None:
        logits = draw(values((n, k), draw(st.booleans())))
    else:
        logits = draw(floats((n, k), bound))
    case = {"logits": logits}
    if with_labels:
        case["labels"] = draw(arrays(np.int64, (n,), elements=st.integers(0, k - 1)))
    return case


@st.composite
def bce_cases(draw):
    """probs in [0.01, 0.99] and targets (0/1, or soft in [0, 1]) of the same shape, (N,) or (N, K)."""
    shape = draw(st.sampled_from([(draw(st.integers(1, 6)),), (draw(st.integers(2, 4)), draw(st.integers(1, 4)))]))
    probs = draw(arrays(np.float64, shape, elements=st.floats(0.01, 0.99)))
    if draw(st.booleans()):
        targets = draw(arrays(np.int64, shape, elements=st.integers(0, 1))).astype(np.float64)
    else:
        targets = draw(arrays(np.float64, shape, elements=st.floats(0.0, 1.0)))
    return {"probs": probs, "targets": targets}


@st.composite
def mse_cases(draw):
    """pred and target of the same shape, (N,) or (N, K) with N >= 2."""
    shape = draw(st.sampled_from([(draw(st.integers(1, 6)),), (draw(st.integers(2, 4)), draw(st.integers(1, 4)))]))
    integer = draw(st.booleans())
    return {"pred": draw(values(shape, integer)), "target": draw(values(shape, integer))}


# -- checks ---------------------------------------------------------------------------------------------------------
def slide_examples(student):
    REFERENCE.pinned(student, SLIDE_EXAMPLES)


def softmax_matches_torch(student):
    REFERENCE.for_all(student, "softmax", logit_cases(with_labels=False), examples=30)


def cross_entropy_matches_torch(student):
    REFERENCE.for_all(student, "cross_entropy", logit_cases(), examples=30)


def backward_matches_autograd(student):
    REFERENCE.for_all(student, "cross_entropy_backward", logit_cases(), examples=30)


def bce_matches_torch(student):
    REFERENCE.for_all(student, "binary_cross_entropy", bce_cases(), examples=25)


def mse_matches_torch(student):
    REFERENCE.for_all(student, "mse", mse_cases(), examples=25)


def large_logits(student):
    REFERENCE.pinned(student, LARGE_LOGITS, prefix="large logits")

    def random_body(case):
        for fn in ("softmax", "cross_entropy", "cross_entropy_backward"):
            kwargs = case if fn != "softmax" else {"logits": case["logits"]}
            REFERENCE.expect(fn, student.call(fn, **kwargs), TRUTH[fn](**kwargs))
    for_all(random_body, logit_cases(bound=1e4), student=student, examples=10)


def inputs_unchanged(student):
    advice = "work on a copy instead (e.g. z = logits - logits.max(...), not logits -= ...)"
    REFERENCE.inputs_unchanged(student, "softmax", logit_cases(with_labels=False), examples=6, advice=advice)
    for fn in ("cross_entropy", "cross_entropy_backward"):
        REFERENCE.inputs_unchanged(student, fn, logit_cases(), examples=6, advice=advice)
    REFERENCE.inputs_unchanged(student, "binary_cross_entropy", bce_cases(), examples=4, advice=advice)
    REFERENCE.inputs_unchanged(student, "mse", mse_cases(), examples=4, advice=advice)
