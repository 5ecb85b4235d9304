"""Exercise 5: the entry (data only). Checks in checks.py, named mistakes in mistakes.py."""
from grader.course.entry import Check, Exercise

EXERCISE = Exercise(
    5, "relu_pool", "ReLU and pooling",
    functions=("relu", "max_pool", "avg_pool"),
    topic="ReLU, max pooling and average pooling on (N, C, H, W), overlapping windows included",
    checks=(
        Check("slide_examples", "slide examples (2x2 max and average pooling, overlapping windows, ReLU of a feature "
              "map)", 2),
        Check("relu_matches_torch", "relu matches torch", 1),
        Check("max_pool_matches_torch", "max_pool matches torch (stride None, overlapping windows)", 3),
        Check("avg_pool_matches_torch", "avg_pool matches torch (stride None, overlapping windows)", 3),
        Check("window_too_big", "ValueError when the window is larger than the input", 1),
        Check("inputs_unchanged", "does not modify its inputs", 1),
    ),
    hints=(
        "relu(x) = max(x, 0) elementwise: np.maximum(x, 0) (np.max(x, 0) is a reduction over axis 0), as a new "
        "array.",
        "stride=None means stride = size. Output size: H_out = (H - size) // stride + 1; windows that do not fit "
        "are dropped, never cut short.",
        "Window (i, j) is x[:, :, i*stride : i*stride + size, j*stride : j*stride + size]; take its max (or its "
        "mean = sum / (size*size)) over the last two axes only, per sample and per channel.",
    ),
)
