"""Exercise 1: the entry (data only). Checks in checks.py, named mistakes in mistakes.py."""
from grader.course.entry import Check, Exercise

EXERCISE = Exercise(
    1, "conv2d", "Convolution by hand",
    functions=("conv2d",),
    topic="2-D cross-correlation of one image with one kernel, stride and padding",
    checks=(
        Check("slide_examples", "pinned slide examples (5x5 image, edge detector, stride 2, padding 1)", 3),
        Check("random_shapes", "matches torch on random shapes", 3),
        Check("stride", "stride", 2),
        Check("padding", "padding", 2),
        Check("kernel_too_big", "ValueError when the kernel does not fit", 1),
        Check("inputs_unchanged", "does not modify its inputs", 1),
    ),
    hints=(
        "Output size: H_out = (H + 2*padding - KH) // stride + 1, and the same for W.",
        "Pad first (np.pad with zeros on all four sides), then slide: out[i, j] = sum(window * kernel) where "
        "window = padded[i*stride : i*stride + KH, j*stride : j*stride + KW].",
        "Deep-learning 'convolution' is cross-correlation: do not flip the kernel.",
    ),
)
