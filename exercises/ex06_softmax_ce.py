"""Exercise 6: softmax, cross-entropy and its gradient, binary cross-entropy, mean squared error.

A classifier's last layer gives K raw scores per sample ("logits"). Softmax turns each row into probabilities, and
cross-entropy measures how little probability the true class got. Shapes: logits (N, K) -- N samples, K classes --
and labels (N,) of integers in [0, K). All arrays are float64 numpy arrays (labels: int64).

    softmax(z)[n, k]   = exp(z[n, k]) / sum over j of exp(z[n, j])          (each ROW sums to 1)
    cross_entropy(z, y) = -(1/N) * sum over n of ln softmax(z)[n, y[n]]     (natural log, MEAN over the batch)
    dL/dz               = (softmax(z) - onehot(y)) / N                      (shape (N, K))
    binary_cross_entropy(p, t) = -mean( t * ln p + (1 - t) * ln(1 - p) )    (mean over all elements)
    mse(pred, target)          = mean( (pred - target)**2 )                 (mean over all elements)

These are exactly PyTorch's F.softmax(z, dim=1), F.cross_entropy, F.binary_cross_entropy and F.mse_loss (all with
their default reduction="mean"); the grader compares your answers with them.

Large logits. exp(1000) overflows to inf, and inf / inf is nan. Softmax does not change when you subtract the same
number from a whole row, so subtract each row's maximum first: softmax(z) = softmax(z - max_k z). For the loss,
do not take the log of a probability that may have underflowed to 0 (-ln 0 = inf); use the log-softmax directly:
    ln softmax(z)[k] = (z[k] - m) - ln(sum over j of exp(z[j] - m)),   m = max_j z[j].
Your functions must stay finite for logits as large as 1e4 in magnitude (torch's do).

Worked examples from the slides:

* Softmax of the logits [2.0, 1.0, 0.1] is [0.6590, 0.2424, 0.0986]. (The slide rounds to 0.7 / 0.2 / 0.1.)
* Three classes with predicted probabilities 0.3 / 0.6 / 0.1, true class 1 (the 0.6 one):
      L = -(0 * ln 0.3 + 1 * ln 0.6 + 0 * ln 0.1) = -ln 0.6 = 0.511
  NOTE: the slide prints 0.222 here. That is -log10(0.6): the slide used log base 10. Cross-entropy in every
  framework (PyTorch, Keras, TensorFlow) uses the natural log, so the answer is 0.511, and that is what the grader
  expects. To feed probabilities p to cross_entropy, pass logits = np.log(p): softmax(ln p) = p when p sums to 1.
      cross_entropy(np.log([[0.3, 0.6, 0.1]]), np.array([1]))          -> 0.5108
      cross_entropy_backward(np.log([[0.3, 0.6, 0.1]]), np.array([1])) -> [[0.3, -0.4, 0.1]]   (= p - onehot)
* The slides' ten-class example (probabilities 0.1, 0.2, 0.1, 0.05, 0.05, 0.05, 0.05, 0.3, 0.05, 0.05; true
  class 7) has L = -ln 0.3 = 1.2040.
* MSE = (1/n) * sum (Y_i - Yhat_i)^2 (the slide's other line, "(target - prediction)^2", is one term before the
  mean). For the three-class example, prediction [0.3, 0.6, 0.1] against the one-hot target [0, 1, 0]:
      mse = (0.09 + 0.16 + 0.01) / 3 = 0.08667
  and treating each class as its own yes/no question, binary_cross_entropy([0.3, 0.6, 0.1], [0, 1, 0])
      = -(ln 0.7 + ln 0.6 + ln 0.9) / 3 = 0.3243.

Run `grade exercise 6` to check your work, `grade hint 6` if you are stuck.
"""
import numpy as np


def softmax(logits):
    """Row-wise softmax.

    Args:
        logits: (N, K) array of raw scores.

    Returns:
        (N, K) float64 array p with p[n, k] = exp(logits[n, k]) / sum_j exp(logits[n, j]); every row sums to 1.
        Must not overflow for logits as large as 1e4: subtract each row's max first.

    Do not modify ``logits``.
    """
    # TODO: subtract each row's max, exponentiate, divide by the row sums (axis=1, keepdims=True).
    raise NotImplementedError


def cross_entropy(logits, labels):
    """Mean cross-entropy of a batch, from logits, with the natural log (= F.cross_entropy).

    Args:
        logits: (N, K) array of raw scores.
        labels: (N,) int array, labels[n] in [0, K) is the true class of sample n.

    Returns:
        float: L = -(1/N) * sum_n ln softmax(logits)[n, labels[n]]. Finite for logits as large as 1e4 in magnitude
        (use log-softmax: z[y] - m - ln sum_j exp(z[j] - m), m = the row max).

    Do not modify the inputs.
    """
    # TODO: compute the log-softmax of each row, pick the true class's entry, average over the batch, negate.
    raise NotImplementedError


def cross_entropy_backward(logits, labels):
    """Gradient of cross_entropy(logits, labels) with respect to the logits.

    Args:
        logits: (N, K) array of raw scores.
        labels: (N,) int array of true classes.

    Returns:
        (N, K) float64 array dlogits = (softmax(logits) - onehot(labels)) / N, where onehot(labels)[n, k] is 1 if
        k == labels[n] else 0. The 1/N comes from the mean in the loss.

    Do not modify the inputs.
    """
    # TODO: softmax, subtract 1 at each row's true class, divide by N.
    raise NotImplementedError


def binary_cross_entropy(probs, targets):
    """Mean binary cross-entropy (= F.binary_cross_entropy).

    Args:
        probs: array of any shape with predicted probabilities strictly between 0 and 1.
        targets: array of the same shape with targets in [0, 1] (usually 0 or 1).

    Returns:
        float: -mean(targets * ln(probs) + (1 - targets) * ln(1 - probs)), the mean over ALL elements.

    Do not modify the inputs.
    """
    # TODO: both terms, natural log, mean over every element.
    raise NotImplementedError


def mse(pred, target):
    """Mean squared error (= F.mse_loss).

    Args:
        pred: array of any shape, e.g. (N, K).
        target: array of the same shape.

    Returns:
        float: mean((pred - target)**2), the mean over ALL elements (N * K of them for (N, K) arrays).

    Do not modify the inputs.
    """
    # TODO: square the differences, average over every element.
    raise NotImplementedError
