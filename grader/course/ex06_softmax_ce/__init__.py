"""Exercise 6: the entry (data only). Checks in checks.py, named mistakes in mistakes.py."""
from grader.course.entry import Check, Exercise

EXERCISE = Exercise(
    6, "softmax_ce", "Softmax and cross-entropy",
    functions=("softmax", "cross_entropy", "cross_entropy_backward", "binary_cross_entropy", "mse"),
    topic="softmax, cross-entropy (natural log), its gradient, BCE and MSE; stable for logits of 1e4",
    checks=(
        Check("slide_examples", "slide examples (softmax of [2, 1, 0.1]; -ln 0.6 = 0.511, not the slide's log10 "
              "0.222; MSE)", 2),
        Check("softmax_matches_torch", "softmax matches F.softmax (rows sum to 1)", 2),
        Check("cross_entropy_matches_torch", "cross_entropy matches F.cross_entropy (natural log, mean over N)", 2),
        Check("backward_matches_autograd", "cross_entropy_backward matches autograd: (softmax - onehot) / N", 2),
        Check("bce_matches_torch", "binary_cross_entropy matches F.binary_cross_entropy", 1),
        Check("mse_matches_torch", "mse matches F.mse_loss (mean over all elements)", 1),
        Check("large_logits", "finite and correct for logits up to 1e4 in magnitude", 2),
        Check("inputs_unchanged", "does not modify its inputs", 1),
    ),
    hints=(
        "softmax(z) = exp(z - m) / sum(exp(z - m), axis=1, keepdims=True) with m = z.max(axis=1, keepdims=True): "
        "subtracting the row max changes nothing but keeps exp() from overflowing.",
        "cross_entropy = -mean over n of log_softmax(z)[n, y[n]] with the NATURAL log (np.log; the slide's 0.222 "
        "is log10), where log_softmax(z) = (z - m) - log(sum(exp(z - m))). Do not take np.log(softmax(z)): it is "
        "-inf when a probability underflows to 0.",
        "The gradient is (softmax(z) - onehot(y)) / N; the / N is there because the loss is a mean over the batch.",
        "binary_cross_entropy = -mean(t*log(p) + (1-t)*log(1-p)); mse = mean((pred - target)**2). Both average "
        "over ALL elements, like torch's reduction='mean'.",
    ),
)
