"""Checks for exercise 7, conv_backward(dout, x, w, b, stride=1, padding=0) -> (dx, dw, db).

dout (N, F, H_out, W_out), x (N, C, H, W), w (F, C, KH, KW), b (F,); dx, dw, db have the shapes of x, w, b. With
x_pad = x zero-padded by p on each side and window (i, j) = rows i*s : i*s + KH, columns j*s : j*s + KW of it:

    dw[f]                       = sum over n, i, j of dout[n, f, i, j] * x_pad[n, :, window (i, j)]
    dx_pad[n, :, window (i, j)] += sum over f of dout[n, f, i, j] * w[f]      dx = dx_pad[:, :, p:p + H, p:p + W]
    db[f]                       = sum over n, i, j of dout[n, f, i, j]

Ground truth: torch autograd through F.conv2d in float64.
"""
from __future__ import annotations

import numpy as np

from grader.checking import CheckFailed, Reference, describe, expect_array, for_all, st, truth
from grader.checking.strategies import values
from grader.i18n import gettext as _

FN = "conv_backward"


def conv_grads(dout, x, w, b, stride=1, padding=0):
    """(dx, dw, db) of out = F.conv2d(x, w, b, stride, padding) for the upstream gradient dout.

    Calls the kernel autograd runs for F.conv2d (aten.convolution_backward) directly: the same numbers without the
    autograd engine's first-use cost (about 0.25 s). tests/test_ex07.py checks it against real autograd.
    """
    torch = truth.torch()
    dx, dw, db = torch.ops.aten.convolution_backward(
        truth.tensor(dout), truth.tensor(x), truth.tensor(w), [len(b)], [stride, stride], [padding, padding],
        [1, 1], False, [0, 0], 1, [True, True, True])
    return dx.numpy(), dw.numpy(), db.numpy()


def conv_grads_autograd(dout, x, w, b, stride=1, padding=0):
    """The same through torch autograd (slower to start; the tests use it to check conv_grads)."""
    import torch.nn.functional as F

    xt, wt, bt = (truth.tensor(a).requires_grad_(True) for a in (x, w, b))
    F.conv2d(xt, wt, bt, stride=stride, padding=padding).backward(truth.tensor(dout))
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


# -- the slide's 3x3 input and 2x2 filter (the figures are lost; the numbers are ours), answers pinned and re-checked
# against torch in tests/test_ex07.py
SLIDE_X = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], float)[None, None]
SLIDE_F = np.array([[1, 2], [3, 4]], float)[None, None]
SLIDE_B = np.zeros(1)


def slide_answer(dx, dw, db):
    """A slide example's (dx, dw, db) (one image, one filter) as arrays of shapes (1, 1, 3, 3), (1, 1, 2, 2), (1,)."""
    return np.array(dx, float)[None, None], np.array(dw, float)[None, None], np.array(db, float)


# (label, function, kwargs, (dx, dw, db) as torch computes them)
SLIDE_EXAMPLES = (
    ("3x3 input, 2x2 filter, dL/dO = [[1, 0], [0, 0]]: dF is the window under O11", FN,
     dict(dout=np.array([[1, 0], [0, 0]], float)[None, None], x=SLIDE_X, w=SLIDE_F, b=SLIDE_B),
     slide_answer([[1, 2, 0], [3, 4, 0], [0, 0, 0]], [[1, 2], [4, 5]], [1])),
    ("3x3 input, 2x2 filter, dL/dO = [[1, 1], [1, 1]]", FN,
     dict(dout=np.ones((1, 1, 2, 2)), x=SLIDE_X, w=SLIDE_F, b=SLIDE_B),
     slide_answer([[1, 3, 2], [4, 10, 6], [3, 7, 4]], [[12, 16], [24, 28]], [4])),
    ("3x3 input, 2x2 filter, dL/dO = [[1, -1], [2, 0]]", FN,
     dict(dout=np.array([[1, -1], [2, 0]], float)[None, None], x=SLIDE_X, w=SLIDE_F, b=SLIDE_B),
     slide_answer([[1, 1, -2], [5, 5, -4], [6, 8, 0]], [[7, 9], [13, 15]], [2])),
)


