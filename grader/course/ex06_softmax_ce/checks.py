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
from grader.checking.deferred import arrays

from grader.checking import Reference, expect_array, expect_number, st, truth
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
# (each function's value check tries its rows first)
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

# Large logits, each function's rows in the order its large-logits check tries them: overflow only (exp(1000) = inf)
# first, then underflow only (the true class's probability exp(-1000) is 0, and exp() of every logit is 0, so nothing
# overflows), then both, so that each kind of instability fails on the call that shows it best and only one named
# mistake explains each wrong answer: on the overflow-only calls an unshifted softmax gives nan and an unshifted
# logsumexp inf, while ln(softmax) is right; on the underflow-only call ln(softmax) gives inf, an unshifted softmax
# 0/0 = nan, an unshifted logsumexp ln 0 = -inf. The cross-entropy calls with overflow only have positive logits, so
# that a nan there can only come from exp(). Last, rows far apart ([1000, 1001, 1002] and [-1000, -1001, -1002]): one
# max for the whole batch (np.max without axis) underflows the second row to 0/0 = nan, while every row-wise
# shift is right.
# (label, function, kwargs, the answer torch gives); tests/test_ex06.py re-checks every answer against torch.
_ROW_012 = [0.09003057317038045, 0.2447284710547976, 0.6652409557748218]   # softmax([0, 1, 2])
_GRAD_012 = [[-0.4549847134148098, 0.12236423552739882, 0.3326204778874109],
             [0.3326204778874109, 0.12236423552739882, -0.4549847134148098]]
_APART = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]])   # rows whose maxima are 2002 apart
LARGE_LOGITS = (
    ("softmax of [1000, 1001, 1002] and [-1000, -1001, -1002]", "softmax", dict(logits=_APART),
     np.array([_ROW_012, _ROW_012[::-1]])),
    ("softmax of [1e4, 0, -1e4]", "softmax", dict(logits=np.array([[1e4, 0.0, -1e4]])), np.array([[1.0, 0.0, 0.0]])),
    ("cross-entropy of [1000, 1001, 1002] and [1002, 1001, 1000], true classes 0 and 2", "cross_entropy",
     dict(logits=np.array([[1000.0, 1001.0, 1002.0], [1002.0, 1001.0, 1000.0]]), labels=np.array([0, 2])),
     2.4076059644443806),
    ("cross-entropy of [-1000, -2000], true class 1 (probability exp(-1000), 0 in float64)", "cross_entropy",
     dict(logits=np.array([[-1000.0, -2000.0]]), labels=np.array([1])), 1000.0),
    ("cross-entropy of [1e4, 0, -1e4] and [-1e4, 1e4, 0], true classes 0 and 0", "cross_entropy",
     dict(logits=np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]]), labels=np.array([0, 0])), 10000.0),
    ("cross-entropy of [1000, 1001, 1002] and [-1000, -1001, -1002], true classes 2 and 0", "cross_entropy",
     dict(logits=_APART, labels=np.array([2, 0])), 0.4076059644443804),
    ("gradient for [1000, 1001, 1002] and [1002, 1001, 1000], true classes 0 and 2", "cross_entropy_backward",
     dict(logits=np.array([[1000.0, 1001.0, 1002.0], [1002.0, 1001.0, 1000.0]]), labels=np.array([0, 2])),
     np.array(_GRAD_012)),
    ("gradient for [1e4, 0, -1e4] and [-1e4, 1e4, 0], true classes 0 and 0", "cross_entropy_backward",
     dict(logits=np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]]), labels=np.array([0, 0])),
     np.array([[0.0, 0.0, 0.0], [-0.5, 0.5, 0.0]])),
    ("gradient for [1000, 1001, 1002] and [-1000, -1001, -1002], true classes 2 and 0", "cross_entropy_backward",
     dict(logits=_APART, labels=np.array([2, 0])),
     np.array([[0.04501528658519022, 0.12236423552739882, -0.1673795221125891],
               [-0.1673795221125891, 0.12236423552739882, 0.04501528658519022]])),
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


