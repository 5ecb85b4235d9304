"""Exercise 8: the entry (data only). Checks in checks.py, named mistakes in mistakes.py."""
from grader.course.entry import Check, Exercise

EXERCISE = Exercise(
    8, "pool_backward", "ReLU and pooling, backward pass",
    functions=("relu_backward", "max_pool_backward", "avg_pool_backward"),
    topic="gradients through ReLU, max pooling and average pooling (overlaps accumulate)",
    checks=(
        Check("slide_examples", "slide examples (ReLU of the feature map, 2x2 max and average pooling)", 2),
        Check("relu_matches_torch", "relu_backward matches torch (gradient 0 at x == 0)", 2),
        Check("max_pool_random_shapes", "max_pool_backward matches torch on random shapes (distinct values)", 3),
        Check("max_pool_overlap", "max_pool_backward: overlapping windows add up", 2),
        Check("max_pool_ties", "max_pool_backward: a tie goes to the first maximum, as in torch", 1),
        Check("avg_pool_random_shapes", "avg_pool_backward matches torch on random shapes", 2),
        Check("avg_pool_overlap", "avg_pool_backward: overlapping windows add up", 2),
        Check("inputs_unchanged", "does not modify its inputs", 1),
    ),
    hints=(
        "ReLU: dx = dout * (x > 0), with the mask taken from the forward input x (0 at x == 0, as in torch). "
        "Pooling: dx has x's shape; start from zeros and visit window (i, j) = "
        "x[:, :, i*stride : i*stride + size, j*stride : j*stride + size], with stride = size when it is None.",
        "Max pooling sends dout[n, c, i, j] whole to the window's maximum only -- with ties, to the first one in "
        "row-major order (np.argmax of the flattened window) -- never to every tied maximum.",
        "Average pooling sends dout[n, c, i, j] / (size * size) to every position of the window.",
        "Windows overlap when stride < size: add (+=) each window's share, never assign (=), or later windows "
        "overwrite earlier ones.",
    ),
)
