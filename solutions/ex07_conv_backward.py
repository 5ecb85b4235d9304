"""Reference solution for exercise 7: dx, dw, db of the convolution layer (NCHW, cross-correlation)."""
import numpy as np


def conv_backward(dout, x, w, b, stride=1, padding=0):
    """dout (N, F, H_out, W_out), x (N, C, H, W), w (F, C, KH, KW), b (F,) -> (dx, dw, db) shaped like (x, w, b)."""
    dout = np.asarray(dout, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    n_samples, _, h, width = x.shape
    _, _, kh, kw = w.shape
    _, _, h_out, w_out = dout.shape
    p, s = padding, stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    for n in range(n_samples):
        for i in range(h_out):
            for j in range(w_out):
                rows = slice(i * s, i * s + kh)
                cols = slice(j * s, j * s + kw)
                g = dout[n, :, i, j][:, None, None, None]          # (F, 1, 1, 1)
                dw += g * x_pad[n, :, rows, cols]                   # (F, C, KH, KW)
                dx_pad[n, :, rows, cols] += (g * w).sum(axis=0)     # (C, KH, KW)
    db = dout.sum(axis=(0, 2, 3))
    dx = dx_pad[:, :, p:p + h, p:p + width]
    return dx, dw, db
