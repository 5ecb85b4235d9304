"""Checks for exercise 8: relu_backward(dout, x) -> dx, x's shape; max_pool_backward / avg_pool_backward(dout, x,
size=2, stride=None): dout (N, C, H_out, W_out), x (N, C, H, W) -> dx (N, C, H, W), H_out = (H - size) // stride + 1.

    relu:  dx = dout * (x > 0)
    max:   dx[n, c, window (i, j)'s first maximum] += dout[n, c, i, j]
    avg:   dx[n, c, window (i, j)] += dout[n, c, i, j] / (size * size),  window (i, j) = rows i*stride : i*stride +
           size, columns j*stride : j*stride + size, stride = size when it is None

Ground truth is torch's own backward kernels, the ones autograd runs for F.relu (threshold_backward), F.max_pool2d
(max_pool2d_with_indices_backward) and F.avg_pool2d (avg_pool2d_backward), in float64. They are called directly
because the first backward() through autograd costs about 0.3 s of engine start-up; tests/test_ex08.py checks that
they equal autograd (x.requires_grad_(), F.op(x).backward(dout), x.grad) on random inputs, ties included.

Every check that has a named mistake to show starts with a fixed input built so that each known wrong answer differs
from the right one and from the others (mistakes.py), then runs a property on random inputs.
"""
from __future__ import annotations

import numpy as np

from grader.checking import Reference, for_all, st, truth
from grader.checking.strategies import small_ints


# -- ground truth ---------------------------------------------------------------------------------------------
def relu_truth(dout, x) -> np.ndarray:
    """dL/dx through F.relu: dout where x > 0, else 0 (x == 0 included)."""
    aten = truth.torch().ops.aten
    return aten.threshold_backward(truth.tensor(dout), truth.tensor(x), 0).numpy()


def max_pool_truth(dout, x, size=2, stride=None) -> np.ndarray:
    """dL/dx through F.max_pool2d(x, size, stride or size): ties go to the window's first maximum (row-major)."""
    aten = truth.torch().ops.aten
    step = size if stride is None else stride
    xt = truth.tensor(x)
    _, indices = aten.max_pool2d_with_indices(xt, [size, size], [step, step])
    return aten.max_pool2d_with_indices_backward(truth.tensor(dout), xt, [size, size], [step, step], [0, 0], [1, 1],
                                                 False, indices).numpy()


def avg_pool_truth(dout, x, size=2, stride=None) -> np.ndarray:
    """dL/dx through F.avg_pool2d(x, size, stride or size)."""
    aten = truth.torch().ops.aten
    step = size if stride is None else stride
    return aten.avg_pool2d_backward(truth.tensor(dout), truth.tensor(x), [size, size], [step, step], [0, 0], False,
                                    True, None).numpy()


TRUTH = {"relu_backward": relu_truth, "max_pool_backward": max_pool_truth, "avg_pool_backward": avg_pool_truth}
REFERENCE = Reference(TRUTH, what=lambda fn: f"dx of {fn}()")


# -- pinned examples ------------------------------------------------------------------------------------------
def _img(rows) -> np.ndarray:
    """One (H, W) slice as an (1, 1, H, W) float64 array."""
    return np.array(rows, float)[None, None]


SLIDE_RELU_X = np.array([[2, 1, -1], [-1, 1, 3], [2, 1, 1]], float)       # the slides' feature map
SLIDE_MAP = _img([[4, 123, 1, 34], [56, 99, 222, 253], [45, 122, 165, 12], [21, 187, 133, 124]])
SLIDE_MAP_2 = _img([[1, 2, 5, 3], [3, 0, 1, 2], [2, 1, 3, 4], [1, 1, 2, 0]])
DOUT_2X2 = _img([[1, 2], [3, 4]])

# (label, function, kwargs, the answer torch gives). Pinned here, re-checked against torch in tests/test_ex08.py.
SLIDE_EXAMPLES = (
    ("ReLU of the feature map", "relu_backward",
     dict(dout=np.array([[1, -2, 3], [4, 5, -6], [-7, 8, 9]], float), x=SLIDE_RELU_X),
     np.array([[1, -2, 0], [0, 5, -6], [-7, 8, 9]], float)),
    ("2x2 max pooling of the 4x4 map [[4, 123, 1, 34], ...]", "max_pool_backward",
     dict(dout=DOUT_2X2, x=SLIDE_MAP),
     _img([[0, 1, 0, 0], [0, 0, 0, 2], [0, 0, 4, 0], [0, 3, 0, 0]])),
    ("2x2 max pooling of [[1, 2, 5, 3], ...] with dout = ones", "max_pool_backward",
     dict(dout=np.ones((1, 1, 2, 2)), x=SLIDE_MAP_2, size=2, stride=2),
     _img([[0, 0, 1, 0], [1, 0, 0, 0], [1, 0, 0, 1], [0, 0, 0, 0]])),
    ("2x2 average pooling of the same 4x4 map", "avg_pool_backward",
     dict(dout=DOUT_2X2, x=SLIDE_MAP),
     _img([[0.25, 0.25, 0.5, 0.5], [0.25, 0.25, 0.5, 0.5], [0.75, 0.75, 1, 1], [0.75, 0.75, 1, 1]])),
)

RELU_AT_ZERO = (
    "x with zeros (the gradient at x == 0 is 0)", "relu_backward",
    dict(dout=np.array([[1, 2, 3], [-4, 5, -6]], float), x=np.array([[-2, 0, 3], [0, -0.5, 1]], float)),
    np.array([[0, 0, 3], [0, 0, -6]], float))

