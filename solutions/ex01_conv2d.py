"""Reference solution for exercise 1: 2-D cross-correlation of one image with one kernel."""
import numpy as np


def conv2d(image, kernel, stride=1, padding=0):
    """(H, W) * (KH, KW) -> (H_out, W_out), H_out = (H + 2*padding - KH) // stride + 1 (same for W)."""
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    padded = np.pad(image, padding)
    h, w = padded.shape
    if kh > h or kw > w:
        raise ValueError(f"kernel {kernel.shape} does not fit the padded image {padded.shape}")
    h_out = (h - kh) // stride + 1
    w_out = (w - kw) // stride + 1
    out = np.empty((h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            window = padded[i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[i, j] = np.sum(window * kernel)
    return out
