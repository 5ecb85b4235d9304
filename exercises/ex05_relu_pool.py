"""Exercise 5: ReLU and pooling.

After a convolution a CNN applies an activation, usually ReLU, and then often a pooling layer that shrinks every
feature map. None of them has parameters, and each works on every sample and every channel on its own.

Shapes (NCHW layout, float64 numpy arrays): x (N, C, H, W).

ReLU keeps positive values and turns negative ones into 0, elementwise; the shape does not change:

    relu(x)[n, c, i, j] = max(x[n, c, i, j], 0)                                        -> (N, C, H, W)

Pooling slides a size x size window over each feature map, like a convolution without weights, and keeps the
largest value (max pooling) or the mean (average pooling) of each window:

    max_pool(x)[n, c, i, j] = max  over p, q < size of x[n, c, i*stride + p, j*stride + q]
    avg_pool(x)[n, c, i, j] = sum  over p, q < size of x[n, c, i*stride + p, j*stride + q] / (size * size)

    H_out = (H - size) // stride + 1          W_out = (W - size) // stride + 1         -> (N, C, H_out, W_out)

``stride=None`` means stride = size (neighbouring windows touch but do not overlap, as in torch's MaxPool2d). A
smaller stride makes the windows overlap; a larger one skips pixels. There is no padding: rows and columns at the
bottom/right that do not fill a whole window are dropped (the floor in the formula). The channel count never changes.

Worked examples from the slides (one 4x4 feature map, i.e. x of shape (1, 1, 4, 4); 2x2 windows, stride 2):

       x                   max_pool(x, 2)      avg_pool(x, 2)
       4 123   1  34       123 253              70.5  127.5
      56  99 222 253       187 165              93.75 108.5
      45 122 165  12
      21 187 133 124

       x                   max_pool(x, 2)      avg_pool(x, 2)
       1 2 5 3             3 5                 1.5  2.75
       3 0 1 2             2 4                 1.25 2.25
       2 1 3 4
       1 1 2 0

The max-pooling answers are the slides'; the slides name average pooling but give no numbers, so the averages above
are what torch's F.avg_pool2d computes (70.5 = (4 + 123 + 56 + 99) / 4).

On the second x, overlapping 2x2 windows with stride 1 give a 3x3 map: max_pool(x, 2, stride=1) =
[[3, 5, 5], [3, 3, 4], [2, 3, 4]]. With 3x3 windows and stride 2 only one window fits ((4 - 3) // 2 + 1 = 1): the
last row and column are dropped, and max_pool(x, 3, stride=2) = [[5]], avg_pool(x, 3, stride=2) = [[2]]. AlexNet
(slides, architecture table) uses exactly such overlapping 3x3 max pooling with stride 2: 55x55 -> 27x27 -> 13x13.
LeNet-5's 2x2 average pooling with stride 2 halves its maps: 28x28 -> 14x14 and 10x10 -> 5x5. ("Pooling halves the
size" only holds for even sizes: a 5x5 map becomes 2x2.)

ReLU of the slides' feature map:

       2  1 -1            2 1 0
      -1  1  3     ->     0 1 3
       2  1  1            2 1 1

Run `grade exercise 5` to check your work, `grade hint 5` if you are stuck.
"""
import numpy as np


def relu(x):
    """Rectified linear unit, elementwise: max(x, 0).

    Args:
        x: (N, C, H, W) array.

    Returns:
        A new (N, C, H, W) float64 array with every negative value replaced by 0 (positive values unchanged).

    Do not modify ``x``.
    """
    # TODO: keep positive values, replace negative ones by 0 (elementwise, not a reduction over an axis).
    raise NotImplementedError


def max_pool(x, size=2, stride=None):
    """Max pooling with a size x size window, on every sample and channel separately, no padding.

    Args:
        x: (N, C, H, W) array.
        size: height and width of the window (int >= 1).
        stride: step between neighbouring windows (int >= 1); None means stride = size.

    Returns:
        (N, C, H_out, W_out) float64 array, H_out = (H - size) // stride + 1 (the same for W);
        out[n, c, i, j] = max of x[n, c, i*stride : i*stride + size, j*stride : j*stride + size].

    Raises:
        ValueError: when the window is larger than the input (size > H or size > W).

    Do not modify ``x``.
    """
    # TODO: resolve stride=None, check the size, compute H_out and W_out, and take the max of every window.
    raise NotImplementedError


def avg_pool(x, size=2, stride=None):
    """Average pooling with a size x size window, on every sample and channel separately, no padding.

    Args:
        x: (N, C, H, W) array.
        size: height and width of the window (int >= 1).
        stride: step between neighbouring windows (int >= 1); None means stride = size.

    Returns:
        (N, C, H_out, W_out) float64 array, H_out = (H - size) // stride + 1 (the same for W);
        out[n, c, i, j] = mean of x[n, c, i*stride : i*stride + size, j*stride : j*stride + size]
        (the sum of the size*size values divided by size*size).

    Raises:
        ValueError: when the window is larger than the input (size > H or size > W).

    Do not modify ``x``.
    """
    # TODO: like max_pool, with the mean of every window instead of its max.
    raise NotImplementedError
