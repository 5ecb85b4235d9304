"""Exercise 8: ReLU and pooling, backward pass.

In backpropagation every layer receives ``dout`` = dL/d(its output) and returns ``dx`` = dL/d(its input), by the
chain rule: dx = (d output / d x)^T dout. ReLU and pooling have no weights, so dx is all they return. All arrays
are float64 numpy arrays in NCHW layout:

    x     (N, C, H, W)             the layer's forward input
    dout  (N, C, H_out, W_out)     the gradient of the loss with respect to the layer's output
    dx    (N, C, H, W)             the gradient with respect to x: always the shape of x

ReLU, out = max(x, 0) elementwise (here dout and x have the same shape, any shape):

    dx = dout * (x > 0)            the gradient passes where x > 0 and is 0 elsewhere.

    At x == 0 ReLU has no derivative; like PyTorch (autograd through F.relu) we use 0 there. The mask comes from
    the forward INPUT x, not from dout, and dout is multiplied by the 0/1 mask, not by relu(x).

Pooling with window ``size`` and ``stride`` (stride=None means stride = size), no padding:

    H_out = (H - size) // stride + 1,  W_out = (W - size) // stride + 1
    window (i, j) = x[n, c, i*stride : i*stride + size, j*stride : j*stride + size]

    max pooling:      dout[n, c, i, j] goes, whole, to the position of the window's maximum; the rest of the
                      window gets 0 from this window.
    average pooling:  dout[n, c, i, j] / (size * size) goes to every position of the window.

    When windows overlap (stride < size) one input position belongs to several windows: its gradient is the SUM of
    what each window sends it (add with +=, never assign with =). Positions in no window (rows or columns that
    do not fit) get 0.

Ties in max pooling: if a window's maximum occurs more than once, PyTorch (autograd through F.max_pool2d) sends the
whole gradient to the FIRST maximal element of the window in row-major order (top row first, left to right), and
nothing to the others: np.argmax over the flattened window does exactly that. Only one check (1 point) uses inputs
with ties; all the other max-pooling inputs have distinct values, so any way of finding the maximum is fine there.
For example, a 2x2 window [[1, 1], [0, 0]] with dout 4 gives [[4, 0], [0, 0]] (not [[4, 4], ...], not [[2, 2], ...]).

Worked examples from the slides (forward values as on the slides; dout chosen here; the answers are PyTorch's):

    ReLU on the feature map of exercise 1:
        x = [[ 2, 1, -1],      dout = [[ 1, -2,  3],      dx = [[ 1, -2,  0],
             [-1, 1,  3],              [ 4,  5, -6],            [ 0,  5, -6],
             [ 2, 1,  1]]              [-7,  8,  9]]            [-7,  8,  9]]

    2x2 max pooling, stride 2, of the slides' 4x4 map (forward result [[123, 253], [187, 165]]):
        x = [[  4, 123,   1,  34],     dout = [[1, 2],      dx = [[0, 1, 0, 0],
             [ 56,  99, 222, 253],             [3, 4]]            [0, 0, 0, 2],
             [ 45, 122, 165,  12],                                [0, 0, 4, 0],
             [ 21, 187, 133, 124]]                                [0, 3, 0, 0]]

    The second slide deck's example [[1, 2, 5, 3], [3, 0, 1, 2], [2, 1, 3, 4], [1, 1, 2, 0]] -> [[3, 5], [2, 4]]
    with dout = ones gives dx = [[0, 0, 1, 0], [1, 0, 0, 0], [1, 0, 0, 1], [0, 0, 0, 0]].

    2x2 average pooling of any 4x4 map with dout = [[1, 2], [3, 4]] gives
        dx = [[0.25, 0.25, 0.5, 0.5], [0.25, 0.25, 0.5, 0.5], [0.75, 0.75, 1, 1], [0.75, 0.75, 1, 1]].

    Overlap: 2x2 max pooling with stride 1 of [[1, 2, 3], [4, 9, 5], [6, 7, 8]] (forward [[9, 9], [9, 9]]) with
    dout = [[1, 2], [3, 4]]: 9 is the maximum of all four windows, so it receives 1 + 2 + 3 + 4 = 10.

(Each 2-D array above is one (H, W) slice: wrap it as x[None, None] for N = C = 1.)

Run `grade exercise 8` to check your work, `grade hint 8` if you are stuck.
"""
import numpy as np


def relu_backward(dout, x):
    """Gradient of out = max(x, 0) with respect to x.

    Args:
        dout: array of any shape, dL/d(out).
        x: the forward input, the same shape as dout.

    Returns:
        dx, float64 array of x's shape: dx = dout * (x > 0) (0 where x <= 0, x == 0 included, as in PyTorch).

    Do not modify ``dout`` or ``x``.
    """
    # TODO: build the 0/1 mask from x and multiply dout by it.
    raise NotImplementedError


def max_pool_backward(dout, x, size=2, stride=None):
    """Gradient of max pooling with respect to its input.

    Args:
        dout: (N, C, H_out, W_out) array, dL/d(pooled output).
        x: (N, C, H, W) array, the forward input.
        size: window height and width (int >= 1).
        stride: step between windows (int >= 1); None means stride = size.

    Returns:
        dx, (N, C, H, W) float64 array: each dout[n, c, i, j] is added to the position of the maximum of window
        (i, j); with ties, to the first maximum in row-major order (PyTorch's rule). Overlapping windows add up.

    Do not modify ``dout`` or ``x``.
    """
    # TODO: for every window, find its argmax and add dout[n, c, i, j] there (+=, windows may overlap).
    raise NotImplementedError


def avg_pool_backward(dout, x, size=2, stride=None):
    """Gradient of average pooling with respect to its input.

    Args:
        dout: (N, C, H_out, W_out) array, dL/d(pooled output).
        x: (N, C, H, W) array, the forward input (only its shape matters).
        size: window height and width (int >= 1).
        stride: step between windows (int >= 1); None means stride = size.

    Returns:
        dx, (N, C, H, W) float64 array: each dout[n, c, i, j] / (size * size) is added to every position of
        window (i, j). Overlapping windows add up.

    Do not modify ``dout`` or ``x``.
    """
    # TODO: spread dout[n, c, i, j] / (size * size) over window (i, j) (+=, windows may overlap).
    raise NotImplementedError
