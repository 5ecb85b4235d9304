"""Exercise 7's named mistakes: wrong versions of conv_backward(dout, x, w, b, stride=1, padding=0) -> (dx, dw, db),
dout (N, F, H_out, W_out), x (N, C, H, W), w (F, C, KH, KW), b (F,); dx, dw, db shaped like x, w, b.

Each wrong answer is the right (dx, dw, db) with the part the mistake changes recomputed, in numpy the way the
mistaken loop does it (:func:`_grads`, with knobs for the mistakes) or with the right answer's torch kernel on changed
inputs. A mistake is named only where the input tells it apart from the right answer and the other mistakes (the rule
is in :mod:`grader.checking.mistakes`); each entry has a mutant in tests/test_ex07.py that must show exactly it.
"""
from __future__ import annotations

import numpy as np

from grader.checking.mistakes import RAISES, Mistake, Mistakes
from grader.course.ex07_conv_backward.checks import FN, conv_grads


def _grads(dout, x, w, stride, padding, step=None, n_from=0, flip_dx=False, assign_dx=False, assign_dw=False):
    """(dx, dw, db) of the conv layer in numpy, with knobs for the mistakes: windows that move by ``step`` instead of
    the stride, dw from the samples ``n_from:`` only, dx scattered with the kernel rotated by 180 degrees, dx
    windows or dw assigned (=) instead of accumulated (+=).

    For every sample n and output position (i, j), window = rows i*step : i*step + KH, columns j*step : j*step + KW
    of x_pad (x zero-padded by p): dw += dout[n, :, i, j] * x_pad[n, :, window], dx_pad[n, :, window] += sum over f
    of dout[n, f, i, j] * w[f]; dx = dx_pad[:, :, p:p + H, p:p + W], db = dout.sum(axis=(0, 2, 3)).
    """
    dout, x, w = (np.asarray(a, dtype=np.float64) for a in (dout, x, w))
    p, s = padding, stride if step is None else step
    kh, kw = w.shape[2:]
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dx_pad, dw = np.zeros_like(x_pad), np.zeros_like(w)
    w_dx = w[:, :, ::-1, ::-1] if flip_dx else w
    for n in range(x.shape[0]):
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                rows, cols = slice(i * s, i * s + kh), slice(j * s, j * s + kw)
                g = dout[n, :, i, j][:, None, None, None]
                if x_pad[n, :, rows, cols].shape[1:] != (kh, kw):
                    raise ValueError("the window does not fit")
                if assign_dw:
                    dw = g * x_pad[n, :, rows, cols]
                elif n >= n_from:
                    dw += g * x_pad[n, :, rows, cols]
                if assign_dx:
                    dx_pad[n, :, rows, cols] = (g * w_dx).sum(axis=0)
                else:
                    dx_pad[n, :, rows, cols] += (g * w_dx).sum(axis=0)
    return dx_pad[:, :, p:p + x.shape[2], p:p + x.shape[3]], dw, dout.sum(axis=(0, 2, 3))


def _zero_padding_slice(dout, x, w, b, stride, padding):
    """dx = dx_pad[:, :, p:-p, p:-p]: the right dx for p > 0, empty (N, C, 0, 0) for p = 0."""
    dx, dw, db = conv_grads(dout, x, w, b, stride, padding)
    return (dx if padding else dx[:, :, 0:0, 0:0]), dw, db


def _db_summed_over(axes):
    def wrong(dout, x, w, b, stride, padding):
        dx, dw, _ = conv_grads(dout, x, w, b, stride, padding)
        return dx, dw, np.asarray(dout, dtype=np.float64).sum(axis=axes)
    return wrong


def _dw_last_sample(dout, x, w, b, stride, padding):
    dx, _, db = conv_grads(dout, x, w, b, stride, padding)
    return dx, _grads(dout, x, w, stride, padding, n_from=np.asarray(x).shape[0] - 1)[1], db


def _dw_overwritten(dout, x, w, b, stride, padding):
    dx, _, db = conv_grads(dout, x, w, b, stride, padding)
    return dx, _grads(dout, x, w, stride, padding, assign_dw=True)[1], db


