"""Exercise 2: output-size formulas.

Before you build a CNN you must know the size of every feature map. All of these work on ONE spatial axis: for an
(N, C, H, W) input call them once with n = H and once with n = W. (N and C never change the spatial size; a conv
layer sets the channel count to its number of filters F, a pooling layer keeps C.)

Letters: n input size, f kernel (filter/window) size, p padding on EACH side, s stride, d dilation.

1. Convolution, PyTorch's rule (nn.Conv2d, F.conv2d):

       out = (n + 2*p - d*(f - 1) - 1) // s + 1          # floor division
           = (n + 2*p - f) // s + 1                       # the same thing when d = 1

   The "+1" counts the first window; ``(n + 2p - f) // s`` counts how many more steps fit. A dilated kernel has
   gaps of d - 1 pixels between its taps, so it covers d*(f - 1) + 1 pixels: use that in place of f.
   Floor division: a last window that would stick out of the (padded) input is simply not computed.

2. "Same" padding (stride 1): the padding that keeps out == n is p = d*(f - 1) / 2, i.e. (f - 1) / 2 without
   dilation. It exists only when d*(f - 1) is even (an odd effective kernel); PyTorch cannot pad unevenly.

3. Keras/TensorFlow (Conv2D and MaxPool2D alike):  'valid' = no padding, out = ceil((n - f + 1) / s);
   'same' = pad as needed, out = ceil(n / s) (it may pad one pixel more on the right/bottom than on the left/top).
   The MaxPool2D slide writes the same numbers as floor((n - f) / s) + 1 and floor((n - 1) / s) + 1.

4. Pooling, PyTorch's rule (nn.MaxPool2d / nn.AvgPool2d): stride=None means stride = f (non-overlapping windows),
   then the conv formula with d = 1. With ``ceil_mode=True`` the division rounds UP, keeping a last partial
   window, except that the last window must START inside the input or its left padding: if
   (out - 1) * s >= n + p, drop it (out -= 1). So with ceil_mode a window may hang over the end of the input (even
   when f > n + 2p), and the only size error is a result < 1. PyTorch also requires p <= f // 2.

5. Transposed convolution (nn.ConvTranspose2d), which grows the input (the reverse of formula 1):

       out = (n - 1)*s - 2*p + d*(f - 1) + output_padding + 1

   ``output_padding`` (extra pixels on one side only) resolves the ambiguity of a strided conv, which maps several
   sizes to the same output; PyTorch requires output_padding < s or output_padding < d.

Worked examples from the slides (all checked against PyTorch by the grader):

    5x5 image, 3x3 filter:           5 - 3 + 1 = 3              conv_output_size(5, 3) == 3
    6x6 image, 5x5 filter:           6 - 5 + 1 = 2              conv_output_size(6, 5) == 2
    5x5, 3x3, stride 2:        (5 + 0 - 3)/2 + 1 = 2            conv_output_size(5, 3, stride=2) == 2
    5x5, 3x3, padding 1:       (5 + 2 - 3)/1 + 1 = 5            conv_output_size(5, 3, padding=1) == 5
    W2 = (W1 - F + 2P)/S + 1:  (6 - 2 + 0)/1 + 1 = 5,  (6 - 2 + 0)/2 + 1 = 3,  (6 - 2 + 2)/2 + 1 = 4
    7x7 input, 3x3 filter:     stride 1 -> 5,  stride 2 -> 3,  padding 1 -> 7 (the size is kept)
    6x6 image, 3x3 filter:     6 - 3 + 1 = 4
    7x7, 3x3, stride 3:        (7 - 3)/3 + 1 = 2.33, "doesn't fit" says the slide. Frameworks do not refuse it:
                               PyTorch floors to 2 (windows start at columns 0 and 3; column 6 is never used, the
                               last column is dropped), and Keras 'valid' gives ceil(5/3) = 2 as well.
    32x32x3 input, 10 5x5 filters, stride 1, pad 2:  (32 + 4 - 5)/1 + 1 = 32  ->  32x32x10
    32x32 input, 5x5 filters, no padding:  32 -> 28 -> 24 (shrinks by f - 1 = 4 every layer)
    zero padding (F - 1)/2 keeps the size: F = 3 -> 1, F = 5 -> 2, F = 7 -> 3   (same_padding(3) == 1, ...)
    Keras, W1 = 128, F = 11, S = 6:  'valid' -> ceil(118/6) = 20,   'same' -> ceil(128/6) = 22
    Keras Conv2D(32, 3, strides=2, padding='valid') on 28x28:  ceil(26/2) = 13
    MNIST practice, MaxPool2D(pool_size=2, strides=2, padding='same'):  28 -> 14 -> 7
    max pooling 2x2 stride 2 on 4x4 -> 2x2;   25 3x3 filters on 28x28 -> 26x26, MaxPooling2D((2, 2)) -> 13x13
    LeNet-5: 32 -> conv 5x5 -> 28 -> pool 2 -> 14 -> conv 5x5 -> 10 -> pool 2 -> 5 -> conv 5x5 -> 1
    AlexNet: 227 -> conv 11x11 stride 4 -> 55 -> maxpool 3 stride 2 -> 27 -> conv 5x5 pad 2 -> 27 -> maxpool 3
             stride 2 -> 13 -> conv 3x3 pad 1 -> 13
    transposed conv (appendix): a 3x3 conv maps 4x4 -> 2x2 (R^16 -> R^4); its transpose maps 2x2 -> 4x4 (R^4 -> R^16)

Notes on slide mistakes (trust the formulas above and the grader, which uses PyTorch):
  * "(n + 2p - f) / S" (the Keras slide) is missing the "+1", and "(W - F + 1) / S" for 'valid' must be rounded
    UP: ceil((W - F + 1) / S).
  * "Conv2D(32, 3, strides=2, padding='valid') ... pad is 1": 'valid' means NO padding (p = 0); the output is 13.
  * "W2 = (128 - 11 + 2P)/6 + 1 = 19 + 2P + 1 = 20 + 2P": the 2P must be divided by 6 too; and 'same' with stride
    6 needs 9 pixels of padding in total (4 on one side, 5 on the other), not "P = 1".
  * The 6-column image of 10s with a 3x3 edge kernel is printed with 7 rows; a 6x6 image gives the 4x4 output
    shown (a 7x6 one would give 5x4).

Arguments are whole numbers: ``n``, ``f``, ``stride``, ``dilation`` must be ints >= 1, ``padding`` and
``output_padding`` ints >= 0. A bool (True is not a size) or a float (even 3.0) raises ValueError, as does any
argument combination PyTorch refuses (it raises RuntimeError there; we use ValueError). The helper
``_whole`` below does the type and range part for you.

All functions return a Python int. For rounding up, ``-(-a // b)`` is ceil(a / b) in integers (or ``import math``
and use math.ceil, which returns an int; np.ceil returns a float, which the grader does not accept).

Run `grade exercise 2` to check your work, `grade hint 2` if you are stuck.
"""
import numpy as np


