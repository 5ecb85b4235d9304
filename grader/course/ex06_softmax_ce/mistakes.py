"""Exercise 6's named mistakes: wrong versions of softmax(logits), cross_entropy(logits, labels),
cross_entropy_backward(logits, labels) (logits (N, K), labels (N,) in [0, K)), binary_cross_entropy(probs, targets)
and mse(pred, target), computed in numpy the way the mistaken code does it.

    right:  softmax(z) = exp(z - m) / sum_k exp(z - m) per row, m the row max           (N, K)
            CE = -(1/N) sum_n ln softmax(z)[n, y[n]];  dL/dz = (softmax(z) - onehot(y)) / N  a float; (N, K)
            BCE = -mean(t ln p + (1 - t) ln(1 - p));  MSE = mean((pred - target)**2)        floats

A mistake is named only where the input tells it apart from the right answer and the other mistakes (the rule is in
:mod:`grader.checking.mistakes`); each entry has a mutant in tests/test_ex06.py that must show exactly it.
"""
from __future__ import annotations

import numpy as np

from grader.checking.mistakes import Mistake, Mistakes
from grader.course.ex06_softmax_ce.checks import TRUTH


def _softmax(logits, axis=1):
    """exp(z - max) / sum exp(z - max) over ``axis`` (1: the right softmax, 0: over the batch)."""
    z = np.asarray(logits, dtype=np.float64)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_whole(logits):
    """Normalised over all N*K entries at once."""
    z = np.asarray(logits, dtype=np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def _softmax_batch_max(logits):
    """exp(z - M) / sum exp(z - M) per row with ONE max M for the whole batch: a row far below M is 0 / 0 = nan."""
    z = np.asarray(logits, dtype=np.float64)
    with np.errstate(under="ignore", invalid="ignore"):
        e = np.exp(z - z.max())
        return e / e.sum(axis=1, keepdims=True)


def _ce_batch_max(logits, labels):
    """The log-softmax (z - M) - ln sum exp(z - M) with one max M for the batch: ln 0 = -inf in a row far below M."""
    z = np.asarray(logits, dtype=np.float64)
    with np.errstate(under="ignore", divide="ignore", invalid="ignore"):
        log_softmax = (z - z.max()) - np.log(np.exp(z - z.max()).sum(axis=1, keepdims=True))
        return float(-np.mean(_picked(log_softmax, labels)))


def _softmax_unshifted(logits):
    """exp(z) / sum exp(z) per row, without the max shift: inf / inf = nan once a logit passes about 709."""
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        e = np.exp(np.asarray(logits, dtype=np.float64))
        return e / e.sum(axis=1, keepdims=True)


def _onehot(logits, labels):
    """(N, K): 1 at [n, labels[n]], else 0."""
    z = np.asarray(logits, dtype=np.float64)
    onehot = np.zeros_like(z)
    onehot[np.arange(z.shape[0]), np.asarray(labels, dtype=np.int64)] = 1.0
    return onehot


def _picked(table, labels):
    """table[n, labels[n]] for every n: (N,)."""
    labels = np.asarray(labels, dtype=np.int64)
    return table[np.arange(labels.shape[0]), labels]


def _n(labels):
    return np.asarray(labels).shape[0]


def _ce(logits, labels):
    """The right cross-entropy, in numpy: -mean_n log_softmax(z)[n, y[n]]."""
    z = np.asarray(logits, dtype=np.float64)
    m = z.max(axis=1, keepdims=True)
    return float(-np.mean(_picked((z - m) - np.log(np.exp(z - m).sum(axis=1, keepdims=True)), labels)))


def _ce_unshifted_softmax(logits, labels):
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-np.mean(np.log(_picked(_softmax_unshifted(logits), labels))))


