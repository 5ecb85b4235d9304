"""The catalog of named misconceptions: known-wrong answers and the one sentence that explains each.

When a check fails, :func:`diagnose` recomputes the failing call with every known-wrong variant registered for that
exercise and function; if the student's answer matches one (same shape, values close), the feedback names the
mistake. Each entry is data: an id, where it applies, the message, and ``wrong(**kwargs)`` computing what the
mistaken code returns (with numpy/torch, in the grader). Entries are tried in order; the first match wins, so put
the more specific variants first. Every entry has a mutant in ``tests/mutants`` that must trigger it and no other.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Misconception:
    id: str
    exercise: int
    function: str
    message: str
    wrong: Callable  # called with the student's arguments (as keywords, defaults filled in); returns the wrong answer


def _matches(got, wrong) -> bool:
    if isinstance(wrong, tuple) and isinstance(got, tuple):
        return len(got) == len(wrong) and all(_matches(g, w) for g, w in zip(got, wrong))
    if isinstance(wrong, np.ndarray):
        return (isinstance(got, np.ndarray) and got.shape == wrong.shape and got.dtype.kind in "biuf"
                and bool(np.allclose(got.astype(float), wrong.astype(float), rtol=1e-6, atol=1e-8, equal_nan=True)))
    if isinstance(wrong, (int, float, np.number)) and not isinstance(wrong, bool):
        if isinstance(got, bool) or not isinstance(got, (int, float, np.number)):
            return False
        # nan matches nan (and inf the same inf), as for arrays: a loss that overflows is a recognisable mistake
        return bool(np.isclose(float(got), float(wrong), rtol=1e-6, atol=1e-9, equal_nan=True))
    return False


def _bind(fn: Callable, args: tuple, kwargs: dict) -> dict:
    """The call's arguments as keywords with the reference signature's defaults applied."""
    sig = inspect.signature(fn)
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def diagnose(exercise: int, call) -> str | None:
    """The message of the first catalog entry whose wrong answer equals the student's result, else None."""
    if call is None:
        return None
    for entry in CATALOG:
        if entry.exercise != exercise or entry.function != call.fn:
            continue
        try:
            wrong = entry.wrong(**_bind(entry.wrong, call.args, call.kwargs))
        except Exception:  # the wrong variant is undefined for this input (e.g. it would not fit)
            continue
        if _matches(call.result, wrong):
            return entry.message
    return None


def by_id(ident: str) -> Misconception:
    for entry in CATALOG:
        if entry.id == ident:
            return entry
    raise KeyError(ident)


# Entries are added per exercise below. Keep each exercise's entries together, in the order they should be tried.
CATALOG: list[Misconception] = []

# --- ex01 -------------------------------------------------------------------------------------------------------
# Wrong variants of conv2d(image, kernel, stride=1, padding=0), computed with F.conv2d. Each raises (= "not
# applicable") where it would equal the right answer, so it can only name a mistake the input really shows.
def _ex01_conv(image, kernel, stride=1, padding=0):
    from grader import truth

    return truth.conv2d_single(image, kernel, stride=stride, padding=padding)


def _ex01_unless_right(wrong, image, kernel, stride, padding):
    right = _ex01_conv(image, kernel, stride, padding)
    if wrong.shape == right.shape and np.allclose(wrong, right):
        raise ValueError("same as the right answer for this input")
    return wrong


def _ex01_flipped(image, kernel, stride=1, padding=0):
    flipped = np.asarray(kernel, dtype=np.float64)[::-1, ::-1]
    return _ex01_unless_right(_ex01_conv(image, flipped, stride, padding), image, kernel, stride, padding)


def _ex01_padded(image, kernel, stride, padding, before, after):
    if padding == 0:
        raise ValueError("no padding in this call")
    padded = np.pad(np.asarray(image, dtype=np.float64), ((before, after), (before, after)))
    return _ex01_unless_right(_ex01_conv(padded, kernel, stride, 0), image, kernel, stride, padding)


def _ex01_pad_after(image, kernel, stride=1, padding=0):
    return _ex01_padded(image, kernel, stride, padding, before=0, after=padding)


def _ex01_pad_before(image, kernel, stride=1, padding=0):
    return _ex01_padded(image, kernel, stride, padding, before=padding, after=0)


def _ex01_window_ignores_stride(image, kernel, stride=1, padding=0):
    if stride == 1:
        raise ValueError("stride 1 in this call")
    right = _ex01_conv(image, kernel, stride, padding)
    wrong = _ex01_conv(image, kernel, 1, padding)[:right.shape[0], :right.shape[1]]
    return _ex01_unless_right(wrong, image, kernel, stride, padding)


def _ex01_stride_ignored(image, kernel, stride=1, padding=0):
    if stride == 1:
        raise ValueError("stride 1 in this call")
    return _ex01_unless_right(_ex01_conv(image, kernel, 1, padding), image, kernel, stride, padding)


CATALOG += [
    Misconception("ex01-kernel-flipped", 1, "conv2d",
                  "The kernel was flipped (true convolution): deep-learning convolution is cross-correlation, so "
                  "multiply window[p, q] by kernel[p, q] without reversing the kernel.", _ex01_flipped),
    Misconception("ex01-pad-one-side", 1, "conv2d",
                  "The zero padding was added on one side only: put `padding` rows/columns of zeros on all four "
                  "sides, np.pad(image, padding).", _ex01_pad_after),
    Misconception("ex01-pad-one-side-before", 1, "conv2d",
                  "The zero padding was added on one side only: put `padding` rows/columns of zeros on all four "
                  "sides, np.pad(image, padding).", _ex01_pad_before),
    Misconception("ex01-window-ignores-stride", 1, "conv2d",
                  "The output has the right size but the windows move by one pixel: window (i, j) starts at row "
                  "i*stride and column j*stride.", _ex01_window_ignores_stride),
    Misconception("ex01-stride-ignored", 1, "conv2d",
                  "The stride was ignored: windows move by `stride` pixels, so the output has "
                  "(H + 2*padding - KH) // stride + 1 rows (and the same for columns).", _ex01_stride_ignored),
]

# --- ex02 -------------------------------------------------------------------------------------------------------
# Wrong variants of the one-axis size formulas (plain int arithmetic). A variant is "not applicable" (raises) where it
# equals torch's right answer (grader.checks.ex02.TRUTH) or the answer of a variant it yields to (by default every
# other variant of the same function), so a message is only shown when the input tells the mistakes apart.
def _ex02_pick(fn, name, variants, yields_to=None, **kwargs):
    from grader.checks.ex02 import TRUTH

    wrong = variants[name]
    if wrong is None:
        raise ValueError("not applicable to this call")
    others = [k for k in variants if k != name] if yields_to is None else yields_to
    if wrong == TRUTH[fn](**kwargs) or any(variants[k] == wrong for k in others):
        raise ValueError("this input does not tell the mistakes apart")
    return wrong