MAX_OVERLAP = (
    "2x2 max pooling with stride 1 of [[1, 2, 3], [4, 9, 5], [6, 7, 8]] (9 is in all four windows)",
    "max_pool_backward", dict(dout=DOUT_2X2, x=_img([[1, 2, 3], [4, 9, 5], [6, 7, 8]]), size=2, stride=1),
    _img([[0, 0, 0], [0, 10, 0], [0, 0, 0]]))

AVG_OVERLAP = (
    "2x2 average pooling with stride 1 of a 3x3 map", "avg_pool_backward",
    dict(dout=DOUT_2X2, x=np.zeros((1, 1, 3, 3)), size=2, stride=1),
    _img([[1, 3, 2], [4, 10, 6], [3, 7, 4]]) / 4)

MAX_TIES = (
    ("2x2 max pooling of a map whose windows have tied maxima", "max_pool_backward",
     dict(dout=_img([[4, 8], [12, 16]]), x=_img([[1, 1, 0, 2], [0, 0, 2, 1], [3, 0, 5, 5], [0, 3, 5, 5]])),
     _img([[4, 0, 0, 8], [0, 0, 0, 0], [12, 0, 16, 0], [0, 0, 0, 0]])),
    ("2x2 max pooling, stride 1, with ties in overlapping windows", "max_pool_backward",
     dict(dout=_img([[1, 10], [100, 1000]]), x=_img([[1, 1, 0], [1, 1, 0], [1, 1, 1]]), size=2, stride=1),
     _img([[1, 10, 0], [100, 1000, 0], [0, 0, 0]])),
)

PINNED = (*SLIDE_EXAMPLES, RELU_AT_ZERO, MAX_OVERLAP, AVG_OVERLAP, *MAX_TIES)



# -- random inputs --------------------------------------------------------------------------------------------
@st.composite
def relu_cases(draw):
    """dout and x of one random shape (1 to 3 axes); x has small integers, zeros included."""
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    return {"dout": draw(small_ints(shape)), "x": draw(small_ints(shape, -2, 2))}


@st.composite
def pool_cases(draw, overlap: bool, x_values: str = "distinct"):
    """dout (N, C, H_out, W_out), x (N, C, H, W), size, stride.

    overlap: stride < size (else stride is None, size, or size + 1: gaps and dropped borders included).
    x_values: "distinct" (a shuffled range: no ties), "ties" (0, 1, 2: many ties) or "any" (small integers).
    x comes from a numpy generator seeded by hypothesis (cheap to draw); dout is drawn element by element, so a
    failure shrinks to a dout with few non-zero entries.
    """
    size = draw(st.integers(2 if overlap else 1, 3))
    stride = draw(st.integers(1, size - 1)) if overlap else draw(st.sampled_from([None, size, size + 1]))
    step = size if stride is None else stride
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    h, w = draw(st.integers(size, 6)), draw(st.integers(size, 6))
    h_out, w_out = (h - size) // step + 1, (w - size) // step + 1
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    if x_values == "distinct":
        count = n * c * h * w
        x = rng.permutation(count).reshape(n, c, h, w) - count // 2
    else:
        x = rng.integers(0, 3, (n, c, h, w)) if x_values == "ties" else rng.integers(-4, 5, (n, c, h, w))
    case = {"dout": draw(small_ints((n, c, h_out, w_out))), "x": x.astype(np.float64)}
    if size != 2 or draw(st.booleans()):
        case["size"] = size
    if stride is not None:
        case["stride"] = stride
    return case


# -- checks ---------------------------------------------------------------------------------------------------
def slide_examples(student):
    REFERENCE.pinned(student, SLIDE_EXAMPLES, prefix="example")


def relu_matches_torch(student):
    REFERENCE.pinned(student, (RELU_AT_ZERO,), prefix="example")
    REFERENCE.for_all(student, "relu_backward", relu_cases(), examples=25)


def max_pool_random_shapes(student):
    REFERENCE.for_all(student, "max_pool_backward", pool_cases(overlap=False), examples=30)


def max_pool_overlap(student):
    REFERENCE.pinned(student, (MAX_OVERLAP,), prefix="example")
    REFERENCE.for_all(student, "max_pool_backward", pool_cases(overlap=True), examples=25)


def max_pool_ties(student):
    REFERENCE.pinned(student, MAX_TIES, prefix="example")
    ties = st.one_of(pool_cases(overlap=False, x_values="ties"), pool_cases(overlap=True, x_values="ties"))
    REFERENCE.for_all(student, "max_pool_backward", ties, examples=20)


def avg_pool_random_shapes(student):
    REFERENCE.for_all(student, "avg_pool_backward", pool_cases(overlap=False, x_values="any"), examples=25)


def avg_pool_overlap(student):
    REFERENCE.pinned(student, (AVG_OVERLAP,), prefix="example")
    REFERENCE.for_all(student, "avg_pool_backward", pool_cases(overlap=True, x_values="any"), examples=20)


def inputs_unchanged(student):
    strategy = st.one_of(
        relu_cases().map(lambda case: ("relu_backward", case)),
        pool_cases(overlap=False).map(lambda case: ("max_pool_backward", case)),
        pool_cases(overlap=True).map(lambda case: ("max_pool_backward", case)),
        pool_cases(overlap=True, x_values="any").map(lambda case: ("avg_pool_backward", case)))

    REFERENCE.inputs_unchanged(student, None, strategy, examples=12)
