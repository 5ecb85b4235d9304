"""Exercise 2: the entry (data only). Checks in checks.py, named mistakes in mistakes.py."""
from grader.course.entry import Check, Exercise

EXERCISE = Exercise(
    2, "output_size", "Output-size formulas",
    functions=("conv_output_size", "same_padding", "keras_output_size", "pool_output_size",
               "conv_transpose_output_size"),
    topic="(n + 2p - d(f-1) - 1) // s + 1 and friends: conv, 'same', Keras, pooling, transposed conv",
    checks=(
        Check("slide_examples", "slide examples (7x7 with stride 3, 32x32 with 5x5, (F-1)/2, Keras 'same', AlexNet, "
              "...)", 2),
        Check("conv_matches_torch", "conv_output_size matches torch Conv2d (padding, stride)", 3),
        Check("conv_dilation", "conv_output_size with dilation", 1),
        Check("same_padding_keeps_size", "same_padding keeps the size (ValueError for an even kernel)", 1),
        Check("keras_sizes", "keras_output_size: 'valid' and 'same'", 2),
        Check("pool_matches_torch", "pool_output_size matches torch MaxPool2d", 1),
        Check("pool_ceil_mode", "pool_output_size with ceil_mode", 1),
        Check("transpose_matches_torch", "conv_transpose_output_size matches torch ConvTranspose2d", 2),
        Check("invalid_arguments", "invalid arguments raise ValueError", 2),
    ),
    hints=(
        "conv: (n + 2*padding - dilation*(f - 1) - 1) // stride + 1 -- floor division, and do not forget the +1.",
        "A dilated kernel covers dilation*(f - 1) + 1 pixels; 'same' padding at stride 1 is half of "
        "dilation*(f - 1), and does not exist when that is odd.",
        "Keras 'same' is ceil(n / stride); 'valid' is ceil((n - f + 1) / stride). Return ints: -(-a // b) is "
        "ceil(a / b) without floats.",
        "Pooling's stride defaults to the window size; with ceil_mode round up, then drop the last window if it "
        "would start at or after n + padding.",
        "Transposed conv: (n - 1)*stride - 2*padding + dilation*(f - 1) + output_padding + 1.",
    ),
)
