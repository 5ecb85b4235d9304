"""Reference solution for exercise 8: backward passes of ReLU, max pooling and average pooling (NCHW)."""
import numpy as np


def relu_backward(dout, x):
    """dx = dout * (x > 0), x's shape; 0 at x == 0 (PyTorch's choice)."""
    dout = np.asarray(dout, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    return dout * (x > 0)


def max_pool_backward(dout, x, size=2, stride=None):
    """(N, C, H_out, W_out), (N, C, H, W) -> dx (N, C, H, W); ties go to the first maximum (row-major)."""
    dout = np.asarray(dout, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    stride = size if stride is None else stride
    n, c, h_out, w_out = dout.shape
    dx = np.zeros(x.shape)
    for i in range(h_out):
        for j in range(w_out):
            h0, w0 = i * stride, j * stride
            window = x[:, :, h0:h0 + size, w0:w0 + size].reshape(n, c, size * size)
            first = np.argmax(window, axis=2)  # first maximum in row-major order, as torch
            p, q = np.divmod(first, size)
            for a in range(n):
                for b in range(c):
                    dx[a, b, h0 + p[a, b], w0 + q[a, b]] += dout[a, b, i, j]
    return dx


def avg_pool_backward(dout, x, size=2, stride=None):
    """(N, C, H_out, W_out), (N, C, H, W) -> dx (N, C, H, W): dout / size**2 spread over each window."""
    dout = np.asarray(dout, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    stride = size if stride is None else stride
    h_out, w_out = dout.shape[2:]
    dx = np.zeros(x.shape)
    for i in range(h_out):
        for j in range(w_out):
            h0, w0 = i * stride, j * stride
            dx[:, :, h0:h0 + size, w0:w0 + size] += dout[:, :, i:i + 1, j:j + 1] / (size * size)
    return dx
