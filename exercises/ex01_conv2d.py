"""Exercise 1: convolution by hand.

Slide a small kernel over an image and take a dot product at every position. Deep-learning "convolution" is
cross-correlation: the kernel is NOT flipped (PyTorch's F.conv2d and Keras' Conv2D both work this way).

Shapes: image (H, W), kernel (KH, KW)  ->  output (H_out, W_out), all float64 numpy arrays.

    H_out = (H + 2*padding - KH) // stride + 1          W_out = (W + 2*padding - KW) // stride + 1
    out[i, j] = sum over p < KH, q < KW of  padded[i*stride + p, j*stride + q] * kernel[p, q]

where ``padded`` is the image with ``padding`` rows/columns of zeros added on every side (all four, equally).

Worked example from the slides (stride 1, padding 0; 5 - 3 + 1 = 3):

    image                kernel           output
    1 0 1 0 1            0  1  0           2  1 -1
    1 0 0 1 1            1  0 -1          -1  1  3
    0 1 1 0 0            0  1  0           2  1  1
    1 0 0 1 0
    0 0 1 1 0

    out[0, 0] = 1*0 + 0*1 + 1*0 + 1*1 + 0*0 + 0*(-1) + 0*0 + 1*1 + 1*0 = 2

The same image and kernel with stride 2 give [[2, -1], [2, 1]]. With padding 1 the output is 5x5; its centre
3x3 block is the stride-1 output above, and its first row is [1, 0, 0, 1, 1].
Note: the slide that shows the padding-1 result prints a 5x5 grid whose numbers are wrong (its first row
"2 1 -1 2 2" is not what any framework computes); trust the formula, and the grader, which uses PyTorch.
Also, the slides' 6x6 image with a 5x5 kernel [1 0 -1 0 1] gives 5 everywhere, not 3 as printed there.

The vertical-edge detector [[1, 0, -1]] * 3 rows on an image whose left two columns are 1 and the rest 0 gives
[[3, 3, 0], [3, 3, 0], [3, 3, 0]]: a strong response where the brightness changes from left to right.

Run `grade exercise 1` to check your work, `grade hint 1` if you are stuck.
"""
import numpy as np


def conv2d(image, kernel, stride=1, padding=0):
    """Cross-correlate one 2-D image with one 2-D kernel.

    Args:
        image: (H, W) array.
        kernel: (KH, KW) array.
        stride: step between neighbouring windows (int >= 1), the same along H and W.
        padding: rows/columns of zeros added on each of the four sides (int >= 0).

    Returns:
        (H_out, W_out) float64 array, H_out = (H + 2*padding - KH) // stride + 1 (and the same for W).

    Raises:
        ValueError: when the kernel is larger than the padded image.

    Do not modify ``image`` or ``kernel``.
    """
    # TODO: pad the image, compute H_out and W_out, and fill the output window by window.
    raise NotImplementedError
