"""Exercise 4: the convolution layer, forward pass.

A conv layer takes a batch of N images with C channels each and F filters. Every filter spans ALL C input channels
(a filter is a KH x KW x C block of weights, plus one bias number) and produces one output channel ("feature map").
As in exercise 1 this is cross-correlation: the kernel is NOT flipped (PyTorch's F.conv2d works this way).

Shapes (NCHW layout, float64 numpy arrays):

    x (N, C, H, W)   *   w (F, C, KH, KW)   +   b (F,) or None   ->   out (N, F, H_out, W_out)

    H_out = (H + 2*padding - KH) // stride + 1          W_out = (W + 2*padding - KW) // stride + 1

    out[n, f, i, j] = b[f] + sum over c < C, p < KH, q < KW of  x_pad[n, c, i*stride + p, j*stride + q] * w[f, c, p, q]

where ``x_pad`` is x with ``padding`` zeros added on each of the four sides of every image (the H and W axes only,
never the N or C axes). The stride need not divide H + 2*padding - KH: the // rounds down, and the rows (columns)
left over at the bottom (right) are dropped, as in F.conv2d. The bias b[f] is added ONCE to every output value of filter f, after the sum over all
channels; ``b=None`` means no bias. In words: for one filter, convolve every input channel with its own kernel
slice w[f, c], add up the C feature maps, then add the filter's bias.

Worked examples from the slides:

1. Conv layer with a bias term (5x5x1 input, one 3x3x1 filter, bias 2, stride 1, no padding):

       x[0, 0]          w[0, 0]        without bias       with b = [2]
       3 3 2 1 0        0 1 2          12 12 17           14 14 19
       0 0 1 3 1        2 2 0          10 17 19           12 19 21
       3 1 2 2 3        0 1 2           9  6 14           11  8 16
       2 0 0 2 2
       2 0 0 0 1

   out[0, 0, 2, 2] = (2*0 + 2*1 + 3*2) + (0*2 + 2*2 + 2*0) + (0*0 + 0*1 + 1*2) + 2 = 16.
   Note: the slide's first sum for out[0, 0, 0, 0] lists "(3 x 0) + (1 x 1) + (2 x 2) + ..."; the first row of that
   window is 3 3 2, so the second term is 3 x 1. The terms as printed add up to 10; the answer, 12, is right.

2. Multi-channel convolution with a bias (3 input channels R, G, B, one 3x3x3 filter, bias 1, padding 1). The slide
   shows the top-left 5x6 corner of each channel (the grader uses exactly that 5x6 crop, shape (1, 3, 5, 6)):

       R: 156 155 156 158 158 158    G: 167 166 167 169 169 169    B: 163 162 163 165 165 165
          153 154 157 159 159 159       164 165 168 170 170 170       160 161 164 166 166 166
          149 151 155 158 159 159       160 162 166 169 170 170       156 158 162 165 166 166
          146 146 149 153 158 158       156 156 159 163 168 168       155 155 158 162 167 167
          145 143 143 148 158 158       155 153 153 158 168 168       154 152 152 157 167 167

       w[0, 0] (R)    w[0, 1] (G)    w[0, 2] (B)
       -1 -1  1        1  0  0        0  1  1
        0  1 -1        1 -1 -1        0  1  0
        0  1  1        1  0 -1        1 -1  1

   At the top-left corner the window covers one row and one column of padding zeros; the three channels give
   308, -498 and 164, so out[0, 0, 0, 0] = 308 - 498 + 164 + 1 = -25. The full output has shape (1, 1, 5, 6) and
   its first row is -25 466 466 475 481 653 (the slide shows only the -25).

3. Shapes: a 5x5x3 input with 2 filters of 3x3x3 gives a 3x3x2 output, i.e. x (1, 3, 5, 5) and w (2, 3, 3, 3) give
   out (1, 2, 3, 3). For example, with channel 0 of x the edge image (every row 1 1 0 0 0), channel 1 its mirror
   image (every row 0 0 0 1 1) and channel 2 all zeros, filter 0 = the vertical edge detector (every row 1 0 -1) on
   channel 0 and zeros on channels 1 and 2, filter 1 = the edge detector on all three channels, and no bias:

       out[0, 0] = 3 3 0 (every row)       out[0, 1] = 3 0 -3 (every row)

   Filter 0 only "looks at" channel 0; filter 1 adds up what the detector finds in every channel.

Run `grade exercise 4` to check your work, `grade hint 4` if you are stuck.
"""
import numpy as np


def conv_forward(x, w, b, stride=1, padding=0):
    """Forward pass of a convolution layer on a batch of multi-channel images.

    Args:
        x: (N, C, H, W) array, N images with C channels of H x W pixels.
        w: (F, C, KH, KW) array, F filters; filter f has one KH x KW kernel slice w[f, c] per input channel c.
        b: (F,) array, one bias per filter, or None for no bias.
        stride: step between neighbouring windows (int >= 1), the same along H and W.
        padding: rows/columns of zeros added on each of the four sides of every image (int >= 0).

    Returns:
        (N, F, H_out, W_out) float64 array with H_out = (H + 2*padding - KH) // stride + 1 and
        W_out = (W + 2*padding - KW) // stride + 1;
        out[n, f, i, j] = b[f] + sum over c, p, q of x_pad[n, c, i*stride + p, j*stride + q] * w[f, c, p, q].

    Raises:
        ValueError: when x and w disagree on the number of channels (x.shape[1] != w.shape[1]), or when the kernel
            is larger than the padded image (KH > H + 2*padding or KW > W + 2*padding).

    Do not modify ``x``, ``w`` or ``b``.
    """
    # TODO: check the shapes, pad x on the H and W axes, compute H_out and W_out, and fill the output window by
    #  window (summing over the channels and the kernel), then add the bias once per filter.
    raise NotImplementedError
