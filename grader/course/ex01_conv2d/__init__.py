"""Exercise 1: the entry (data only). Checks in checks.py, named mistakes in mistakes.py."""
from grader.course.entry import Check, Exercise

FORMULA = ("Output size: H_out = (H + 2*padding - KH) // stride + 1, and the same for W; then out[i, j] = "
           "sum(window * kernel) with window = padded[i*stride : i*stride + KH, j*stride : j*stride + KW].")
SLIDE = ("Pad first (np.pad with zeros on all four sides), then slide: out[i, j] = sum(window * kernel) where "
         "window = padded[i*stride : i*stride + KH, j*stride : j*stride + KW]. Deep-learning 'convolution' is "
         "cross-correlation: do not flip the kernel.")
STRIDE = ("Window (i, j) starts at row i*stride and column j*stride, and H_out = (H + 2*padding - KH) // stride + 1 "
          "rounds down: rows or columns the stride leaves over are dropped (do not assert that the stride divides "
          "H - KH, and do not use round() or math.ceil).")
PADDING = ("np.pad(image, padding) adds `padding` rows/columns of zeros on all four sides; slide the kernel over "
           "that padded image (H + 2*padding rows), which may be smaller than the kernel before padding.")
TOO_BIG = ("Compare the kernel with the PADDED image: raise ValueError when KH > H + 2*padding or "
           "KW > W + 2*padding (either one is enough).")
UNCHANGED = ("Leave image and kernel as they are: np.pad returns a new array and the output is a new array; "
             "image[...] = ..., image += ... or image.shape = ... change the caller's array.")

EXERCISE = Exercise(
    1, "conv2d", "Convolution by hand",
    functions=("conv2d",),
    topic="2-D cross-correlation of one image with one kernel, stride and padding",
    checks=(
        Check("slide_examples", "pinned slide examples (5x5 image, edge detector, stride 2, padding 1)", 3,
              hint=SLIDE, function="conv2d"),
        Check("random_shapes", "matches torch on random shapes", 3, hint=FORMULA, function="conv2d"),
        Check("stride", "stride", 2, hint=STRIDE, function="conv2d"),
        Check("padding", "padding", 2, hint=PADDING, function="conv2d"),
        Check("kernel_too_big", "ValueError when the kernel does not fit", 1, hint=TOO_BIG, function="conv2d",
              hygiene=True),
        Check("inputs_unchanged", "does not modify its inputs", 1, hint=UNCHANGED, function="conv2d", hygiene=True),
    ),
    hints=(
        "Output size: H_out = (H + 2*padding - KH) // stride + 1, and the same for W.",
        "Pad first (np.pad with zeros on all four sides), then slide: out[i, j] = sum(window * kernel) where "
        "window = padded[i*stride : i*stride + KH, j*stride : j*stride + KW].",
        "Deep-learning 'convolution' is cross-correlation: do not flip the kernel.",
    ),
)