def _any_shape(draw) -> tuple[int, ...]:
    """(N,), (N, K) or (N, C, K) -- "an array of any shape" -- with N >= 2 where there is a second axis, so that a
    mean over the rows only differs from the mean over all elements."""
    return draw(st.sampled_from([(draw(st.integers(1, 6)),), (draw(st.integers(2, 4)), draw(st.integers(1, 4))),
                                 (draw(st.integers(2, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3)))]))


@st.composite
def bce_cases(draw):
    """probs in [0.01, 0.99] and targets (0/1, or soft in [0, 1]) of the same shape (see _any_shape)."""
    shape = _any_shape(draw)
    probs = draw(arrays(np.float64, shape, elements=st.floats(0.01, 0.99)))
    if draw(st.booleans()):
        targets = draw(arrays(np.int64, shape, elements=st.integers(0, 1))).astype(np.float64)
    else:
        targets = draw(arrays(np.float64, shape, elements=st.floats(0.0, 1.0)))
    return {"probs": probs, "targets": targets}


@st.composite
def mse_cases(draw):
    """pred and target of the same shape (see _any_shape)."""
    shape = _any_shape(draw)
    integer = draw(st.booleans())
    return {"pred": draw(values(shape, integer)), "target": draw(values(shape, integer))}


# -- checks: one function each (the slides' examples first, then generated cases) ------------------------------------
def _of(fn: str, table) -> tuple:
    """The rows of a (label, function, kwargs, answer) table that call ``fn``, in order."""
    return tuple(row for row in table if row[1] == fn)


def _matches(student, fn: str, strategy, examples: int) -> None:
    """The slides' examples of ``fn`` (pinned answers), then generated cases against torch."""
    REFERENCE.pinned(student, _of(fn, SLIDE_EXAMPLES))
    REFERENCE.for_all(student, fn, strategy, examples=examples)


def softmax_matches_torch(student):
    _matches(student, "softmax", logit_cases(with_labels=False), examples=30)


def cross_entropy_matches_torch(student):
    _matches(student, "cross_entropy", logit_cases(), examples=30)


def backward_matches_autograd(student):
    _matches(student, "cross_entropy_backward", logit_cases(), examples=30)


def bce_matches_torch(student):
    _matches(student, "binary_cross_entropy", bce_cases(), examples=25)


def mse_matches_torch(student):
    _matches(student, "mse", mse_cases(), examples=25)


def _large_logits(student, fn: str) -> None:
    """LARGE_LOGITS's calls of ``fn`` in order, then random logits up to 1e4 in magnitude."""
    REFERENCE.pinned(student, _of(fn, LARGE_LOGITS), prefix="large logits")
    REFERENCE.for_all(student, fn, logit_cases(with_labels=fn != "softmax", bound=1e4), examples=10)


def softmax_large_logits(student):
    _large_logits(student, "softmax")


def cross_entropy_large_logits(student):
    _large_logits(student, "cross_entropy")


def backward_large_logits(student):
    _large_logits(student, "cross_entropy_backward")


# -- hygiene: the inputs stay as they were (judged on calls that returned the right answer) --------------------------
_ADVICE = "work on a copy instead (e.g. z = logits - logits.max(...), not logits -= ...)"


def softmax_inputs_unchanged(student):
    REFERENCE.inputs_unchanged(student, "softmax", logit_cases(with_labels=False), examples=6, advice=_ADVICE)


def cross_entropy_inputs_unchanged(student):
    REFERENCE.inputs_unchanged(student, "cross_entropy", logit_cases(), examples=6, advice=_ADVICE)


def backward_inputs_unchanged(student):
    REFERENCE.inputs_unchanged(student, "cross_entropy_backward", logit_cases(), examples=6, advice=_ADVICE)


def bce_inputs_unchanged(student):
    REFERENCE.inputs_unchanged(student, "binary_cross_entropy", bce_cases(), examples=4,
                               advice="work on a copy instead (e.g. p = np.clip(probs, ...), not probs[...] = ...)")


def mse_inputs_unchanged(student):
    REFERENCE.inputs_unchanged(student, "mse", mse_cases(), examples=4,
                               advice="work on a copy instead (e.g. diff = pred - target, not pred -= target)")
