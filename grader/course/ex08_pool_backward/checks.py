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

Each check judges one function, and its inputs isolate one behaviour, so that one mistake costs one check: the
random-shapes, ties and inputs-unchanged checks draw windows that neither overlap nor leave rows or columns over;
the overlap check draws overlapping windows that divide the map evenly; only the left-over check draws windows that
do not divide evenly (rows or columns in no window). All max-pooling inputs but the ties check's have distinct
values. A check that has a named mistake to show starts with a fixed input built so that each known wrong answer
differs from the right one and from the others (mistakes.py), then runs a property on random inputs.
"""
from __future__ import annotations

import numpy as np

from grader.checking import Reference, st, truth
from grader.checking.strategies import small_ints
from grader.i18n import gettext as _


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
REFERENCE = Reference(TRUTH, what=lambda fn: _("dx of {fn}()").format(fn=fn))


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

# Windows that do not divide evenly: (H - size) % stride != 0, so rows or columns at the bottom or right lie in no
# window and get gradient 0. First a map whose windows divide evenly ((5 - 2) % 3 == 0: row and column 2 lie between
# windows), so that code which raises on every input fails there and is not said to require an even division; then
# the same map with stride 2, where row 4 and column 4 are in no window. The values are distinct (no ties), and no
# windows overlap.
LEFT_OVER_MAP = _img([[3, 17, 8, 22, 11], [20, 5, 14, 1, 25], [9, 24, 2, 16, 7], [13, 6, 19, 10, 21],
                      [23, 12, 4, 18, 15]])


def left_over_examples(fn: str) -> tuple:
    """(label, fn, kwargs, torch's answer) rows of the left-over check of ``fn``: even first, then uneven."""
    rows = (("5x5 map, 2x2 windows, stride 3 (the windows divide evenly: row and column 2 lie between them)",
             dict(dout=_img([[1, -2], [3, 4]]), x=LEFT_OVER_MAP, stride=3)),
            ("5x5 map, 2x2 windows, stride 2 (row 4 and column 4 are in no window: their gradient is 0)",
             dict(dout=_img([[1, 2], [-3, 4]]), x=LEFT_OVER_MAP)))
    return tuple((label, fn, kwargs, REFERENCE.truth[fn](**kwargs)) for label, kwargs in rows)


PINNED = (*SLIDE_EXAMPLES, RELU_AT_ZERO, MAX_OVERLAP, AVG_OVERLAP, *MAX_TIES)


# -- random inputs --------------------------------------------------------------------------------------------
@st.composite
def relu_cases(draw):
    """dout and x of one random shape (1 to 4 axes); x has small integers, zeros included."""
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=4)))
    return {"dout": draw(small_ints(shape)), "x": draw(small_ints(shape, -2, 2))}