def _ex02_conv(name, n, f, padding, stride, dilation):
    room = n + 2 * padding - dilation * (f - 1) - 1
    variants = {
        "no plus one": room // stride,
        "ceil": -(-room // stride) + 1,
        "dilation ignored": (n + 2 * padding - f) // stride + 1 if dilation > 1 else None,
    }
    return _ex02_pick("conv_output_size", name, variants, n=n, f=f, padding=padding, stride=stride, dilation=dilation)


def _ex02_conv_no_plus_one(n, f, padding=0, stride=1, dilation=1):
    return _ex02_conv("no plus one", n, f, padding, stride, dilation)


def _ex02_conv_ceil(n, f, padding=0, stride=1, dilation=1):
    return _ex02_conv("ceil", n, f, padding, stride, dilation)


def _ex02_conv_dilation_ignored(n, f, padding=0, stride=1, dilation=1):
    return _ex02_conv("dilation ignored", n, f, padding, stride, dilation)


def _ex02_same_padding_dilation_ignored(f, dilation=1):
    if f == 1 or dilation == 1 or (dilation * (f - 1)) % 2:  # the same answer, or no same padding exists
        raise ValueError("not applicable")
    return (f - 1) // 2


def _ex02_keras(name, n, f, stride, padding):
    mode = padding.lower()
    variants = {
        "valid floor": (n - f + 1) // stride if mode == "valid" else None,
        "same floor": n // stride if mode == "same" else None,
        "same ignores stride": n if mode == "same" else None,
    }
    return _ex02_pick("keras_output_size", name, variants, n=n, f=f, stride=stride, padding=padding)


def _ex02_keras_valid_floor(n, f, stride=1, padding="valid"):
    return _ex02_keras("valid floor", n, f, stride, padding)


def _ex02_keras_same_floor(n, f, stride=1, padding="valid"):
    return _ex02_keras("same floor", n, f, stride, padding)


def _ex02_keras_same_ignores_stride(n, f, stride=1, padding="valid"):
    return _ex02_keras("same ignores stride", n, f, stride, padding)


def _ex02_pool(name, n, f, stride, padding, ceil_mode):
    from grader.checks.ex02 import TRUTH

    s = f if stride is None else stride
    variants = {
        "stride one": TRUTH["pool_output_size"](n, f, 1, padding, ceil_mode) if stride is None else None,
        "ceil ignored": (n + 2 * padding - f) // s + 1 if ceil_mode else None,
        "ceil no drop": -(-(n + 2 * padding - f) // s) + 1 if ceil_mode else None,
    }
    return _ex02_pick("pool_output_size", name, variants, n=n, f=f, stride=stride, padding=padding,
                      ceil_mode=ceil_mode)


def _ex02_pool_stride_one(n, f, stride=None, padding=0, ceil_mode=False):
    return _ex02_pool("stride one", n, f, stride, padding, ceil_mode)


def _ex02_pool_ceil_ignored(n, f, stride=None, padding=0, ceil_mode=False):
    return _ex02_pool("ceil ignored", n, f, stride, padding, ceil_mode)


def _ex02_pool_ceil_no_drop(n, f, stride=None, padding=0, ceil_mode=False):
    return _ex02_pool("ceil no drop", n, f, stride, padding, ceil_mode)


def _ex02_transpose(name, n, f, padding, stride, output_padding, dilation):
    variants = {
        "conv formula": (n + 2 * padding - dilation * (f - 1) - 1) // stride + 1,
        "output_padding ignored": ((n - 1) * stride - 2 * padding + dilation * (f - 1) + 1) if output_padding else None,
    }
    # output_padding > 0 is the more specific symptom: the conv formula yields to it when both give the same number
    yields_to = ["output_padding ignored"] if name == "conv formula" else []
    return _ex02_pick("conv_transpose_output_size", name, variants, yields_to, n=n, f=f, padding=padding,
                      stride=stride, output_padding=output_padding, dilation=dilation)


def _ex02_transpose_conv_formula(n, f, padding=0, stride=1, output_padding=0, dilation=1):
    return _ex02_transpose("conv formula", n, f, padding, stride, output_padding, dilation)


def _ex02_transpose_output_padding_ignored(n, f, padding=0, stride=1, output_padding=0, dilation=1):
    return _ex02_transpose("output_padding ignored", n, f, padding, stride, output_padding, dilation)


CATALOG += [
    Misconception("ex02-conv-no-plus-one", 2, "conv_output_size",
                  "Your size is one too small: (n + 2*padding - f) // stride counts the steps between windows, and "
                  "the +1 adds the first window.", _ex02_conv_no_plus_one),
    Misconception("ex02-conv-ceil", 2, "conv_output_size",
                  "You rounded up, but PyTorch rounds down: a last window that would stick out of the padded input is "
                  "dropped, so use floor division //.", _ex02_conv_ceil),
    Misconception("ex02-conv-dilation-ignored", 2, "conv_output_size",
                  "Dilation was ignored: a kernel of f taps with dilation d covers d*(f - 1) + 1 pixels, so use "
                  "that in place of f.", _ex02_conv_dilation_ignored),
    Misconception("ex02-same-padding-dilation-ignored", 2, "same_padding",
                  "Dilation was ignored: the dilated kernel covers d*(f - 1) + 1 pixels, so the padding that keeps "
                  "the size is d*(f - 1) / 2.", _ex02_same_padding_dilation_ignored),
    Misconception("ex02-keras-valid-floor", 2, "keras_output_size",
                  "Keras 'valid' rounds up: ceil((n - f + 1) / stride), because (n - f + 1) // stride loses the "
                  "last window.", _ex02_keras_valid_floor),
    Misconception("ex02-keras-same-floor", 2, "keras_output_size",
                  "Keras 'same' rounds up: ceil(n / stride), e.g. 5 pixels at stride 2 give 3.",
                  _ex02_keras_same_floor),
    Misconception("ex02-keras-same-ignores-stride", 2, "keras_output_size",
                  "Keras 'same' keeps the size only at stride 1: in general the output is ceil(n / stride).",
                  _ex02_keras_same_ignores_stride),
    Misconception("ex02-pool-stride-one", 2, "pool_output_size",
                  "For pooling, stride=None means stride = the window size f (windows side by side), not 1.",
                  _ex02_pool_stride_one),
    Misconception("ex02-pool-ceil-ignored", 2, "pool_output_size",
                  "With ceil_mode=True the division rounds up (keeping a last partial window), but yours rounds "
                  "down as if ceil_mode were False.",
                  _ex02_pool_ceil_ignored),
    Misconception("ex02-pool-ceil-no-drop", 2, "pool_output_size",
                  "With ceil_mode PyTorch drops a last window that would start in the right padding: if "
                  "(out - 1) * stride >= n + padding, subtract 1.", _ex02_pool_ceil_no_drop),
    Misconception("ex02-transpose-conv-formula", 2, "conv_transpose_output_size",
                  "That is the conv formula; a transposed conv grows its input: (n - 1)*stride - 2*padding + "
                  "dilation*(f - 1) + output_padding + 1.", _ex02_transpose_conv_formula),
    Misconception("ex02-transpose-output-padding-ignored", 2, "conv_transpose_output_size",
                  "The output_padding was ignored: it adds that many pixels to the output size.",
                  _ex02_transpose_output_padding_ignored),
]

# --- ex03 -------------------------------------------------------------------------------------------------------
# Wrong parameter counts (plain arithmetic; whole models via grader.checks.ex03.wrong_count). As in ex02, a variant is
# not applicable where it equals torch's answer or another variant's answer for the same call.
def _ex03_pick(name, variants, right):
    wrong = variants[name]
    if wrong is None:
        raise ValueError("not applicable to this call")
    if wrong == right or any(v == wrong for k, v in variants.items() if k != name):
        raise ValueError("this input does not tell the mistakes apart")
    return wrong


def _ex03_conv(name, in_channels, out_channels, kernel_size, bias, groups):
    from grader.checks.ex03 import torch_conv_params

    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    weights = out_channels * (in_channels // groups) * kh * kw
    variants = {
        "no bias": weights if bias else None,
        "one bias": weights + 1 if bias else None,
        "no in channels": out_channels * kh * kw + (out_channels if bias else 0),
        "groups ignored": out_channels * in_channels * kh * kw + (out_channels if bias else 0) if groups > 1 else None,
    }
    right = torch_conv_params(in_channels, out_channels, kernel_size, bias=bias, groups=groups)
    return _ex03_pick(name, variants, right)


def _ex03_conv_no_bias(in_channels, out_channels, kernel_size, bias=True, groups=1):
    return _ex03_conv("no bias", in_channels, out_channels, kernel_size, bias, groups)


def _ex03_conv_one_bias(in_channels, out_channels, kernel_size, bias=True, groups=1):
    return _ex03_conv("one bias", in_channels, out_channels, kernel_size, bias, groups)


def _ex03_conv_no_in_channels(in_channels, out_channels, kernel_size, bias=True, groups=1):
    return _ex03_conv("no in channels", in_channels, out_channels, kernel_size, bias, groups)


def _ex03_conv_groups_ignored(in_channels, out_channels, kernel_size, bias=True, groups=1):
    return _ex03_conv("groups ignored", in_channels, out_channels, kernel_size, bias, groups)


def _ex03_dense_no_bias(in_features, out_features, bias=True):
    if not bias:
        raise ValueError("no bias in this call")
    return in_features * out_features


def _ex03_model(name, layers, input_shape):
    from grader.checks.ex03 import torch_count, wrong_count

    variants = {
        "no bias": wrong_count(layers, input_shape, biases=False),
        "no in channels": wrong_count(layers, input_shape, in_channels=False),
        "flatten from input": wrong_count(layers, input_shape, flatten_from_input=True),
        "pools ignored": wrong_count(layers, input_shape, pools_shrink=False),
    }
    return _ex03_pick(name, variants, torch_count(layers, input_shape)[0])


def _ex03_model_no_bias(layers, input_shape):
    return _ex03_model("no bias", layers, input_shape)


def _ex03_model_no_in_channels(layers, input_shape):
    return _ex03_model("no in channels", layers, input_shape)


def _ex03_model_flatten_from_input(layers, input_shape):
    return _ex03_model("flatten from input", layers, input_shape)


def _ex03_model_pools_ignored(layers, input_shape):
    return _ex03_model("pools ignored", layers, input_shape)


CATALOG += [
    Misconception("ex03-conv-no-bias", 3, "conv_params",
                  "The bias is missing: each of the out_channels filters has one bias, so add out_channels (unless "
                  "bias=False).", _ex03_conv_no_bias),
    Misconception("ex03-conv-one-bias", 3, "conv_params",
                  "There is one bias per filter, not one per layer: add out_channels biases, not 1.",
                  _ex03_conv_one_bias),
    Misconception("ex03-conv-no-in-channels", 3, "conv_params",
                  "Each filter spans all its input channels: it has (in_channels / groups) * KH * KW weights, not "
                  "KH * KW.", _ex03_conv_no_in_channels),
    Misconception("ex03-conv-groups-ignored", 3, "conv_params",
                  "With groups=g each filter sees only in_channels / g of the channels, so it has "
                  "(in_channels / g) * KH * KW weights.", _ex03_conv_groups_ignored),
    Misconception("ex03-dense-no-bias", 3, "dense_params",
                  "The bias is missing: a dense layer has one bias per output, so add out_features (unless "
                  "bias=False).", _ex03_dense_no_bias),
    Misconception("ex03-model-no-bias", 3, "count_params",
                  "Your total leaves out the biases: every conv filter and every dense output has one (unless its "
                  "spec says bias=False).", _ex03_model_no_bias),
    Misconception("ex03-model-no-in-channels", 3, "count_params",
                  "Your conv layers ignore their input channels: a filter has C * KH * KW weights, where C is the "
                  "channel count that reaches the layer (the previous conv's out_channels).",
                  _ex03_model_no_in_channels),
    Misconception("ex03-model-flatten-from-input", 3, "count_params",
                  "The flatten size must come from the shape that reaches flatten (after the convs and pools), not "
                  "from input_shape: track (C, H, W) layer by layer.", _ex03_model_flatten_from_input),
    Misconception("ex03-model-pools-ignored", 3, "count_params",
                  "Pooling shrinks the feature map (a 2x2 pool with stride 2 halves H and W), and the size after "
                  "flatten depends on it: track the shape through every pooling layer.", _ex03_model_pools_ignored),
]

# --- ex04 -------------------------------------------------------------------------------------------------------
# Wrong variants of conv_forward(x, w, b, stride=1, padding=0), computed with F.conv2d. Each raises (= "not
# applicable") where it would equal the right answer, so it can only ever name a mistake the input really shows.
def _ex04_conv(x, w, b=None, stride=1, padding=0):
    from grader import truth

    return truth.conv2d(x, w, b, stride=stride, padding=padding)


def _ex04_with_bias(x, w, b, stride, padding, times):
    if b is None:
        raise ValueError("no bias in this call")
    b = np.asarray(b, dtype=np.float64)
    return _ex04_conv(x, w, None, stride, padding) + times * b.reshape(1, -1, 1, 1)


def _ex04_bias_missing(x, w, b, stride=1, padding=0):
    if b is None:
        raise ValueError("no bias in this call")
    return _ex04_conv(x, w, None, stride, padding)


def _ex04_bias_per_channel(x, w, b, stride=1, padding=0):
    channels = np.asarray(x).shape[1]
    if channels == 1:
        raise ValueError("one channel: once per channel is once")
    return _ex04_with_bias(x, w, b, stride, padding, times=channels)


def _ex04_bias_twice(x, w, b, stride=1, padding=0):
    return _ex04_with_bias(x, w, b, stride, padding, times=2)


def _ex04_last_channel_only(x, w, b, stride=1, padding=0):
    x, w = np.asarray(x), np.asarray(w)
    if x.shape[1] == 1:
        raise ValueError("one channel: nothing to forget")
    return _ex04_conv(x[:, -1:], w[:, -1:], b, stride, padding)


def _ex04_flipped(x, w, b, stride=1, padding=0):
    return _ex04_conv(x, np.asarray(w)[:, :, ::-1, ::-1], b, stride, padding)


def _ex04_padded(x, w, b, stride, padding, before, after):
    if padding == 0:
        raise ValueError("no padding in this call")
    xp = np.pad(np.asarray(x, dtype=np.float64), ((0, 0), (0, 0), (before, after), (before, after)))
    return _ex04_conv(xp, w, b, stride, 0)


def _ex04_pad_one_side(x, w, b, stride=1, padding=0):
    return _ex04_padded(x, w, b, stride, padding, before=0, after=padding)


def _ex04_pad_not_centred(x, w, b, stride=1, padding=0):
    return _ex04_padded(x, w, b, stride, padding, before=0, after=2 * padding)


def _ex04_window_ignores_stride(x, w, b, stride=1, padding=0):
    if stride == 1:
        raise ValueError("stride 1 in this call")
    right = _ex04_conv(x, w, b, stride, padding)
    return _ex04_conv(x, w, b, 1, padding)[:, :, :right.shape[2], :right.shape[3]]


CATALOG += [
    Misconception("ex04-bias-missing", 4, "conv_forward",
                  "The bias is missing: add b[f] to every output value of filter f (b=None is the only case without "
                  "a bias).", _ex04_bias_missing),
    Misconception("ex04-bias-per-channel", 4, "conv_forward",
                  "The bias was added once per input channel (C times): add b[f] only once, after summing over all "
                  "C channels and the whole kernel window.", _ex04_bias_per_channel),
    Misconception("ex04-bias-twice", 4, "conv_forward",
                  "The bias was added twice: add b[f] exactly once to every output value of filter f.",
                  _ex04_bias_twice),
    Misconception("ex04-last-channel-only", 4, "conv_forward",
                  "Only the last input channel counts in your answer: inside the loop over channels, accumulate "
                  "(out += ...) instead of overwriting (out = ...), so every channel adds to the sum.",
                  _ex04_last_channel_only),
    Misconception("ex04-kernel-flipped", 4, "conv_forward",
                  "The kernel was flipped (true convolution): deep-learning convolution is cross-correlation, so "
                  "multiply x_pad[n, c, i*stride + p, j*stride + q] by w[f, c, p, q] without reversing p or q.",
                  _ex04_flipped),
    Misconception("ex04-pad-one-side", 4, "conv_forward",
                  "The zero padding was added on one side only: put `padding` zeros on each of the four sides, "
                  "np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding))).", _ex04_pad_one_side),
    Misconception("ex04-pad-not-centred", 4, "conv_forward",
                  "The padded image has the right size but the image is not in its centre: copy x into "
                  "x_pad[:, :, padding:padding + H, padding:padding + W], not into the top-left corner.",
                  _ex04_pad_not_centred),
    Misconception("ex04-window-ignores-stride", 4, "conv_forward",
                  "The output has the right size but the windows move by one pixel: window (i, j) starts at row "
                  "i*stride and column j*stride.", _ex04_window_ignores_stride),
]

# --- ex05 -------------------------------------------------------------------------------------------------------
# Wrong variants of relu(x), max_pool(x, size=2, stride=None) and avg_pool(x, size=2, stride=None), computed with
# torch/numpy. Each raises (= "not applicable") where it would equal the right answer.
def _ex05_pool(kind, x, size, stride):
    import torch.nn.functional as F

    from grader import truth

    pool = F.max_pool2d if kind == "max" else F.avg_pool2d
    return pool(truth.tensor(x), size, stride).numpy()


def _ex05_stride_one(kind, x, size, stride):
    if stride is not None or size == 1:
        raise ValueError("the stride is given (or the window is 1x1) in this call")
    return _ex05_pool(kind, x, size, 1)


def _ex05_window_ignores_stride(kind, x, size, stride):
    stride = size if stride is None else stride
    if stride == 1:
        raise ValueError("stride 1 in this call")
    right = _ex05_pool(kind, x, size, stride)
    return _ex05_pool(kind, x, size, 1)[:, :, :right.shape[2], :right.shape[3]]


def _ex05_partial_windows(kind, x, size, stride):
    """Windows start at 0, stride, 2*stride, ... < H (range(0, H, stride)); those past the edge are cut short."""
    x = np.asarray(x, dtype=np.float64)
    stride = size if stride is None else stride
    h, w = x.shape[2], x.shape[3]
    rows, cols = range(0, h, stride), range(0, w, stride)
    if size > h or size > w or (len(rows), len(cols)) == ((h - size) // stride + 1, (w - size) // stride + 1):
        raise ValueError("every window fits in this call")
    reduce = np.max if kind == "max" else np.mean
    out = np.empty(x.shape[:2] + (len(rows), len(cols)))
    for a, i in enumerate(rows):
        for b, j in enumerate(cols):
            out[:, :, a, b] = reduce(x[:, :, i:i + size, j:j + size], axis=(2, 3))
    return out


def _ex05_scaled_mean(x, size, stride, factor):
    if size == 1:
        raise ValueError("1x1 windows in this call")
    return _ex05_pool("avg", x, size, size if stride is None else stride) * factor


_EX05_STRIDE_ONE = ("With stride=None the stride must equal the window size (windows side by side, not overlapping), "
                    "not 1: start with `if stride is None: stride = size`.")
_EX05_WINDOW = ("The output has the right size but the windows move by one pixel: window (i, j) starts at row "
                "i*stride and column j*stride.")
_EX05_PARTIAL = ("Windows that run past the bottom or right edge must be dropped, not cut short: only "
                 "H_out = (H - size) // stride + 1 windows fit (floor), and the same for W.")
_EX05_WHOLE = ("Pooling works on each size x size window, not on the whole H x W map at once: the result has shape "
               "(N, C, H_out, W_out).")

CATALOG += [
    Misconception("ex05-relu-np-max", 5, "relu",
                  "ReLU is elementwise: np.max(x, 0) is the largest value along axis 0 (it removes the N axis), "
                  "np.maximum(x, 0) is max(x, 0) for every value.", lambda x: np.max(np.asarray(x, dtype=np.float64), axis=0)),
    Misconception("ex05-relu-mask", 5, "relu",
                  "ReLU returns the values max(x, 0), not the mask x > 0: keep x where it is positive, 0 elsewhere.",
                  lambda x: (np.asarray(x) > 0).astype(np.float64)),

    Misconception("ex05-max-stride-one", 5, "max_pool", _EX05_STRIDE_ONE,
                  lambda x, size=2, stride=None: _ex05_stride_one("max", x, size, stride)),
    Misconception("ex05-max-window-ignores-stride", 5, "max_pool", _EX05_WINDOW,
                  lambda x, size=2, stride=None: _ex05_window_ignores_stride("max", x, size, stride)),
    Misconception("ex05-max-partial-windows", 5, "max_pool", _EX05_PARTIAL,
                  lambda x, size=2, stride=None: _ex05_partial_windows("max", x, size, stride)),
    Misconception("ex05-max-whole-channel", 5, "max_pool", _EX05_WHOLE,
                  lambda x, size=2, stride=None: np.max(np.asarray(x, dtype=np.float64), axis=(2, 3))),

    Misconception("ex05-avg-stride-one", 5, "avg_pool", _EX05_STRIDE_ONE,
                  lambda x, size=2, stride=None: _ex05_stride_one("avg", x, size, stride)),
    Misconception("ex05-avg-window-ignores-stride", 5, "avg_pool", _EX05_WINDOW,
                  lambda x, size=2, stride=None: _ex05_window_ignores_stride("avg", x, size, stride)),
    Misconception("ex05-avg-partial-windows", 5, "avg_pool", _EX05_PARTIAL,
                  lambda x, size=2, stride=None: _ex05_partial_windows("avg", x, size, stride)),
    Misconception("ex05-avg-whole-channel", 5, "avg_pool", _EX05_WHOLE,
                  lambda x, size=2, stride=None: np.mean(np.asarray(x, dtype=np.float64), axis=(2, 3))),
    Misconception("ex05-avg-divides-by-size", 5, "avg_pool",
                  "The mean of a size x size window divides its sum by size*size (the number of values in it), not "
                  "by size.", lambda x, size=2, stride=None: _ex05_scaled_mean(x, size, stride, size)),
    Misconception("ex05-avg-sum", 5, "avg_pool",
                  "Those are the window sums: average pooling divides each window's sum by size*size.",
                  lambda x, size=2, stride=None: _ex05_scaled_mean(x, size, stride, size * size)),
]

# --- ex06 -------------------------------------------------------------------------------------------------------
def _ex06_softmax(logits, axis=1):
    z = np.asarray(logits, dtype=np.float64)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _ex06_softmax_whole(logits):
    z = np.asarray(logits, dtype=np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def _ex06_softmax_unshifted(logits):
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        e = np.exp(np.asarray(logits, dtype=np.float64))
        return e / e.sum(axis=1, keepdims=True)


def _ex06_nonfinite(value):
    """The value, when it has an inf or nan (the signature of an overflow/underflow mistake); else not applicable."""
    if np.all(np.isfinite(value)):
        raise ValueError("finite here: this input does not show the mistake")
    return value


def _ex06_onehot(logits, labels):
    z = np.asarray(logits, dtype=np.float64)
    onehot = np.zeros_like(z)
    onehot[np.arange(z.shape[0]), np.asarray(labels, dtype=np.int64)] = 1.0
    return onehot


def _ex06_picked(table, labels):
    labels = np.asarray(labels, dtype=np.int64)
    return table[np.arange(labels.shape[0]), labels]


def _ex06_log_softmax(logits):
    z = np.asarray(logits, dtype=np.float64)
    m = z.max(axis=1, keepdims=True)
    return (z - m) - np.log(np.exp(z - m).sum(axis=1, keepdims=True))


def _ex06_ce(logits, labels):
    return float(-np.mean(_ex06_picked(_ex06_log_softmax(logits), labels)))


def _ex06_ce_unshifted_softmax(logits, labels):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _ex06_nonfinite(float(-np.mean(np.log(_ex06_picked(_ex06_softmax_unshifted(logits), labels)))))


def _ex06_ce_unshifted_lse(logits, labels):
    z = np.asarray(logits, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        lse = np.log(np.exp(z).sum(axis=1))
        return _ex06_nonfinite(float(np.mean(lse - _ex06_picked(z, labels))))


def _ex06_ce_log_of_zero(logits, labels):
    with np.errstate(divide="ignore"):
        return _ex06_nonfinite(float(-np.mean(np.log(_ex06_picked(_ex06_softmax(logits), labels)))))


def _ex06_ce_of_logits(logits, labels):
    with np.errstate(divide="ignore", invalid="ignore"):
        value = float(-np.mean(np.log(_ex06_picked(np.asarray(logits, dtype=np.float64), labels))))
    if np.isnan(value):
        raise ValueError("undefined for negative logits")
    return value


def _ex06_backward(logits, labels):
    return (_ex06_softmax(logits) - _ex06_onehot(logits, labels)) / np.asarray(labels).shape[0]


def _ex06_bce_terms(probs, targets, log=np.log):
    p = np.asarray(probs, dtype=np.float64)
    t = np.asarray(targets, dtype=np.float64)
    return -(t * log(p) + (1 - t) * log(1 - p))


def _ex06_diff(pred, target):
    return np.asarray(pred, dtype=np.float64) - np.asarray(target, dtype=np.float64)


def _ex06_mse_rows(pred, target):
    d = _ex06_diff(pred, target)
    if d.ndim < 2:
        raise ValueError("the same as the mean for 1-D arrays")
    return float(np.sum(d ** 2) / d.shape[0])


_EX06_RIGHT = {
    "softmax": _ex06_softmax, "cross_entropy": _ex06_ce, "cross_entropy_backward": _ex06_backward,
    "binary_cross_entropy": lambda probs, targets: float(np.mean(_ex06_bce_terms(probs, targets))),
    "mse": lambda pred, target: float(np.mean(_ex06_diff(pred, target) ** 2)),
}


def _ex06(ident: str, function: str, message: str, wrong: Callable) -> Misconception:
    """An ex06 entry whose wrong answer is ignored where it equals the right one (then it shows nothing)."""
    right = _EX06_RIGHT[function]

    def distinct(*args, **kwargs):
        value = wrong(*args, **kwargs)
        if _matches(value, right(*args, **kwargs)):
            raise ValueError("the same as the right answer for this input")
        return value
    distinct.__signature__ = inspect.signature(wrong)  # diagnose binds the student's call with it
    return Misconception(ident, 6, function, message, distinct)


_EX06_OVERFLOW = ("Overflow at large logits: exp(1000) is inf and inf/inf is nan, so subtract each row's maximum from "
                  "the logits before exponentiating (this does not change the softmax).")
_EX06_AXIS = ("Softmax was taken over the wrong axis: each ROW is one sample, so take the max and the sum over axis=1 "
              "(with keepdims=True) so that every row sums to 1.")
_EX06_WHOLE = ("Softmax was normalised over the whole batch: divide each row by its own sum (axis=1, keepdims=True), "
               "not by the sum of all N*K entries.")
_EX06_UNDERFLOW = ("Underflow: -ln(softmax(z)[y]) becomes -ln(0) = inf when the true class's probability underflows "
                   "to 0, so compute the log-softmax directly, (z[y] - max z) - ln(sum exp(z - max z)).")

_EX06_N = lambda labels: np.asarray(labels).shape[0]  # noqa: E731

CATALOG += [
    _ex06("ex06-softmax-overflow", "softmax", _EX06_OVERFLOW,
          lambda logits: _ex06_nonfinite(_ex06_softmax_unshifted(logits))),
    _ex06("ex06-softmax-axis", "softmax", _EX06_AXIS, lambda logits: _ex06_softmax(logits, axis=0)),
    _ex06("ex06-softmax-whole-batch", "softmax", _EX06_WHOLE, _ex06_softmax_whole),

    # log-of-zero before the logsumexp overflow: both are inf where the true class underflows, but a logsumexp that
    # overflows already fails (and is named) on the check's earlier, overflow-only call
    _ex06("ex06-ce-log-of-zero", "cross_entropy", _EX06_UNDERFLOW, _ex06_ce_log_of_zero),
    _ex06("ex06-ce-overflow", "cross_entropy", _EX06_OVERFLOW, _ex06_ce_unshifted_softmax),
    _ex06("ex06-ce-overflow-logsumexp", "cross_entropy", _EX06_OVERFLOW, _ex06_ce_unshifted_lse),
    _ex06("ex06-ce-log10", "cross_entropy",
          "Log base 10 was used, as on the slide (0.222 for -log(0.6)): cross-entropy in every framework uses the "
          "natural log, np.log, which gives 0.511.",
          lambda logits, labels: _ex06_ce(logits, labels) / np.log(10.0)),
    _ex06("ex06-ce-sum", "cross_entropy",
          "The per-sample losses were summed over the batch: F.cross_entropy returns their mean, so divide by N.",
          lambda logits, labels: _ex06_ce(logits, labels) * _EX06_N(labels)),
    _ex06("ex06-ce-mean-over-classes", "cross_entropy",
          "The loss was averaged over all N*K entries (as if averaging y*log(y_hat) over the one-hot table): average "
          "over the N samples only.",
          lambda logits, labels: _ex06_ce(logits, labels) / np.asarray(logits).shape[1]),
    _ex06("ex06-ce-of-logits", "cross_entropy",
          "The -ln was applied to the raw logits: -y*log(y_hat) needs probabilities, so take the log-softmax of the "
          "logits first.", _ex06_ce_of_logits),

    _ex06("ex06-backward-overflow", "cross_entropy_backward", _EX06_OVERFLOW,
          lambda logits, labels: _ex06_nonfinite(
              (_ex06_softmax_unshifted(logits) - _ex06_onehot(logits, labels)) / _EX06_N(labels))),
    _ex06("ex06-backward-softmax-axis", "cross_entropy_backward", _EX06_AXIS,
          lambda logits, labels: (_ex06_softmax(logits, axis=0) - _ex06_onehot(logits, labels)) / _EX06_N(labels)),
    _ex06("ex06-backward-softmax-whole-batch", "cross_entropy_backward", _EX06_WHOLE,
          lambda logits, labels: (_ex06_softmax_whole(logits) - _ex06_onehot(logits, labels)) / _EX06_N(labels)),
    _ex06("ex06-backward-not-divided-by-n", "cross_entropy_backward",
          "The gradient was not divided by N: the loss is the MEAN over the batch, so dlogits = "
          "(softmax - onehot) / N.",
          lambda logits, labels: _ex06_softmax(logits) - _ex06_onehot(logits, labels)),
    _ex06("ex06-backward-sign", "cross_entropy_backward",
          "The gradient has the wrong sign: dL/dz = (softmax - onehot) / N, so the true class's entry is negative, not "
          "(onehot - softmax) / N.",
          lambda logits, labels: (_ex06_onehot(logits, labels) - _ex06_softmax(logits)) / _EX06_N(labels)),
    _ex06("ex06-backward-no-onehot", "cross_entropy_backward",
          "The one-hot labels were not subtracted: dL/dz = (softmax - onehot) / N, i.e. subtract 1 at each row's true "
          "class before dividing by N.",
          lambda logits, labels: _ex06_softmax(logits) / _EX06_N(labels)),

    _ex06("ex06-bce-log10", "binary_cross_entropy",
          "Log base 10 was used: binary cross-entropy, like every framework's loss, uses the natural log (np.log).",
          lambda probs, targets: float(np.mean(_ex06_bce_terms(probs, targets, np.log10)))),
    _ex06("ex06-bce-sum", "binary_cross_entropy",
          "The element losses were summed: F.binary_cross_entropy returns their mean over all elements.",
          lambda probs, targets: float(np.sum(_ex06_bce_terms(probs, targets)))),
    _ex06("ex06-bce-one-term", "binary_cross_entropy",
          "The (1 - t) * ln(1 - p) term is missing: a target of 0 must be penalised when p is large, so use "
          "-mean(t ln p + (1 - t) ln(1 - p)).",
          lambda probs, targets: float(-np.mean(np.asarray(targets, dtype=np.float64)
                                                * np.log(np.asarray(probs, dtype=np.float64))))),

    _ex06("ex06-mse-sum", "mse",
          "The squared errors were summed: MSE is their mean, (1/n) * sum (Y - Yhat)^2 over all n elements.",
          lambda pred, target: float(np.sum(_ex06_diff(pred, target) ** 2))),
    _ex06("ex06-mse-rows", "mse",
          "The squared errors were divided by the number of rows only: F.mse_loss takes the mean over ALL elements "
          "(N*K of them for an (N, K) array).", _ex06_mse_rows),
    _ex06("ex06-mse-abs", "mse",
          "That is the mean ABSOLUTE error (L1, MAE): MSE squares each difference before averaging.",
          lambda pred, target: float(np.mean(np.abs(_ex06_diff(pred, target))))),
]
# --- ex07 -------------------------------------------------------------------------------------------------------
def _ex07_grads(dout, x, w, stride, padding, step=None, n_from=0, flip_dx=False, assign_dx=False):
    """(dx, dw, db) of the conv layer in numpy, with knobs for the mistakes: windows that move by ``step`` instead of
    the stride, dw from the samples ``n_from:`` only, dx scattered with the kernel rotated by 180 degrees, dx
    windows assigned (=) instead of accumulated (+=)."""
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
                if n >= n_from:
                    dw += g * x_pad[n, :, rows, cols]
                if assign_dx:
                    dx_pad[n, :, rows, cols] = (g * w_dx).sum(axis=0)
                else:
                    dx_pad[n, :, rows, cols] += (g * w_dx).sum(axis=0)
    return dx_pad[:, :, p:p + x.shape[2], p:p + x.shape[3]], dw, dout.sum(axis=(0, 2, 3))


def _ex07(ident: str, message: str, wrong: Callable) -> Misconception:
    """An ex07 entry whose wrong answer is ignored where it equals the right one (then it shows nothing)."""
    def distinct(dout, x, w, b, stride=1, padding=0):
        value = wrong(dout, x, w, b, stride, padding)
        if _matches(value, _ex07_grads(dout, x, w, stride, padding)):
            raise ValueError("the same as the right answer for this input")
        return value
    return Misconception(ident, 7, "conv_backward", message, distinct)


def _ex07_zero_padding_slice(dout, x, w, b, stride, padding):
    if padding != 0:
        raise ValueError("only padding 0 gives an empty slice")
    dx, dw, db = _ex07_grads(dout, x, w, stride, padding)
    return dx[:, :, 0:0, 0:0], dw, db


def _ex07_replace(index, new):
    """A wrong answer: the right (dx, dw, db) with element ``index`` replaced by new(right, dout, x, w, s, p)."""
    def wrong(dout, x, w, b, stride, padding):
        right = list(_ex07_grads(dout, x, w, stride, padding))
        right[index] = new(right, np.asarray(dout, dtype=np.float64), np.asarray(x, dtype=np.float64),
                           np.asarray(w, dtype=np.float64), stride, padding)
        return tuple(right)
    return wrong


def _ex07_divided_by_n(dout, x, w, b, stride, padding):
    dx, dw, db = _ex07_grads(dout, x, w, stride, padding)
    n = np.asarray(x).shape[0]
    return dx, dw / n, db / n


def _ex07_stride_ignored(dout, x, w, b, stride, padding):
    wrong, right = _ex07_grads(dout, x, w, stride, padding, step=1), _ex07_grads(dout, x, w, stride, padding)
    if _matches(wrong[0], right[0]) or _matches(wrong[1], right[1]):
        # both dx and dw must show it: on tiny inputs (x all 0, a 1x1 input) other mistakes give the same dx
        raise ValueError("dx or dw does not show this mistake here")
    return wrong


CATALOG += [
    _ex07("ex07-padding-zero-slice",
          "Your dx is empty because dx_pad[:, :, p:-p, p:-p] is dx_pad[:, :, 0:0, 0:0] when padding is 0 (-0 is 0): "
          "cut the padding off with dx_pad[:, :, p:p + H, p:p + W].", _ex07_zero_padding_slice),
    _ex07("ex07-db-not-over-batch",
          "Your db has one value per sample and filter: it must also sum over the batch, db = "
          "dout.sum(axis=(0, 2, 3)), one number per filter.",
          _ex07_replace(2, lambda right, dout, *_: dout.sum(axis=(2, 3)))),
    _ex07("ex07-db-channels-last",
          "Your db was summed over the wrong axes (0, 1, 2 is the channels-last layout): in NCHW the filters are "
          "axis 1, so db = dout.sum(axis=(0, 2, 3)).",
          _ex07_replace(2, lambda right, dout, *_: dout.sum(axis=(0, 1, 2)))),
    _ex07("ex07-dw-last-sample",
          "Your dw holds only the last sample's gradient: the same filters serve every sample, so add up (+=) the "
          "contributions of all N samples instead of starting dw afresh for each one.",
          _ex07_replace(1, lambda right, dout, x, w, s, p: _ex07_grads(dout, x, w, s, p, n_from=x.shape[0] - 1)[1])),
    _ex07("ex07-divided-by-n",
          "Both dw and db were divided by N: a conv layer sums its gradient over the batch (if the loss is a mean, "
          "its 1/N is already inside dout).", _ex07_divided_by_n),
    _ex07("ex07-dx-flipped-kernel",
          "Your dx used the kernel rotated by 180 degrees: when you scatter dx_pad[n, :, window] += "
          "dout[n, f, i, j] * w[f], use w as it is (the rotation only appears when dx is written as a full "
          "convolution of dout).",
          _ex07_replace(0, lambda right, dout, x, w, s, p: _ex07_grads(dout, x, w, s, p, flip_dx=True)[0])),
    _ex07("ex07-dx-overwritten",
          "Your dx was assigned (=) window by window, so where windows overlap only the last one counts: every "
          "window adds its share, dx_pad[n, :, window] += ...",
          _ex07_replace(0, lambda right, dout, x, w, s, p: _ex07_grads(dout, x, w, s, p, assign_dx=True)[0])),
    _ex07("ex07-stride-ignored",
          "The windows did not move by the stride: output position (i, j) comes from the input window that starts at "
          "row i*stride and column j*stride, in dx and in dw alike.", _ex07_stride_ignored),
]
# --- ex08 -------------------------------------------------------------------------------------------------------
def _ex08_unambiguous(variants: dict, name: str, same_message: tuple = ()):
    """variants[name], unless the right answer or a mistake with another message gives the same values here.

    A message is only worth showing when the student's answer is explained by exactly one known mistake.
    """
    chosen = variants[name]
    for other, answer in variants.items():
        if other != name and other not in same_message and _matches(answer, chosen):
            raise ValueError(f"{name} and {other} agree on this input")
    return chosen


def _ex08_relu_variants(dout, x):
    dout = np.asarray(dout, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    return {"correct": dout * (x > 0), "identity": dout.copy(), "dout_mask": dout * (dout > 0),
            "at_zero": dout * (x >= 0), "times_relu": dout * np.maximum(x, 0), "mask_only": (x > 0) * 1.0}


def _ex08_windows(dout, x, size, stride):
    """(i, j, window slices) of every pooling window, row-major."""
    stride = size if stride is None else stride
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            yield i, j, (slice(i * stride, i * stride + size), slice(j * stride, j * stride + size))


def _ex08_max_pool(dout, x, size, stride, pick="first", write="add"):
    """max-pool backward with a tie rule (first/last/every/split) and a way of writing (add/element/window)."""
    dout = np.asarray(dout, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    dx = np.zeros(x.shape)
    for i, j, (rows, cols) in _ex08_windows(dout, x, size, stride):
        for n in range(x.shape[0]):
            for c in range(x.shape[1]):
                window = x[n, c, rows, cols]
                is_max = window == window.max()
                if pick in ("first", "last"):
                    flat = np.flatnonzero(is_max)
                    share = np.zeros(window.shape)
                    share.flat[flat[0] if pick == "first" else flat[-1]] = 1.0
                else:
                    share = is_max / (is_max.sum() if pick == "split" else 1.0)
                g = share * dout[n, c, i, j]
                if write == "add":
                    dx[n, c, rows, cols] += g
                elif write == "window":
                    dx[n, c, rows, cols] = g
                else:
                    target = dx[n, c, rows, cols]
                    target[share > 0] = g[share > 0]
    return dx


def _ex08_max_variants(dout, x, size, stride):
    return {"correct": _ex08_max_pool(dout, x, size, stride),
            "every": _ex08_max_pool(dout, x, size, stride, pick="every"),
            "split": _ex08_max_pool(dout, x, size, stride, pick="split"),
            "last": _ex08_max_pool(dout, x, size, stride, pick="last"),
            "overwrite_element": _ex08_max_pool(dout, x, size, stride, write="element"),
            "overwrite_window": _ex08_max_pool(dout, x, size, stride, write="window")}


def _ex08_avg_pool(dout, x, size, stride, divisor=None, write="add"):
    dout = np.asarray(dout, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    divisor = size * size if divisor is None else divisor
    dx = np.zeros(x.shape)
    for i, j, (rows, cols) in _ex08_windows(dout, x, size, stride):
        g = dout[:, :, i:i + 1, j:j + 1] / divisor * np.ones((1, 1, size, size))
        if write == "add":
            dx[:, :, rows, cols] += g
        else:
            dx[:, :, rows, cols] = g
    return dx


def _ex08_avg_variants(dout, x, size, stride):
    return {"correct": _ex08_avg_pool(dout, x, size, stride),
            "not_divided": _ex08_avg_pool(dout, x, size, stride, divisor=1),
            "divided_by_size": _ex08_avg_pool(dout, x, size, stride, divisor=size),
            "overwrite": _ex08_avg_pool(dout, x, size, stride, write="window")}


_EX08_OVERWRITE = ("where pooling windows overlap (stride < size), a later window overwrote the gradient an earlier "
                   "one had put there: add each window's share with +=, do not assign with =.")
_EX08_OVERWRITE_GROUP = ("overwrite_element", "overwrite_window")

CATALOG += [
    Misconception("ex08-relu-dout-mask", 8, "relu_backward",
                  "the ReLU mask was taken from dout (dout > 0); it must come from the forward input: "
                  "dx = dout * (x > 0).",
                  lambda dout, x: _ex08_unambiguous(_ex08_relu_variants(dout, x), "dout_mask")),
    Misconception("ex08-relu-identity", 8, "relu_backward",
                  "dout was passed through everywhere: ReLU's gradient is 0 where x < 0, so dx = dout * (x > 0).",
                  lambda dout, x: _ex08_unambiguous(_ex08_relu_variants(dout, x), "identity")),
    Misconception("ex08-relu-at-zero", 8, "relu_backward",
                  "the gradient was passed where x == 0: use x > 0, not x >= 0 (torch's ReLU gradient at 0 is 0).",
                  lambda dout, x: _ex08_unambiguous(_ex08_relu_variants(dout, x), "at_zero")),
    Misconception("ex08-relu-times-relu", 8, "relu_backward",
                  "dout was multiplied by relu(x) itself; the derivative of max(x, 0) is 1 where x > 0, so multiply "
                  "by the 0/1 mask: dx = dout * (x > 0).",
                  lambda dout, x: _ex08_unambiguous(_ex08_relu_variants(dout, x), "times_relu")),
    Misconception("ex08-relu-mask-only", 8, "relu_backward",
                  "the 0/1 mask (x > 0) was returned alone; by the chain rule it multiplies the incoming gradient: "
                  "dx = dout * (x > 0).",
                  lambda dout, x: _ex08_unambiguous(_ex08_relu_variants(dout, x), "mask_only")),

    Misconception("ex08-max-every-tie", 8, "max_pool_backward",
                  "the gradient went to every tied maximum of a window; torch sends it whole to the first maximum "
                  "only (row-major order, as np.argmax of the flattened window picks it).",
                  lambda dout, x, size=2, stride=None: _ex08_unambiguous(
                      _ex08_max_variants(dout, x, size, stride), "every")),
    Misconception("ex08-max-split-tie", 8, "max_pool_backward",
                  "the gradient was split among tied maxima; torch sends it whole to the first maximum only "
                  "(row-major order).",
                  lambda dout, x, size=2, stride=None: _ex08_unambiguous(
                      _ex08_max_variants(dout, x, size, stride), "split")),
    Misconception("ex08-max-last-tie", 8, "max_pool_backward",
                  "with a tie the gradient went to the last maximum of the window; torch picks the first one in "
                  "row-major order (np.argmax does; a >= comparison while scanning picks the last).",
                  lambda dout, x, size=2, stride=None: _ex08_unambiguous(
                      _ex08_max_variants(dout, x, size, stride), "last")),
    Misconception("ex08-max-overwrite", 8, "max_pool_backward", _EX08_OVERWRITE,
                  lambda dout, x, size=2, stride=None: _ex08_unambiguous(
                      _ex08_max_variants(dout, x, size, stride), "overwrite_element", _EX08_OVERWRITE_GROUP)),
    Misconception("ex08-max-overwrite-window", 8, "max_pool_backward", _EX08_OVERWRITE,
                  lambda dout, x, size=2, stride=None: _ex08_unambiguous(
                      _ex08_max_variants(dout, x, size, stride), "overwrite_window", _EX08_OVERWRITE_GROUP)),

    Misconception("ex08-avg-not-divided", 8, "avg_pool_backward",
                  "the average-pooling gradient was not divided by the window size: every position of a window gets "
                  "dout / (size * size).",
                  lambda dout, x, size=2, stride=None: _ex08_unambiguous(
                      _ex08_avg_variants(dout, x, size, stride), "not_divided")),
    Misconception("ex08-avg-divided-by-size", 8, "avg_pool_backward",
                  "the gradient was divided by size, but a window has size * size elements: each gets "
                  "dout / (size * size).",
                  lambda dout, x, size=2, stride=None: _ex08_unambiguous(
                      _ex08_avg_variants(dout, x, size, stride), "divided_by_size")),
    Misconception("ex08-avg-overwrite", 8, "avg_pool_backward", _EX08_OVERWRITE,
                  lambda dout, x, size=2, stride=None: _ex08_unambiguous(
                      _ex08_avg_variants(dout, x, size, stride), "overwrite")),
]
# --- ex09 -------------------------------------------------------------------------------------------------------
def _ex09_sgd_variants(w, grad, lr):
    w = np.asarray(w, dtype=np.float64)
    grad = np.asarray(grad, dtype=np.float64)
    return {"correct": w - lr * grad, "ascent": w + lr * grad, "no_lr": w - grad}


def _ex09_momentum_variants(w, grad, velocity, lr, momentum):
    w = np.asarray(w, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    v = np.asarray(velocity, dtype=np.float64)
    v_new = momentum * v + g
    v_lr, v_step, v_ema = momentum * v + lr * g, momentum * v - lr * g, momentum * v + (1 - momentum) * g
    return {"correct": (w - lr * v_new, v_new), "old_velocity": (w - lr * v, v_new),
            "lr_in_velocity": (w - v_lr, v_lr), "step_in_velocity": (w + v_step, v_step),
            "ema": (w - lr * v_ema, v_ema), "ascent": (w + lr * v_new, v_new)}


def _ex09_difference(f, x, h, kind):
    """Finite differences of f at x, position by position: 'forward' (f(x+h) - f(x)) / h, 'central_over_h'."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros(x.shape)
    f_x = f(x) if kind == "forward" else None
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        if kind == "forward":
            grad[i] = (f_plus - f_x) / h
        else:
            x[i] = old - h
            grad[i] = (f_plus - f(x)) / h
        x[i] = old
    return grad


def _ex09_gradient_variants(f, x, h):
    return {"correct": _ex09_difference(f, x, h, "central_over_h") / 2,
            "forward": _ex09_difference(f, x, h, "forward"),
            "central_over_h": _ex09_difference(f, x, h, "central_over_h")}


_EX09_ASCENT = "the step went uphill: gradient DEscent subtracts, w_new = w - lr * grad (with momentum: w - lr * v)."

CATALOG += [
    Misconception("ex09-sgd-ascent", 9, "sgd_step", _EX09_ASCENT,
                  lambda w, grad, lr: _ex08_unambiguous(_ex09_sgd_variants(w, grad, lr), "ascent")),
    Misconception("ex09-sgd-no-lr", 9, "sgd_step",
                  "the learning rate was left out: the step is lr * grad, so w_new = w - lr * grad.",
                  lambda w, grad, lr: _ex08_unambiguous(_ex09_sgd_variants(w, grad, lr), "no_lr")),

    Misconception("ex09-momentum-old-velocity", 9, "sgd_momentum_step",
                  "w was stepped with the OLD velocity: torch.optim.SGD first updates v = momentum * v + grad, then "
                  "steps w = w - lr * v with the new v.",
                  lambda w, grad, velocity, lr, momentum=0.9: _ex08_unambiguous(
                      _ex09_momentum_variants(w, grad, velocity, lr, momentum), "old_velocity")),
    Misconception("ex09-momentum-lr-in-velocity", 9, "sgd_momentum_step",
                  "the learning rate was put into the velocity (v = momentum * v + lr * grad, w = w - v): another "
                  "convention; torch.optim.SGD keeps it out: v = momentum * v + grad, then w = w - lr * v.",
                  lambda w, grad, velocity, lr, momentum=0.9: _ex08_unambiguous(
                      _ex09_momentum_variants(w, grad, velocity, lr, momentum), "lr_in_velocity")),
    Misconception("ex09-momentum-step-in-velocity", 9, "sgd_momentum_step",
                  "the velocity holds the step itself (v = momentum * v - lr * grad, w = w + v: the CS231n "
                  "convention); torch.optim.SGD stores v = momentum * v + grad and steps w = w - lr * v.",
                  lambda w, grad, velocity, lr, momentum=0.9: _ex08_unambiguous(
                      _ex09_momentum_variants(w, grad, velocity, lr, momentum), "step_in_velocity")),
    Misconception("ex09-momentum-ema", 9, "sgd_momentum_step",
                  "the gradient was scaled by (1 - momentum), an exponential average (the deeplearning.ai "
                  "convention); torch.optim.SGD adds the whole gradient: v = momentum * v + grad.",
                  lambda w, grad, velocity, lr, momentum=0.9: _ex08_unambiguous(
                      _ex09_momentum_variants(w, grad, velocity, lr, momentum), "ema")),
    Misconception("ex09-momentum-ascent", 9, "sgd_momentum_step", _EX09_ASCENT,
                  lambda w, grad, velocity, lr, momentum=0.9: _ex08_unambiguous(
                      _ex09_momentum_variants(w, grad, velocity, lr, momentum), "ascent")),

    Misconception("ex09-gradient-forward-difference", 9, "numerical_gradient",
                  "that is the forward difference (f(x + h) - f(x)) / h, whose error shrinks only like h; use the "
                  "central difference (f(x + h) - f(x - h)) / (2h), whose error shrinks like h**2.",
                  lambda f, x, h=1e-5: _ex08_unambiguous(_ex09_gradient_variants(f, x, h), "forward")),
    Misconception("ex09-gradient-over-h", 9, "numerical_gradient",
                  "the central difference was divided by h, but x + h and x - h are 2h apart: "
                  "(f(x + h) - f(x - h)) / (2h).",
                  lambda f, x, h=1e-5: _ex08_unambiguous(_ex09_gradient_variants(f, x, h), "central_over_h")),
]
