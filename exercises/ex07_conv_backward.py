"""Exercise 7: the convolution layer's backward pass.

The forward pass (exercise 4) computed, for x (N, C, H, W), weights w (F, C, KH, KW) and bias b (F,):

    out[n, f, i, j] = b[f] + sum over c, p, q of  x_pad[n, c, i*stride + p, j*stride + q] * w[f, c, p, q]

with x_pad = x padded by ``padding`` zeros on the four sides of H and W, and out of shape (N, F, H_out, W_out),
H_out = (H + 2*padding - KH) // stride + 1 (same for W). Backpropagation hands you dout = dL/dout, the gradient of
the loss with respect to that output (same shape as out), and asks for the gradients of the loss with respect to
the layer's inputs and parameters. By the chain rule, each output value passes its gradient back to exactly the
inputs and weights it was computed from:

    db[f]          = sum over n, i, j of  dout[n, f, i, j]                                        (F,)
    dw[f, c, p, q] = sum over n, i, j of  dout[n, f, i, j] * x_pad[n, c, i*stride + p, j*stride + q]   (F, C, KH, KW)
    dx_pad[n, c, i*stride + p, j*stride + q]  +=  sum over f of  dout[n, f, i, j] * w[f, c, p, q]
    dx = dx_pad with the padding cut off again                                                    (N, C, H, W)

In code (s = stride): loop over n, i, j; take the window x_pad[n, :, i*s:i*s+KH, j*s:j*s+KW] (C, KH, KW) and
the F numbers g = dout[n, :, i, j]; then dw += g[:, None, None, None] * window and dx_pad[n, :, window rows,
window cols] += (g[:, None, None, None] * w).sum(axis=0). Use += everywhere: windows overlap, and the same
weights serve every sample, so contributions add up. Watch out for:
  * cutting off the padding P with dx_pad[:, :, P:-P, P:-P] -- for P = 0 that is dx_pad[:, :, 0:0, 0:0], an EMPTY
    array. Use dx_pad[:, :, P:P + H, P:P + W].
  * strides that do not divide evenly: rows/columns of x that no window touches get gradient 0 (they did not
    affect the output).
  * do NOT divide by N: if the loss is a mean, its 1/N is already inside dout.

b: always an (F,) array (its values do not change any gradient; db has its shape). The result is the tuple
(dx, dw, db) with the shapes of (x, w, b), float64.

Worked example from the slides (3x3 input X, 2x2 filter F, stride 1, no padding, so the output O is 2x2):

    O11 = X11*F11 + X12*F12 + X21*F21 + X22*F22,  so  dO11/dF11 = X11, dO11/dF12 = X12, ...  and dO11/dX11 = F11, ...

The slide's figures are lost, so here are numbers: X = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], F = [[1, 2], [3, 4]], no
bias (b = [0]); all arrays get the batch and channel axes, e.g. x = X[None, None] of shape (1, 1, 3, 3).

    dL/dO = [[1, 0], [0, 0]] (only O11 matters):  dF = [[1, 2], [4, 5]]  (the window under O11: the local gradients)
                                                  dX = [[1, 2, 0], [3, 4, 0], [0, 0, 0]]  (F, placed over that window)
                                                  db = [1]
    dL/dO = [[1, 1], [1, 1]]:                     dF = [[12, 16], [24, 28]]  (the sum of the four windows)
                                                  dX = [[1, 3, 2], [4, 10, 6], [3, 7, 4]]   db = [4]
    dL/dO = [[1, -1], [2, 0]]:                    dF = [[7, 9], [13, 15]]
                                                  dX = [[1, 1, -2], [5, 5, -4], [6, 8, 0]]   db = [2]

So dF is the input cross-correlated with dL/dO, and dX is the "full" convolution of dL/dO with F rotated by 180
degrees -- the scatter loop above computes the same thing without any rotation.
Note: the slide calls dL/dZ "the loss from the previous layer". It is not a loss but the loss's gradient with
respect to this layer's output O (``dout`` here; Z on the slide is the same O), and it comes from the layer AFTER
this one: backpropagation runs from the loss back towards the input.

Run `grade exercise 7` to check your work, `grade hint 7` if you are stuck.
"""
import numpy as np


def conv_backward(dout, x, w, b, stride=1, padding=0):
    """Gradients of the convolution layer out = conv(x, w) + b.

    Args:
        dout: (N, F, H_out, W_out) array, dL/dout, H_out = (H + 2*padding - KH) // stride + 1 (same for W).
        x: (N, C, H, W) input of the forward pass.
        w: (F, C, KH, KW) weights of the forward pass.
        b: (F,) bias of the forward pass (always an array; only its shape matters here).
        stride: step between neighbouring windows (int >= 1), the same along H and W.
        padding: zeros added on each of the four sides of H and W in the forward pass (int >= 0).

    Returns:
        tuple (dx, dw, db) of float64 arrays: dx (N, C, H, W), dw (F, C, KH, KW), db (F,).

    Do not modify any argument.
    """
    # TODO: pad x, loop over n, i, j accumulating dw and dx_pad with +=, sum dout for db, cut dx out of dx_pad.
    raise NotImplementedError