def _divided_by_n(dout, x, w, b, stride, padding):
    dx, dw, db = conv_grads(dout, x, w, b, stride, padding)
    n = np.asarray(x).shape[0]
    return dx, dw / n, db / n


def _dx_from(**knobs):
    """The right (dw, db) with dx from the mistaken loop: _grads(..., **knobs)."""
    def wrong(dout, x, w, b, stride, padding):
        _, dw, db = conv_grads(dout, x, w, b, stride, padding)
        return _grads(dout, x, w, stride, padding, **knobs)[0], dw, db
    return wrong


def _windows_must_divide(dout, x, w, b, stride, padding):
    """Code that asserts (H + 2p - KH) % stride == 0 (and the same for W), or loops over a ceil'ed or round()ed
    output size, raises where the windows do not divide the padded input evenly; where they do it is right, and
    there it explains nothing. (Only the stride check meets such inputs, after evenly dividing ones of every kind,
    so code that raises for another reason fails before it meets one.)"""
    (h, width), (kh, kw) = np.shape(x)[2:], np.shape(w)[2:]
    if (h + 2 * padding - kh) % stride or (width + 2 * padding - kw) % stride:
        return RAISES
    raise ValueError("the windows divide evenly: this mistake makes no difference")


MISTAKES = Mistakes(right={FN: conv_grads}, entries=[
    Mistake("ex07-padding-zero-slice", FN,
            "Your dx is empty because dx_pad[:, :, p:-p, p:-p] is dx_pad[:, :, 0:0, 0:0] when padding is 0 (-0 is "
            "0): cut the padding off with dx_pad[:, :, p:p + H, p:p + W].", _zero_padding_slice),
    Mistake("ex07-db-not-over-batch", FN,
            "Your db has one value per sample and filter: it must also sum over the batch, db = "
            "dout.sum(axis=(0, 2, 3)), one number per filter.", _db_summed_over((2, 3))),
    Mistake("ex07-db-channels-last", FN,
            "Your db was summed over the wrong axes (0, 1, 2 is the channels-last layout): in NCHW the filters are "
            "axis 1, so db = dout.sum(axis=(0, 2, 3)).", _db_summed_over((0, 1, 2))),
    Mistake("ex07-dw-last-sample", FN,
            "Your dw holds only the last sample's gradient: the same filters serve every sample, so add up (+=) the "
            "contributions of all N samples instead of starting dw afresh for each one.", _dw_last_sample),
    Mistake("ex07-dw-overwritten", FN,
            "Your dw was assigned (=) window by window, so it holds only the last window's share: every window of "
            "every sample adds to it, dw += dout[n, f, i, j] * window.", _dw_overwritten),
    Mistake("ex07-divided-by-n", FN,
            "Both dw and db were divided by N: a conv layer sums its gradient over the batch (if the loss is a mean, "
            "its 1/N is already inside dout).", _divided_by_n),
    Mistake("ex07-dx-flipped-kernel", FN,
            "Your dx used the kernel rotated by 180 degrees: when you scatter dx_pad[n, :, window] += "
            "dout[n, f, i, j] * w[f], use w as it is (the rotation only appears when dx is written as a full "
            "convolution of dout).", _dx_from(flip_dx=True)),
    Mistake("ex07-dx-overwritten", FN,
            "Your dx was assigned (=) window by window, so where windows overlap only the last one counts: every "
            "window adds its share, dx_pad[n, :, window] += ...", _dx_from(assign_dx=True)),
    Mistake("ex07-windows-must-divide", FN,
            "Your code raised where the windows do not divide the padded input evenly (asserting that they do, or an "
            "output size rounded up): that is allowed, as the forward pass floors and the rows/columns no window "
            "reads get gradient 0, so take H_out and W_out from dout.shape.", _windows_must_divide),
    Mistake("ex07-stride-ignored", FN,
            "The windows did not move by the stride: output position (i, j) comes from the input window that starts "
            "at row i*stride and column j*stride, in dx and in dw alike.",
            lambda dout, x, w, b, stride, padding: _grads(dout, x, w, stride, padding, step=1)),
])
