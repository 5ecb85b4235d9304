"""Reference solution for exercise 6: softmax, cross-entropy (natural log, mean), its gradient, BCE and MSE."""
import numpy as np


def _log_softmax(logits):
    """(N, K) -> (N, K) ln softmax, computed without overflow or underflow: (z - m) - ln sum exp(z - m)."""
    z = np.asarray(logits, dtype=np.float64)
    m = np.max(z, axis=1, keepdims=True)
    return (z - m) - np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))


def softmax(logits):
    """(N, K) -> (N, K), each row exp(z) / sum exp(z), shifted by the row max first."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy(logits, labels):
    """-(1/N) sum_n ln softmax(logits)[n, labels[n]] (natural log, mean over the batch)."""
    labels = np.asarray(labels, dtype=np.int64)
    n = labels.shape[0]
    picked = _log_softmax(logits)[np.arange(n), labels]
    return float(-np.sum(picked) / n)


def cross_entropy_backward(logits, labels):
    """(softmax(logits) - onehot(labels)) / N, shape (N, K)."""
    labels = np.asarray(labels, dtype=np.int64)
    n = labels.shape[0]
    grad = softmax(logits)
    grad[np.arange(n), labels] -= 1.0
    return grad / n


def binary_cross_entropy(probs, targets):
    """-mean(t ln p + (1 - t) ln(1 - p)) over all elements."""
    p = np.asarray(probs, dtype=np.float64)
    t = np.asarray(targets, dtype=np.float64)
    return float(-np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)))


def mse(pred, target):
    """mean((pred - target)**2) over all elements."""
    diff = np.asarray(pred, dtype=np.float64) - np.asarray(target, dtype=np.float64)
    return float(np.mean(diff ** 2))
