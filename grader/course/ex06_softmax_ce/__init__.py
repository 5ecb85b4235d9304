"""Exercise 6: the entry (data only). Checks in checks.py, named mistakes in mistakes.py.

Every check judges one function, so a finished function earns its points while another is still a TODO: each of
softmax, cross_entropy and cross_entropy_backward has a value check (the slides' example first, then random logits)
and a large-logits check; binary_cross_entropy and mse a value check each; and each of the five a hygiene check
(its inputs unchanged), earned once one of its value checks passes.
"""
from grader.course.entry import Check, Exercise

_COPY = ("Work on a copy: z = logits - logits.max(axis=1, keepdims=True) makes a new array, while logits -= ... "
         "or grad = logits; grad[...] -= 1 changes the caller's array.")

EXERCISE = Exercise(
    6, "softmax_ce", "Softmax and cross-entropy",
    functions=("softmax", "cross_entropy", "cross_entropy_backward", "binary_cross_entropy", "mse"),
    topic="softmax, cross-entropy (natural log), its gradient, BCE and MSE; stable for logits of 1e4",
    checks=(
        Check("softmax_matches_torch", "softmax matches F.softmax: the slide's [2, 1, 0.1], then random logits "
              "(rows sum to 1)", 1, function="softmax",
              hint="Each ROW is one sample: take the max and the sum over axis=1 with keepdims=True, softmax(z) = "
                   "exp(z - m) / np.sum(exp(z - m), axis=1, keepdims=True), so that every row sums to 1."),
        Check("softmax_large_logits", "softmax is finite and correct for logits up to 1e4 in magnitude", 1,
              function="softmax",
              hint="Subtract each row's max before np.exp: exp(1000) is inf and inf / inf is nan, and the shift "
                   "does not change the softmax."),
        Check("cross_entropy_matches_torch", "cross_entropy matches F.cross_entropy: the slides' -ln 0.6 = 0.511 "
              "(not log10's 0.222) and -ln 0.3, then random logits (mean over N)", 1, function="cross_entropy",
              hint="cross_entropy = -(1/N) * sum over n of ln softmax(z)[n, y[n]] with the NATURAL log (np.log; the "
                   "slide's 0.222 is log10): the log-probability of each row's true class, averaged over the N "
                   "samples only."),
        Check("cross_entropy_large_logits", "cross_entropy is finite and correct for logits up to 1e4 in magnitude",
              1, function="cross_entropy",
              hint="Compute the log-softmax directly, (z - m) - np.log(np.sum(np.exp(z - m), axis=1, keepdims=True)) "
                   "with m the row max: np.log(softmax(z)) is -inf where a probability underflows to 0 (an epsilon "
                   "inside the log only caps the error), and exp(z) without the shift overflows."),
        Check("backward_matches_autograd", "cross_entropy_backward matches autograd: the slide's p - onehot = "
              "[0.3, -0.4, 0.1], then random logits, (softmax - onehot) / N", 1, function="cross_entropy_backward",
              hint="The gradient is (softmax(z) - onehot(y)) / N: subtract 1 at each row's true class, then divide "
                   "by N because the loss is a mean over the batch."),
        Check("backward_large_logits", "cross_entropy_backward is finite and correct for logits up to 1e4 in "
              "magnitude", 1, function="cross_entropy_backward",
              hint="Use the max-shifted softmax in the gradient too: exp(1000) is inf and inf / inf is nan."),
        Check("bce_matches_torch", "binary_cross_entropy matches F.binary_cross_entropy: the slides' 0.3243, then "
              "random probabilities (mean over all elements)", 1, function="binary_cross_entropy",
              hint="binary_cross_entropy = -mean(t * np.log(p) + (1 - t) * np.log(1 - p)): both terms, the natural "
                   "log, and the mean over ALL elements (not a sum)."),
        Check("mse_matches_torch", "mse matches F.mse_loss: the slides' 0.26 / 3, then random arrays (mean over all "
              "elements)", 1, function="mse",
              hint="mse = np.mean((pred - target) ** 2): square each difference, then average over ALL elements "
                   "(N * K of them for (N, K) arrays)."),
        Check("softmax_inputs_unchanged", "softmax does not modify logits", 1, function="softmax", hygiene=True,
              hint=_COPY),
        Check("cross_entropy_inputs_unchanged", "cross_entropy does not modify its inputs", 1,
              function="cross_entropy", hygiene=True, hint=_COPY),
        Check("backward_inputs_unchanged", "cross_entropy_backward does not modify its inputs", 1,
              function="cross_entropy_backward", hygiene=True, hint=_COPY),
        Check("bce_inputs_unchanged", "binary_cross_entropy does not modify its inputs", 1,
              function="binary_cross_entropy", hygiene=True,
              hint="Work on a copy: p = np.clip(probs, eps, 1 - eps) makes a new array, while np.clip(probs, ..., "
                   "out=probs) or probs[...] = ... changes the caller's array."),
        Check("mse_inputs_unchanged", "mse does not modify its inputs", 1, function="mse", hygiene=True,
              hint="Work on a copy: diff = pred - target makes a new array, while pred -= target changes the "
                   "caller's array."),
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