def _ce_unshifted_lse(logits, labels):
    z = np.asarray(logits, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        lse = np.log(np.exp(z).sum(axis=1))
        return float(np.mean(lse - _picked(z, labels)))


def _ce_log_of_zero(logits, labels):
    with np.errstate(divide="ignore"):
        return float(-np.mean(np.log(_picked(_softmax(logits), labels))))


def _ce_log_epsilon(eps):
    """-mean ln(softmax(z)[n, y[n]] + eps): a probability that underflowed to 0 costs -ln(eps), not its true loss.
    (np.clip(p, eps, 1) gives the same answer wherever that matters: where the probability is 0.)"""
    def wrong(logits, labels):
        return float(-np.mean(np.log(_picked(_softmax(logits), labels) + eps)))
    return wrong


def _ce_of_logits(logits, labels):
    with np.errstate(divide="ignore", invalid="ignore"):
        value = float(-np.mean(np.log(_picked(np.asarray(logits, dtype=np.float64), labels))))
    if np.isnan(value):
        raise ValueError("undefined for negative logits")
    return value


def _bce_terms(probs, targets, log=np.log):
    """-(t log p + (1 - t) log(1 - p)), element by element."""
    p = np.asarray(probs, dtype=np.float64)
    t = np.asarray(targets, dtype=np.float64)
    return -(t * log(p) + (1 - t) * log(1 - p))


def _bce_one_term(probs, targets):
    """-mean(t ln p) without the (1 - t) term. Where every target is 0 that is 0 whatever the probabilities, the
    answer of code that returns 0 without computing anything, so there it explains nothing (it does not apply)."""
    t = np.asarray(targets, dtype=np.float64)
    if not t.any():
        raise ValueError("0 for all-zero targets: no evidence of this mistake")
    return float(-np.mean(t * np.log(np.asarray(probs, dtype=np.float64))))


def _diff(pred, target):
    return np.asarray(pred, dtype=np.float64) - np.asarray(target, dtype=np.float64)


_OVERFLOW = ("Overflow at large logits: exp(1000) is inf and inf/inf is nan, so subtract each row's maximum from "
             "the logits before exponentiating (this does not change the softmax).")
_BATCH_MAX = ("One max was subtracted for the whole batch (np.max(z) without axis=1): a row far below it "
              "underflows to 0 / 0 = nan, so subtract each ROW's own max, z.max(axis=1, keepdims=True).")
_AXIS = ("Softmax was taken over the wrong axis: each ROW is one sample, so take the max and the sum over axis=1 "
         "(with keepdims=True) so that every row sums to 1.")
_WHOLE = ("Softmax was normalised over the whole batch: divide each row by its own sum (axis=1, keepdims=True), "
          "not by the sum of all N*K entries.")
# the epsilons students add: Keras's 1e-7, the round ones, sklearn's log_loss's 1e-15
EPSILONS = (1e-7, 1e-8, 1e-9, 1e-10, 1e-12, 1e-15)
_EPSILON = ("An epsilon inside the log (ln(p + eps) or np.clip(p, eps, 1)) caps each sample's loss at -ln(eps) "
            "instead of fixing the underflow: compute the log-softmax directly, (z[y] - max z) - "
            "ln(sum exp(z - max z)), which needs no epsilon.")
_UNDERFLOW = ("Underflow: -ln(softmax(z)[y]) becomes -ln(0) = inf when the true class's probability underflows "
              "to 0, so compute the log-softmax directly, (z[y] - max z) - ln(sum exp(z - max z)).")

MISTAKES = Mistakes(right=TRUTH, entries=[
    Mistake("ex06-softmax-overflow", "softmax", _OVERFLOW, _softmax_unshifted),
    Mistake("ex06-softmax-batch-max", "softmax", _BATCH_MAX, _softmax_batch_max),
    Mistake("ex06-softmax-axis", "softmax", _AXIS, lambda logits: _softmax(logits, axis=0)),
    Mistake("ex06-softmax-whole-batch", "softmax", _WHOLE, _softmax_whole),

    # ln(softmax) and an unshifted logsumexp both give inf where the true class underflows and a logit overflows;
    # the large-logits check's underflow-only call (nothing overflows) tells them apart
    Mistake("ex06-ce-log-of-zero", "cross_entropy", _UNDERFLOW, _ce_log_of_zero),
    *(Mistake(f"ex06-ce-log-epsilon-{eps:.0e}", "cross_entropy", _EPSILON, _ce_log_epsilon(eps))
      for eps in EPSILONS),
    Mistake("ex06-ce-overflow", "cross_entropy", _OVERFLOW, _ce_unshifted_softmax),
    Mistake("ex06-ce-overflow-logsumexp", "cross_entropy", _OVERFLOW, _ce_unshifted_lse),
    Mistake("ex06-ce-batch-max", "cross_entropy", _BATCH_MAX, _ce_batch_max),
    Mistake("ex06-ce-log10", "cross_entropy",
            "Log base 10 was used, as on the slide (0.222 for -log(0.6)): cross-entropy in every framework uses the "
            "natural log, np.log, which gives 0.511.",
            lambda logits, labels: _ce(logits, labels) / np.log(10.0)),
    Mistake("ex06-ce-sum", "cross_entropy",
            "The per-sample losses were summed over the batch: F.cross_entropy returns their mean, so divide by N.",
            lambda logits, labels: _ce(logits, labels) * _n(labels)),
    Mistake("ex06-ce-mean-over-classes", "cross_entropy",
            "The loss was averaged over all N*K entries (as if averaging y*log(y_hat) over the one-hot table): "
            "average over the N samples only.",
            lambda logits, labels: _ce(logits, labels) / np.asarray(logits).shape[1]),
    Mistake("ex06-ce-of-logits", "cross_entropy",
            "The -ln was applied to the raw logits: -y*log(y_hat) needs probabilities, so take the log-softmax of "
            "the logits first.", _ce_of_logits),

    Mistake("ex06-backward-overflow", "cross_entropy_backward", _OVERFLOW,
            lambda logits, labels: (_softmax_unshifted(logits) - _onehot(logits, labels)) / _n(labels)),
    Mistake("ex06-backward-batch-max", "cross_entropy_backward", _BATCH_MAX,
            lambda logits, labels: (_softmax_batch_max(logits) - _onehot(logits, labels)) / _n(labels)),
    Mistake("ex06-backward-softmax-axis", "cross_entropy_backward", _AXIS,
            lambda logits, labels: (_softmax(logits, axis=0) - _onehot(logits, labels)) / _n(labels)),
    Mistake("ex06-backward-softmax-whole-batch", "cross_entropy_backward", _WHOLE,
            lambda logits, labels: (_softmax_whole(logits) - _onehot(logits, labels)) / _n(labels)),
    Mistake("ex06-backward-not-divided-by-n", "cross_entropy_backward",
            "The gradient was not divided by N: the loss is the MEAN over the batch, so dlogits = "
            "(softmax - onehot) / N.",
            lambda logits, labels: _softmax(logits) - _onehot(logits, labels)),
    Mistake("ex06-backward-sign", "cross_entropy_backward",
            "The gradient has the wrong sign: dL/dz = (softmax - onehot) / N, so the true class's entry is negative, "
            "not (onehot - softmax) / N.",
            lambda logits, labels: (_onehot(logits, labels) - _softmax(logits)) / _n(labels)),
    Mistake("ex06-backward-no-onehot", "cross_entropy_backward",
            "The one-hot labels were not subtracted: dL/dz = (softmax - onehot) / N, i.e. subtract 1 at each row's "
            "true class before dividing by N.",
            lambda logits, labels: _softmax(logits) / _n(labels)),

    Mistake("ex06-bce-log10", "binary_cross_entropy",
            "Log base 10 was used: binary cross-entropy, like every framework's loss, uses the natural log (np.log).",
            lambda probs, targets: float(np.mean(_bce_terms(probs, targets, np.log10)))),
    Mistake("ex06-bce-sum", "binary_cross_entropy",
            "The element losses were summed: F.binary_cross_entropy returns their mean over all elements.",
            lambda probs, targets: float(np.sum(_bce_terms(probs, targets)))),
    Mistake("ex06-bce-one-term", "binary_cross_entropy",
            "The (1 - t) * ln(1 - p) term is missing: a target of 0 must be penalised when p is large, so use "
            "-mean(t ln p + (1 - t) ln(1 - p)).", _bce_one_term),

    Mistake("ex06-mse-sum", "mse",
            "The squared errors were summed: MSE is their mean, (1/n) * sum (Y - Yhat)^2 over all n elements.",
            lambda pred, target: float(np.sum(_diff(pred, target) ** 2))),
    Mistake("ex06-mse-rows", "mse",
            "The squared errors were divided by the number of rows only: F.mse_loss takes the mean over ALL "
            "elements (N*K of them for an (N, K) array).",
            lambda pred, target: float(np.sum(_diff(pred, target) ** 2) / _diff(pred, target).shape[0])),
    Mistake("ex06-mse-abs", "mse",
            "That is the mean ABSOLUTE error (L1, MAE): MSE squares each difference before averaging.",
            lambda pred, target: float(np.mean(np.abs(_diff(pred, target))))),
])
