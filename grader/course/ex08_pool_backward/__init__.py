"""Exercise 8: the entry (data only). Checks in checks.py, named mistakes in mistakes.py.

Each check judges one function, so that a finished relu_backward or max_pool_backward earns its points while
avg_pool_backward is a TODO, and each check's inputs isolate one behaviour (windows side by side, overlapping, tied
maxima, rows and columns left over), so that one mistake costs the check named after it.
"""
from grader.course.entry import Check, Exercise

RELU = ("dx = dout * (x > 0): the 0/1 mask comes from the forward input x (not from dout), multiplies dout (not "
        "relu(x)), and is 0 at x == 0, as in torch (x > 0, not x >= 0).")
RELU_COPY = ("Return a new array: dx = dout gives dout a second name, so dx[x <= 0] = 0 zeroes the caller's dout. "
             "dout * (x > 0) or np.where(x > 0, dout, 0.0) is new; so is dx = dout.copy().")
START = ("dx has x's shape: start from np.zeros(x.shape) and visit window (i, j) = rows i*stride : i*stride + size, "
         "columns j*stride : j*stride + size, for i < H_out and j < W_out taken from dout.shape; stride = size when "
         "it is None.")
MAX = ("Max pooling sends dout[n, c, i, j] whole to the position of its window's maximum (np.argmax of the "
       "flattened window, then divmod by size for the row and column) and nothing to the rest of the window.")
TIES = ("With ties, the gradient goes whole to the FIRST maximum in row-major order (np.argmax of the flattened "
        "window does that), never to every tied maximum, never split among them, never to the last one.")
OVERLAP = ("Windows overlap when stride < size: add (+=) each window's share, never assign (=), or later windows "
           "overwrite what earlier ones sent to the positions they share.")
LEFT_OVER = ("When the stride does not divide H - size, the last rows (or columns) are in no window: their gradient "
             "is 0. Take H_out and W_out from dout.shape and do not require (H - size) % stride == 0.")
AVG = ("Average pooling sends dout[n, c, i, j] / (size * size) to every position of window (i, j): a size x size "
       "window has size * size elements.")
SPREAD = ("Spread dout[n, c, i, j] / (size * size) over window (i, j) of a new np.zeros(x.shape): rows i*stride : "
          "i*stride + size, columns j*stride : j*stride + size, with stride = size when it is None. Only x's shape "
          "matters, not its values.")
POOL_COPY = ("Leave dout and x as they are: write the gradient into a new array (np.zeros(x.shape)), never into x "
             "or dout.")

EXERCISE = Exercise(
    8, "pool_backward", "ReLU and pooling, backward pass",
    functions=("relu_backward", "max_pool_backward", "avg_pool_backward"),
    topic="gradients through ReLU, max pooling and average pooling (overlaps accumulate)",
    checks=(
        Check("relu_matches_torch", "relu_backward: the slide's feature map, x == 0 (gradient 0), and matches torch",
              1, hint=RELU, function="relu_backward"),
        Check("relu_inputs_unchanged", "relu_backward does not modify dout or x", 1, hint=RELU_COPY,
              function="relu_backward", hygiene=True),
        Check("max_pool_slide_examples", "max_pool_backward: slide examples (2x2 max pooling of two 4x4 maps)", 1,
              hint=START, function="max_pool_backward"),
        Check("max_pool_random_shapes", "max_pool_backward matches torch on random shapes (distinct values, windows "
              "side by side or with gaps)", 2, hint=MAX, function="max_pool_backward"),
        Check("max_pool_overlap", "max_pool_backward: overlapping windows add up", 2, hint=OVERLAP,
              function="max_pool_backward"),
        Check("max_pool_ties", "max_pool_backward: a tie goes to the first maximum, as in torch", 1, hint=TIES,
              function="max_pool_backward"),
        Check("max_pool_left_over", "max_pool_backward: rows and columns in no window get 0 (windows that do not "
              "divide evenly)", 1, hint=LEFT_OVER, function="max_pool_backward"),
        Check("max_pool_inputs_unchanged", "max_pool_backward does not modify dout or x", 1, hint=POOL_COPY,
              function="max_pool_backward", hygiene=True),
        Check("avg_pool_slide_examples", "avg_pool_backward: slide example (2x2 average pooling of a 4x4 map)", 1,
              hint=AVG, function="avg_pool_backward"),
        Check("avg_pool_random_shapes", "avg_pool_backward matches torch on random shapes (windows side by side or "
              "with gaps)", 1, hint=SPREAD, function="avg_pool_backward"),
        Check("avg_pool_overlap", "avg_pool_backward: overlapping windows add up", 1, hint=OVERLAP,
              function="avg_pool_backward"),
        Check("avg_pool_left_over", "avg_pool_backward: rows and columns in no window get 0 (windows that do not "
              "divide evenly)", 1, hint=LEFT_OVER, function="avg_pool_backward"),
        Check("avg_pool_inputs_unchanged", "avg_pool_backward does not modify dout or x", 1, hint=POOL_COPY,
              function="avg_pool_backward", hygiene=True),
    ),
    hints=(
        "ReLU: dx = dout * (x > 0), with the mask taken from the forward input x (0 at x == 0, as in torch). "
        "Pooling: dx has x's shape; start from zeros and visit window (i, j) = "
        "x[:, :, i*stride : i*stride + size, j*stride : j*stride + size], with stride = size when it is None.",
        "Max pooling sends dout[n, c, i, j] whole to the window's maximum only -- with ties, to the first one in "
        "row-major order (np.argmax of the flattened window) -- never to every tied maximum.",
        "Average pooling sends dout[n, c, i, j] / (size * size) to every position of the window.",
        "Windows overlap when stride < size: add (+=) each window's share, never assign (=), or later windows "
        "overwrite earlier ones. Rows and columns in no window (the stride does not divide evenly) get 0.",
    ),
)