def _sides(draw, size: int, step: int, layout: str) -> tuple[int, int]:
    """(H, W) for windows of ``size`` at ``step``: "even" (the stride divides H - size and W - size) or "left_over"
    (it does not divide at least one of them: rows or columns at the bottom or right lie in no window)."""
    h, w = (size + step * draw(st.integers(0, (6 - size) // step)) for _ in range(2))
    if layout == "left_over":
        rows, cols = draw(st.sampled_from([(True, False), (False, True), (True, True)]))
        h += draw(st.integers(1, step - 1)) if rows else 0
        w += draw(st.integers(1, step - 1)) if cols else 0
    return h, w


LEFT_OUT = "left out"   # a size or stride choice: leave the argument to its default


@st.composite
def pool_cases(draw, overlap: bool = False, x_values: str = "distinct", layout: str = "even"):
    """dout (N, C, H_out, W_out), x (N, C, H, W), size, stride: each case isolates one behaviour.

    overlap: stride < size (else stride is left out, None, size, or size + 1: windows side by side, or with gaps
    between them). x_values: "distinct" (a shuffled range: no ties), "ties" (0, 1, 2: many ties) or "any" (small
    integers). layout: "even" (the stride divides H - size and W - size) or "left_over" (not: a stride of at least
    2 leaves rows or columns at the bottom or right in no window).
    size 2 and stride None are sometimes passed, sometimes left to their defaults (each is a choice of its own, so
    that every way of calling is drawn). x comes from a numpy generator seeded by hypothesis (cheap to draw); dout is
    drawn element by element, so a failure shrinks to a dout with few non-zero entries.
    """
    size_arg = draw(st.sampled_from([LEFT_OUT, 2, 3] if overlap else [LEFT_OUT, 1, 2, 3]))
    size = 2 if size_arg == LEFT_OUT else size_arg
    if overlap:
        strides = list(range(1, size))
    elif layout == "left_over":
        strides = [LEFT_OUT, None, size, size + 1] if size > 1 else [size + 1]
    else:
        strides = [LEFT_OUT, None, size, size + 1]
    stride_arg = draw(st.sampled_from(strides))
    step = size if stride_arg in (LEFT_OUT, None) else stride_arg
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    h, w = _sides(draw, size, step, layout)
    h_out, w_out = (h - size) // step + 1, (w - size) // step + 1
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    if x_values == "distinct":
        count = n * c * h * w
        x = rng.permutation(count).reshape(n, c, h, w) - count // 2
    else:
        x = rng.integers(0, 3, (n, c, h, w)) if x_values == "ties" else rng.integers(-4, 5, (n, c, h, w))
    case = {"dout": draw(small_ints((n, c, h_out, w_out))), "x": x.astype(np.float64)}
    if size_arg != LEFT_OUT:
        case["size"] = size
    if stride_arg != LEFT_OUT:
        case["stride"] = stride_arg
    return case


# Every way of passing size and stride each strategy draws, in fixed cases run after the generated ones: the random
# draws (whatever the hidden-input secret) need not meet them all. (size, stride) as passed, LEFT_OUT for a default;
# "size" and "size+1" stand for those strides. N = 2, C = 1 (and the other way round), so that the two axes differ.
TOURS = {
    "even": ((LEFT_OUT, LEFT_OUT), (1, "size+1"), (2, None), (3, "size"), (3, "size+1"), (LEFT_OUT, "size+1")),
    "overlap": ((LEFT_OUT, 1), (2, 1), (3, 1), (3, 2)),
    "left_over": ((LEFT_OUT, LEFT_OUT), (1, "size+1"), (3, None), (2, "size"), (2, "size+1")),
}
# (rows left over, columns left over) of the left-over tour's cases, in order
LEFT_OVER_TOUR = ((True, False), (True, True), (False, True), (True, True), (True, False))


def relu_tour() -> tuple:
    """(label, fn, kwargs, torch's answer) rows: dout and x of 1 to 4 axes, x with negatives, zeros and positives."""
    rng = np.random.default_rng(8)
    rows = []
    for shape in ((5,), (2, 3), (2, 1, 3), (1, 2, 2, 2)):
        x = np.resize([-2.0, 0.0, 1.0, -1.0, 2.0, 0.0], shape)
        kwargs = {"dout": rng.integers(-4, 5, shape).astype(np.float64), "x": x}
        rows.append((f"dout and x of shape {shape}", "relu_backward", kwargs,
                     REFERENCE.truth["relu_backward"](**kwargs)))
    return tuple(rows)


def tour(fn: str, overlap: bool = False, x_values: str = "distinct", layout: str = "even") -> tuple:
    """(label, fn, kwargs, torch's answer) rows: one per entry of TOURS for this strategy, two windows per axis."""
    kind = "overlap" if overlap else layout
    rng = np.random.default_rng([8, len(fn), len(kind), len(x_values)])
    rows = []
    for k, (size_arg, stride_arg) in enumerate(TOURS[kind]):
        size = 2 if size_arg == LEFT_OUT else size_arg
        stride = {"size": size, "size+1": size + 1}.get(stride_arg, stride_arg)
        step = size if stride in (LEFT_OUT, None) else stride
        extra = LEFT_OVER_TOUR[k] if kind == "left_over" else (False, False)
        h, w = (size + step + (step - 1 if more else 0) for more in extra)
        n, c = (2, 1) if k % 2 == 0 else (1, 2)
        if x_values == "distinct":
            x = rng.permutation(n * c * h * w).reshape(n, c, h, w) - n * c * h * w // 2
        else:
            x = rng.integers(0, 3, (n, c, h, w)) if x_values == "ties" else rng.integers(-4, 5, (n, c, h, w))
        kwargs = {"dout": rng.integers(-4, 5, (n, c, 2, 2)).astype(np.float64), "x": x.astype(np.float64)}
        if size_arg != LEFT_OUT:
            kwargs["size"] = size
        if stride_arg != LEFT_OUT:
            kwargs["stride"] = stride
        label = (f"x of shape {(n, c, h, w)}, size {size if size_arg != LEFT_OUT else 'left out (2)'}, stride "
                 f"{'left out' if stride_arg == LEFT_OUT else stride}")
        rows.append((label, fn, kwargs, REFERENCE.truth[fn](**kwargs)))
    return tuple(rows)


# -- checks ---------------------------------------------------------------------------------------------------
def _slide_rows(fn: str) -> tuple:
    return tuple(row for row in SLIDE_EXAMPLES if row[1] == fn)


def relu_matches_torch(student):
    REFERENCE.pinned(student, _slide_rows("relu_backward") + (RELU_AT_ZERO,), prefix="example")
    REFERENCE.for_all(student, "relu_backward", relu_cases(), examples=25)
    REFERENCE.pinned(student, relu_tour(), prefix="case")


def relu_inputs_unchanged(student):
    REFERENCE.inputs_unchanged(student, "relu_backward", relu_cases(), examples=6)


def max_pool_slide_examples(student):
    REFERENCE.pinned(student, _slide_rows("max_pool_backward"), prefix="example")


def max_pool_random_shapes(student):
    REFERENCE.for_all(student, "max_pool_backward", pool_cases(), examples=30)
    REFERENCE.pinned(student, tour("max_pool_backward"), prefix="case")


def max_pool_overlap(student):
    REFERENCE.pinned(student, (MAX_OVERLAP,), prefix="example")
    REFERENCE.for_all(student, "max_pool_backward", pool_cases(overlap=True), examples=25)
    REFERENCE.pinned(student, tour("max_pool_backward", overlap=True), prefix="case")


def max_pool_ties(student):
    """Ties, in windows side by side or with gaps (the pinned stride-1 example is one where assigning instead of
    adding changes nothing: each window sends its gradient to a position of its own)."""
    REFERENCE.pinned(student, MAX_TIES, prefix="example")
    REFERENCE.for_all(student, "max_pool_backward", pool_cases(x_values="ties"), examples=20)
    REFERENCE.pinned(student, tour("max_pool_backward", x_values="ties"), prefix="case")


def max_pool_left_over(student):
    REFERENCE.pinned(student, left_over_examples("max_pool_backward"), prefix="example")
    REFERENCE.for_all(student, "max_pool_backward", pool_cases(layout="left_over"), examples=20)
    REFERENCE.pinned(student, tour("max_pool_backward", layout="left_over"), prefix="case")


def max_pool_inputs_unchanged(student):
    REFERENCE.inputs_unchanged(student, "max_pool_backward", pool_cases(), examples=6)


def avg_pool_slide_examples(student):
    REFERENCE.pinned(student, _slide_rows("avg_pool_backward"), prefix="example")


def avg_pool_random_shapes(student):
    REFERENCE.for_all(student, "avg_pool_backward", pool_cases(x_values="any"), examples=25)
    REFERENCE.pinned(student, tour("avg_pool_backward", x_values="any"), prefix="case")


def avg_pool_overlap(student):
    REFERENCE.pinned(student, (AVG_OVERLAP,), prefix="example")
    REFERENCE.for_all(student, "avg_pool_backward", pool_cases(overlap=True, x_values="any"), examples=20)
    REFERENCE.pinned(student, tour("avg_pool_backward", overlap=True, x_values="any"), prefix="case")


def avg_pool_left_over(student):
    REFERENCE.pinned(student, left_over_examples("avg_pool_backward"), prefix="example")
    REFERENCE.for_all(student, "avg_pool_backward", pool_cases(x_values="any", layout="left_over"), examples=20)
    REFERENCE.pinned(student, tour("avg_pool_backward", x_values="any", layout="left_over"), prefix="case")


def avg_pool_inputs_unchanged(student):
    REFERENCE.inputs_unchanged(student, "avg_pool_backward", pool_cases(x_values="any"), examples=6)
