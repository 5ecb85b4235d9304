"""Reference solution for exercise 4: forward pass of a conv layer, (N, C, H, W) * (F, C, KH, KW) + b (F,)."""
import numpy as np


def conv_forward(x, w, b, stride=1, padding=0):
    """(N, C, H, W) * (F, C, KH, KW) + (F,) -> (N, F, H_out, W_out), H_out = (H + 2*padding - KH) // stride + 1."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    n, c, height, width = x.shape
    f, c_w, kh, kw = w.shape
    if c_w != c:
        raise ValueError(f"x has {c} channels but the filters have {c_w}")
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    hp, wp = xp.shape[2], xp.shape[3]
    if kh > hp or kw > wp:
        raise ValueError(f"kernel {kh}x{kw} does not fit the padded {hp}x{wp} image")
    h_out = (hp - kh) // stride + 1
    w_out = (wp - kw) // stride + 1
    out = np.zeros((n, f, h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            window = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]      # (N, C, KH, KW)
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))      # (N, F)
    if b is not None:
        out += np.asarray(b, dtype=np.float64).reshape(1, f, 1, 1)
    return out
