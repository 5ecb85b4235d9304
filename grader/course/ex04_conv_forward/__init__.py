"""Exercise 4: the entry (data only). Checks in checks.py, named mistakes in mistakes.py."""
from grader.course.entry import Check, Exercise

EXERCISE = Exercise(
    4, "conv_forward", "Convolution layer, forward pass",
    functions=("conv_forward",),
    topic="batched multi-channel conv with bias: (N, C, H, W) * (F, C, KH, KW) -> (N, F, H_out, W_out)",
    checks=(
        Check("slide_examples", "slide examples (5x5x1 with bias 2, RGB with bias 1 and padding 1, 5x5x3 with 2 "
              "filters)", 2),
        Check("random_shapes", "matches F.conv2d on random shapes", 4),
        Check("bias", "bias is added once per filter (and None means no bias)", 2),
        Check("stride_padding", "stride and padding", 2),
        Check("invalid_shapes", "ValueError when the channels disagree or the kernel does not fit", 1),
        Check("inputs_unchanged", "does not modify its inputs", 1),
    ),
    hints=(
        "out[n, f, i, j] = b[f] + sum over c, p, q of x_pad[n, c, i*stride + p, j*stride + q] * w[f, c, p, q], "
        "with H_out = (H + 2*padding - KH) // stride + 1 (the same for W).",
        "Every input channel contributes to every filter: sum over C as well as over the KH x KW window "
        "(accumulate with +=, do not overwrite), then add b[f] once -- not once per channel, and not at all "
        "when b is None.",
        "Pad only the two spatial axes, equally on both sides: np.pad(x, ((0, 0), (0, 0), (padding, padding), "
        "(padding, padding))); np.pad(x, padding) would pad N and C too.",
        "Window (i, j) starts at row i*stride and column j*stride; do not flip the kernel.",
    ),
)
