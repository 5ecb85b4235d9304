"""Exercise 2: the entry (data only). Checks in checks.py, named mistakes in mistakes.py.

Each check judges one function, so that a finished conv_output_size earns its points while pool_output_size is a
TODO; each function's ValueError check is earned together with one of its value checks.
"""
from grader.course.entry import Check, Exercise

CONV = "conv: (n + 2*padding - dilation*(f - 1) - 1) // stride + 1 -- floor division, and do not forget the +1."
CONV_SLIDES = CONV + (" The slides' 7x7 input with a 3x3 filter at stride 3 'doesn't fit': PyTorch floors 2.33 to "
                      "2; and 'same' padding (f - 1) / 2 keeps the size: (32 + 4 - 5) // 1 + 1 = 32.")
DILATION = ("A dilated kernel has gaps of dilation - 1 pixels between its f taps, so it covers dilation*(f - 1) + 1 "
            "pixels: use that in place of f.")
WHOLE = ("Validate every argument first (the provided _whole does it): ints only -- a float such as 3.0 or a bool "
         "such as True raises ValueError -- n, f, stride, dilation >= 1, padding and output_padding >= 0.")
CONV_INVALID = WHOLE + (" Then raise ValueError when the dilated kernel does not fit: dilation*(f - 1) + 1 > "
                        "n + 2*padding.")
SAME = ("'same' padding at stride 1 is half of dilation*(f - 1), the pixels the kernel covers minus one; it does not "
        "exist (raise ValueError) when that is odd.")
SAME_INVALID = WHOLE + " same_padding(f, dilation) checks f and dilation (dilation=0 is not a dilation)."
KERAS = ("Keras 'same' is ceil(n / stride); 'valid' is ceil((n - f + 1) / stride). Compare padding.lower(), so that "
         "'SAME' and 'Valid' work too, and return ints: -(-a // b) is ceil(a / b) without floats.")
KERAS_INVALID = WHOLE + (" Then raise ValueError for a padding other than 'valid' or 'same' (in any case), and for "
                         "'valid' when f > n.")
POOL = ("Pooling's stride defaults to the window size (stride=None means stride = f, windows side by side); then "
        "(n + 2*padding - f) // stride + 1.")
CEIL = ("With ceil_mode round the division up, then drop the last window if it would start at or after n + padding: "
        "if (out - 1) * stride >= n + padding, out -= 1. A window may hang over the end of the input.")
POOL_INVALID = WHOLE + (" Then raise ValueError when padding > f // 2 (PyTorch's rule) or when the result would be "
                        "< 1.")
TRANSPOSE = ("Transposed conv: (n - 1)*stride - 2*padding + dilation*(f - 1) + output_padding + 1. output_padding "
             "must be smaller than stride OR smaller than dilation: 1 is fine with stride 1 and dilation 2.")
TRANSPOSE_INVALID = WHOLE + (" Then raise ValueError when output_padding >= stride and output_padding >= dilation "
                             "(both), or when the result would be < 1.")

EXERCISE = Exercise(
    2, "output_size", "Output-size formulas",
    functions=("conv_output_size", "same_padding", "keras_output_size", "pool_output_size",
               "conv_transpose_output_size"),
    topic="(n + 2p - d(f-1) - 1) // s + 1 and friends: conv, 'same', Keras, pooling, transposed conv",
    checks=(
        Check("conv_slide_examples", "conv_output_size: slide examples (7x7 with stride 3, 32x32 with 5x5, AlexNet, "
              "LeNet-5, ...)", 1, hint=CONV_SLIDES, function="conv_output_size"),
        Check("conv_matches_torch", "conv_output_size matches torch Conv2d (padding, stride)", 2, hint=CONV,
              function="conv_output_size"),
        Check("conv_dilation", "conv_output_size with dilation", 1, hint=DILATION, function="conv_output_size"),
        Check("conv_invalid", "conv_output_size: ValueError for a kernel that does not fit or an argument that is "
              "not a whole number in range", 1, hint=CONV_INVALID, function="conv_output_size", hygiene=True),
        Check("same_padding_keeps_size", "same_padding keeps the size ((F-1)/2 on the slides; ValueError for an even "
              "kernel)", 1, hint=SAME, function="same_padding"),
        Check("same_padding_invalid", "same_padding: ValueError for an argument that is not a whole number >= 1", 1,
              hint=SAME_INVALID, function="same_padding", hygiene=True),
        Check("keras_sizes", "keras_output_size: 'valid' and 'same', in lower or upper case (slide examples first)", 2,
              hint=KERAS, function="keras_output_size"),
        Check("keras_invalid", "keras_output_size: ValueError for another padding, a window that does not fit "
              "('valid'), or an argument that is not a whole number >= 1", 1, hint=KERAS_INVALID,
              function="keras_output_size", hygiene=True),
        Check("pool_matches_torch", "pool_output_size matches torch MaxPool2d (slide examples first)", 1, hint=POOL,
              function="pool_output_size"),
        Check("pool_ceil_mode", "pool_output_size with ceil_mode", 1, hint=CEIL, function="pool_output_size"),
        Check("pool_invalid", "pool_output_size: ValueError for padding over f // 2, a result < 1, or an argument "
              "that is not a whole number in range", 1, hint=POOL_INVALID, function="pool_output_size", hygiene=True),
        Check("transpose_matches_torch", "conv_transpose_output_size matches torch ConvTranspose2d", 1,
              hint=TRANSPOSE, function="conv_transpose_output_size"),
        Check("transpose_invalid", "conv_transpose_output_size: ValueError for output_padding too large, a result "
              "< 1, or an argument that is not a whole number in range", 1, hint=TRANSPOSE_INVALID,
              function="conv_transpose_output_size", hygiene=True),
    ),
    hints=(
        CONV,
        "A dilated kernel covers dilation*(f - 1) + 1 pixels; 'same' padding at stride 1 is half of "
        "dilation*(f - 1), and does not exist when that is odd.",
        "Keras 'same' is ceil(n / stride); 'valid' is ceil((n - f + 1) / stride). Return ints: -(-a // b) is "
        "ceil(a / b) without floats.",
        "Pooling's stride defaults to the window size; with ceil_mode round up, then drop the last window if it "
        "would start at or after n + padding.",
        "Transposed conv: (n - 1)*stride - 2*padding + dilation*(f - 1) + output_padding + 1.",
    ),
)