# Strides that divide evenly ((5 - 3) % 2 == 0, (4 + 2 - 2) % 2 == 0), tried first, without and with padding: code
# that raises on every input (or on every padded one) fails here, where asserting that the windows divide evenly
# would not raise, so only code that raises where they do not is named so.
EVEN_STRIDE = dict(dout=np.array([[1, 2], [3, -1]], float)[None, None], x=np.arange(25.0).reshape(1, 1, 5, 5),
                   w=np.array([[1, -1, 2], [0, 1, -2], [2, 1, -1]], float)[None, None], b=np.zeros(1), stride=2)
EVEN_PADDED_STRIDE = dict(dout=np.array([[2, -1, 1], [1, 3, -2], [-1, 2, 1]], float)[None, None],
                          x=np.arange(16.0).reshape(1, 1, 4, 4), w=np.array([[2, -1], [1, 3]], float)[None, None],
                          b=np.zeros(1), stride=2, padding=1)
# A stride that does not divide evenly: (5 - 2) // 2 + 1 = 2 windows cover rows/columns 0-3; row and column 4 are
# never read, so their gradient is 0.
UNEVEN_STRIDE = dict(dout=np.array([[1, 2], [3, 4]], float)[None, None], x=np.arange(25.0).reshape(1, 1, 5, 5),
                     w=np.array([[1, -1], [2, 1]], float)[None, None], b=np.zeros(1), stride=2)
# Stride and padding together, with generic values on which every named mistake that makes a difference gives an
# answer of its own (tests/test_ex07.py): on the tiny random inputs the stride check shrinks to (x all 0, one pixel),
# a dx cut from the wrong corner of dx_pad equals what windows that ignore the stride give, and would be named so.
PADDED_STRIDE = dict(dout=np.array([[1, 2, -1], [3, -2, 1], [2, 1, 4]], float)[None, None],
                     x=np.arange(25.0).reshape(1, 1, 5, 5), w=np.array([[1, -1], [2, 1]], float)[None, None],
                     b=np.zeros(1), stride=2, padding=1)

# (label, function, kwargs, (dx, dw, db) as torch computes them), tried before the stride check's random inputs
STRIDE_EXAMPLES = (
    ("5x5 input, 3x3 filter, stride 2 (the windows divide evenly)", FN, EVEN_STRIDE,
     (np.array([[1, -1, 4, -2, 4], [0, 1, -2, 2, -4], [5, -2, 8, 3, -4], [0, 3, -6, -1, 2], [6, 3, -5, -1, 1]],
               float)[None, None], np.array([[22, 27, 32], [47, 52, 57], [72, 77, 82]], float)[None, None],
      np.array([5.0]))),
    ("4x4 input, 2x2 filter, stride 2, padding 1 (the windows divide evenly)", FN, EVEN_PADDED_STRIDE,
     (np.array([[6, -1, -3, 1], [-1, 6, -3, -4], [3, 3, 9, -2], [1, 4, -2, 2]], float)[None, None],
      np.array([[42, 38], [7, 36]], float)[None, None], np.array([6.0]))),
    ("5x5 input, 2x2 filter, stride 2 (row and column 4 are never read)", FN, UNEVEN_STRIDE,
     (np.array([[1, -1, 2, -2, 0], [2, 1, 4, 2, 0], [3, -3, 4, -4, 0], [6, 3, 8, 4, 0], [0, 0, 0, 0, 0]],
               float)[None, None], np.array([[82, 92], [132, 142]], float)[None, None], np.array([10.0]))),
    ("5x5 input, 2x2 filter, stride 2, padding 1", FN, PADDED_STRIDE,
     (np.array([[1, 4, 2, -2, -1], [-3, -2, 2, 1, -1], [3, -4, -2, 2, 1], [-2, 1, -1, 4, -4], [2, 2, 1, 8, 4]],
               float)[None, None], np.array([[84, 133], [103, 178]], float)[None, None], np.array([11.0]))),
)


