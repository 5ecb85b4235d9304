"""Exercise 5: the entry (data only). Checks in checks.py, named mistakes in mistakes.py.

Each check judges one function, so that a finished relu or max_pool earns its points while avg_pool is a TODO.
"""
from grader.course.entry import Check, Exercise

RELU = ("relu(x) = max(x, 0) elementwise: np.maximum(x, 0) (np.max(x, 0) is a reduction over axis 0), as a new "
        "array.")
RELU_COPY = ("Return a new array: x[x < 0] = 0 or np.maximum(x, 0, out=x) change the caller's x; np.maximum(x, 0) "
             "leaves it alone.")
STRIDE = ("stride=None means stride = size. Output size: H_out = (H - size) // stride + 1 (the same for W); windows "
          "that do not fit are dropped, never cut short.")
WINDOW = ("Window (i, j) is x[:, :, i*stride : i*stride + size, j*stride : j*stride + size]; take its max over the "
          "last two axes only, per sample and per channel, with H_out = (H - size) // stride + 1 (rounded down: "
          "do not require the stride to divide H - size, and do not round()).")
MEAN = ("Window (i, j) is x[:, :, i*stride : i*stride + size, j*stride : j*stride + size]; its mean is its sum / "
        "(size*size), over the last two axes only, with H_out = (H - size) // stride + 1 (rounded down: do not "
        "require the stride to divide H - size, and do not round()).")
TOO_BIG = "Check the size first: raise ValueError when size > H or size > W (a window must fit the input)."
POOL_COPY = "Leave x as it is: read windows from it and write the answers into a new array (np.empty / np.zeros)."


def _pool_checks(fn: str, slides: str, hint: str) -> tuple[Check, ...]:
    """The four checks of one pooling function: its slide examples, torch, its ValueError, x unchanged."""
    return (
        Check(f"{fn}_slide_examples", f"{fn}: slide examples ({slides})", 1, hint=STRIDE, function=fn),
        Check(f"{fn}_matches_torch", f"{fn} matches torch (stride None, overlapping windows, rows left over)", 3,
              hint=hint, function=fn),
        Check(f"{fn}_window_too_big", f"{fn}: ValueError when the window is larger than the input", 1, hint=TOO_BIG,
              function=fn, hygiene=True),
        Check(f"{fn}_inputs_unchanged", f"{fn} does not modify x", 1, hint=POOL_COPY, function=fn, hygiene=True),
    )


EXERCISE = Exercise(
    5, "relu_pool", "ReLU and pooling",
    functions=("relu", "max_pool", "avg_pool"),
    topic="ReLU, max pooling and average pooling on (N, C, H, W), overlapping windows included",
    checks=(
        Check("relu_matches_torch", "relu: the slide's feature map, and matches torch", 1, hint=RELU,
              function="relu"),
        Check("relu_inputs_unchanged", "relu does not modify x", 1, hint=RELU_COPY, function="relu", hygiene=True),
        *_pool_checks("max_pool", "2x2, overlapping 2x2 with stride 1, 3x3 with stride 2, AlexNet 55x55 -> 27x27 "
                      "-> 13x13", WINDOW),
        *_pool_checks("avg_pool", "2x2, 3x3 with stride 2, LeNet-5 28x28 -> 14x14 and 10x10 -> 5x5", MEAN),
    ),
    hints=(
        RELU,
        STRIDE,
        "Window (i, j) is x[:, :, i*stride : i*stride + size, j*stride : j*stride + size]; take its max (or its "
        "mean = sum / (size*size)) over the last two axes only, per sample and per channel.",
    ),
)
