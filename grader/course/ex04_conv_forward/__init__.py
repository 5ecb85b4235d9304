"""Exercise 4: the entry (data only). Checks in checks.py, named mistakes in mistakes.py."""
from grader.course.entry import Check, Exercise

FORMULA = ("out[n, f, i, j] = b[f] + sum over c, p, q of x_pad[n, c, i*stride + p, j*stride + q] * w[f, c, p, q], "
           "with H_out = (H + 2*padding - KH) // stride + 1 (the same for W).")
CHANNELS = ("Every input channel contributes to every filter: sum over C as well as over the KH x KW window "
            "(accumulate with +=, do not overwrite), and do not flip the kernel.")
BIAS = ("Add b[f] once to every output value of filter f -- not once per channel, not only to filter 0 -- and "
        "nothing when b is None.")
STRIDE_PADDING = ("Pad only the two spatial axes, equally on both sides: np.pad(x, ((0, 0), (0, 0), (padding, "
                  "padding), (padding, padding))). Window (i, j) starts at row i*stride and column j*stride, and "
                  "H_out = (H + 2*padding - KH) // stride + 1 rounds down: rows and columns left over are dropped.")
INVALID = ("Check the shapes before computing: raise ValueError when x.shape[1] != w.shape[1], or when the kernel is "
           "larger than the padded image (KH > H + 2*padding or KW > W + 2*padding).")
UNCHANGED = ("Leave x, w and b as they are: build the padded image with np.pad (a new array) and the result in a new "
             "array; x += ..., x[...] = ... or b.shape = ... change the caller's arrays.")

EXERCISE = Exercise(
    4, "conv_forward", "Convolution layer, forward pass",
    functions=("conv_forward",),
    topic="batched multi-channel conv with bias: (N, C, H, W) * (F, C, KH, KW) -> (N, F, H_out, W_out)",
    checks=(
        Check("slide_examples", "slide examples (5x5x1 with bias 2, RGB with bias 1 and padding 1, 5x5x3 with 2 "
              "filters)", 2, hint=FORMULA, function="conv_forward"),
        Check("random_shapes", "matches F.conv2d on random shapes (b = 0)", 4, hint=CHANNELS, function="conv_forward"),
        Check("bias", "bias is added once per filter (and None means no bias)", 2, hint=BIAS, function="conv_forward"),
        Check("stride_padding", "stride and padding (b = 0)", 2, hint=STRIDE_PADDING, function="conv_forward"),
        Check("invalid_shapes", "ValueError when the channels disagree or the kernel does not fit", 1, hint=INVALID,
              function="conv_forward", hygiene=True),
        Check("inputs_unchanged", "does not modify its inputs", 1, hint=UNCHANGED, function="conv_forward",
              hygiene=True),
    ),
    hints=(
        FORMULA,
        "Every input channel contributes to every filter: sum over C as well as over the KH x KW window "
        "(accumulate with +=, do not overwrite), then add b[f] once -- not once per channel, and not at all "
        "when b is None.",
        "Pad only the two spatial axes, equally on both sides: np.pad(x, ((0, 0), (0, 0), (padding, padding), "
        "(padding, padding))); np.pad(x, padding) would pad N and C too.",
        "Window (i, j) starts at row i*stride and column j*stride; do not flip the kernel.",
    ),
)