def _whole(name, value, minimum):
    """Return ``value`` as an int if it is a whole number >= minimum, else raise ValueError. (Provided; use it.)"""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def conv_output_size(n, f, padding=0, stride=1, dilation=1):
    """Output size of a convolution along one axis, PyTorch's (floor) rule.

    Args:
        n: input size (int >= 1), e.g. H.
        f: kernel size (int >= 1), e.g. KH.
        padding: zeros added on EACH side (int >= 0).
        stride: step between windows (int >= 1).
        dilation: spacing between kernel taps (int >= 1); the kernel covers dilation*(f - 1) + 1 pixels.

    Returns:
        int: (n + 2*padding - dilation*(f - 1) - 1) // stride + 1.

    Raises:
        ValueError: for an argument that is not a whole number in range, or when the (dilated) kernel is larger
            than the padded input, dilation*(f - 1) + 1 > n + 2*padding.
    """
    # TODO: validate the arguments (use _whole), check the kernel fits, then apply the formula.
    raise NotImplementedError


def same_padding(f, dilation=1):
    """Padding that keeps the size unchanged at stride 1: p with conv_output_size(n, f, p, 1, dilation) == n.

    Args:
        f: kernel size (int >= 1).
        dilation: spacing between kernel taps (int >= 1).

    Returns:
        int: dilation*(f - 1) // 2, e.g. 1 for a 3x3 kernel, 2 for 5x5, 3 for 7x7, 0 for 1x1.

    Raises:
        ValueError: when dilation*(f - 1) is odd (an even effective kernel, e.g. f = 2 or f = 4: no symmetric
            padding keeps the size), or for an argument that is not a whole number >= 1.
    """
    # TODO: validate, refuse an even effective kernel, return the padding.
    raise NotImplementedError


def keras_output_size(n, f, stride=1, padding="valid"):
    """Output size of a Keras Conv2D or MaxPool2D layer along one axis.

    Args:
        n: input size (int >= 1).
        f: kernel / pool size (int >= 1).
        stride: step between windows (int >= 1).
        padding: "valid" (no padding) or "same" (pad so that out = ceil(n / stride)); upper case is accepted too,
            as in Keras.

    Returns:
        int: ceil((n - f + 1) / stride) for "valid", ceil(n / stride) for "same".

    Raises:
        ValueError: for any other padding string, for "valid" when f > n (the window does not fit), or for an
            argument that is not a whole number >= 1.
    """
    # TODO: validate, then apply the 'valid' or 'same' formula (ints only: -(-a // b) rounds up).
    raise NotImplementedError


def pool_output_size(n, f, stride=None, padding=0, ceil_mode=False):
    """Output size of PyTorch's MaxPool2d / AvgPool2d along one axis.

    Args:
        n: input size (int >= 1).
        f: window size (int >= 1).
        stride: step between windows (int >= 1), or None for stride = f.
        padding: padding on EACH side (int >= 0, at most f // 2).
        ceil_mode: round the division up instead of down (a bool), keeping a last window that starts inside the
            input or its left padding.

    Returns:
        int: (n + 2*padding - f) // stride + 1 without ceil_mode. With ceil_mode: ceil((n + 2*padding - f) / stride)
        + 1, minus 1 when that last window would start at or after n + padding ((out - 1)*stride >= n + padding).

    Raises:
        ValueError: when padding > f // 2, when the result would be < 1 (without ceil_mode: the window does not
            fit, n + 2*padding < f), or for an argument that is not a whole number in range.
    """
    # TODO: resolve stride=None, validate, apply the floor (or ceil) rule, then the ceil_mode correction.
    raise NotImplementedError


def conv_transpose_output_size(n, f, padding=0, stride=1, output_padding=0, dilation=1):
    """Output size of PyTorch's ConvTranspose2d along one axis.

    Args:
        n: input size (int >= 1).
        f: kernel size (int >= 1).
        padding: removed from EACH side of the full output (int >= 0).
        stride: spacing of the input pixels in the output (int >= 1).
        output_padding: extra pixels added on one side (int >= 0; smaller than stride or than dilation).
        dilation: spacing between kernel taps (int >= 1).

    Returns:
        int: (n - 1)*stride - 2*padding + dilation*(f - 1) + output_padding + 1.

    Raises:
        ValueError: when output_padding >= stride and output_padding >= dilation, when the result would be < 1,
            or for an argument that is not a whole number in range.
    """
    # TODO: validate, apply the formula, refuse a result < 1.
    raise NotImplementedError