# -- strategies -----------------------------------------------------------------------------------------------------
def _evenly(size: int, p: int, s: int, k: int = 1) -> int:
    """The size nearest ``size`` (below it, if one fits) whose windows of ``k`` at stride ``s`` divide the padded
    input evenly: (size + 2p - k) % s == 0."""
    fits = [m for m in range(max(1, k - 2 * p), size + s + 1) if (m + 2 * p - k) % s == 0]
    return max([m for m in fits if m <= size] or fits[:1])


@st.composite
def cases(draw, strides=(1,), paddings=(0,), kernel="any", evenly=False):
    """dout, x, w, b (and stride/padding when not the defaults) of a conv layer that fits.

    kernel: "any" (1..4 per side), "1x1", or "whole" (the whole padded input: a single-pixel output). ``evenly``:
    sizes whose windows divide the padded input evenly, (H + 2p - KH) % stride == 0 (and the same for W).
    """
    s, p = draw(st.sampled_from(strides)), draw(st.sampled_from(paddings))
    n, c, f = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w_ = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    if kernel == "1x1":
        kh = kw = 1
    elif kernel == "whole":
        kh, kw = h + 2 * p, w_ + 2 * p
    else:
        kh, kw = draw(st.integers(1, min(4, h + 2 * p))), draw(st.integers(1, min(4, w_ + 2 * p)))
    if evenly:
        h, w_ = _evenly(h, p, s, kh), _evenly(w_, p, s, kw)
    h_out, w_out = (h + 2 * p - kh) // s + 1, (w_ + 2 * p - kw) // s + 1
    integer = draw(st.booleans())
    case = {"dout": draw(values((n, f, h_out, w_out), integer)), "x": draw(values((n, c, h, w_), integer)),
            "w": draw(values((f, c, kh, kw), integer)), "b": draw(values((f,), integer))}
    if s != 1:
        case["stride"] = s
    if p != 0:
        case["padding"] = p
    return case


# -- checks ---------------------------------------------------------------------------------------------------------
def expect_grads(got, expected) -> None:
    """got must be a tuple (or list) (dx, dw, db) close to expected, element by element."""
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise CheckFailed(_("conv_backward() returned {description}, expected a tuple (dx, dw, db)").format(
            description=describe(got)))
    for name, g, e in zip(("dx", "dw", "db"), got, expected):
        expect_array(g, e, what=name)


REFERENCE = Reference({FN: conv_grads}, expect=expect_grads)


def slide_examples(student):
    REFERENCE.pinned(student, SLIDE_EXAMPLES)


def random_shapes(student):
    REFERENCE.for_all(student, FN, cases(), examples=25)


def padding(student):
    REFERENCE.for_all(student, FN, cases(paddings=(1, 2)), examples=20)


def stride(student):
    """Evenly dividing windows first (pinned, then random), then any: code that gets this far handles every kind of
    input whose windows divide evenly, so a call that raises where they do not raises because they do not."""
    REFERENCE.pinned(student, STRIDE_EXAMPLES, prefix="example")
    REFERENCE.for_all(student, FN, cases(strides=(2, 3), paddings=(0, 1), evenly=True), examples=12)
    REFERENCE.for_all(student, FN, cases(strides=(2, 3), paddings=(0, 1)), examples=20)


def edge_cases(student):
    """1x1 kernels (at sizes the stride divides evenly: uneven strides are the stride check's business) and kernels
    as large as the padded input."""
    strategy = st.one_of(cases(kernel="1x1", strides=(1, 2), paddings=(0, 1), evenly=True),
                         cases(kernel="whole", paddings=(0, 1)))
    REFERENCE.for_all(student, FN, strategy, examples=15)


def inputs_unchanged(student):
    REFERENCE.inputs_unchanged(student, FN, cases(strides=(1, 2), paddings=(0, 1)), examples=6)
