"""Exercise 2's named mistakes: wrong versions of the one-axis size formulas, in plain int arithmetic.

Right answers are the checks' TRUTH (torch's output shapes). For conv_output_size the room the windows slide in is
room = n + 2*padding - dilation*(f - 1) - 1 and the right size is room // stride + 1. A mistake is named only where
the input tells it apart from the right answer and the other mistakes (the rule is in
:mod:`grader.checking.mistakes`); each entry has a mutant in tests/test_ex02.py that must show exactly it.
"""
from __future__ import annotations

from grader.checking.mistakes import Mistake, Mistakes, variant
from grader.course.ex02_output_size.checks import TRUTH


def _conv(n, f, padding, stride, dilation):
    room = n + 2 * padding - dilation * (f - 1) - 1
    return {"no plus one": room // stride,
            "ceil": -(-room // stride) + 1,
            "dilation ignored": (n + 2 * padding - f) // stride + 1}


def _keras(n, f, stride, padding):
    mode = padding.lower()
    return {"valid floor": (n - f + 1) // stride if mode == "valid" else None,
            "same floor": n // stride if mode == "same" else None,
            "same ignores stride": n if mode == "same" else None}


def _pool(n, f, stride, padding, ceil_mode):
    s = f if stride is None else stride
    return {"stride one": TRUTH["pool_output_size"](n, f, 1, padding, ceil_mode) if stride is None else None,
            "ceil ignored": (n + 2 * padding - f) // s + 1,
            "ceil no drop": -(-(n + 2 * padding - f) // s) + 1 if ceil_mode else None}


def _transpose(n, f, padding, stride, output_padding, dilation):
    return {"conv formula": (n + 2 * padding - dilation * (f - 1) - 1) // stride + 1,
            "output_padding ignored": (n - 1) * stride - 2 * padding + dilation * (f - 1) + 1}


MISTAKES = Mistakes(right=TRUTH, entries=[
    Mistake("ex02-conv-no-plus-one", "conv_output_size",
            "Your size is one too small: (n + 2*padding - f) // stride counts the steps between windows, and the +1 "
            "adds the first window.", variant(_conv, "no plus one")),
    Mistake("ex02-conv-ceil", "conv_output_size",
            "You rounded up, but PyTorch rounds down: a last window that would stick out of the padded input is "
            "dropped, so use floor division //.", variant(_conv, "ceil")),
    Mistake("ex02-conv-dilation-ignored", "conv_output_size",
            "Dilation was ignored: a kernel of f taps with dilation d covers d*(f - 1) + 1 pixels, so use that in "
            "place of f.", variant(_conv, "dilation ignored")),
    Mistake("ex02-same-padding-dilation-ignored", "same_padding",
            "Dilation was ignored: the dilated kernel covers d*(f - 1) + 1 pixels, so the padding that keeps the "
            "size is d*(f - 1) / 2.", lambda f, dilation: (f - 1) // 2),
    Mistake("ex02-keras-valid-floor", "keras_output_size",
            "Keras 'valid' rounds up: ceil((n - f + 1) / stride), because (n - f + 1) // stride loses the last "
            "window.", variant(_keras, "valid floor")),
    Mistake("ex02-keras-same-floor", "keras_output_size",
            "Keras 'same' rounds up: ceil(n / stride), e.g. 5 pixels at stride 2 give 3.",
            variant(_keras, "same floor")),
    Mistake("ex02-keras-same-ignores-stride", "keras_output_size",
            "Keras 'same' keeps the size only at stride 1: in general the output is ceil(n / stride).",
            variant(_keras, "same ignores stride")),
    Mistake("ex02-pool-stride-one", "pool_output_size",
            "For pooling, stride=None means stride = the window size f (windows side by side), not 1.",
            variant(_pool, "stride one")),
    Mistake("ex02-pool-ceil-ignored", "pool_output_size",
            "With ceil_mode=True the division rounds up (keeping a last partial window), but yours rounds down as "
            "if ceil_mode were False.", variant(_pool, "ceil ignored")),
    Mistake("ex02-pool-ceil-no-drop", "pool_output_size",
            "With ceil_mode PyTorch drops a last window that would start in the right padding: if "
            "(out - 1) * stride >= n + padding, subtract 1.", variant(_pool, "ceil no drop")),
    Mistake("ex02-transpose-conv-formula", "conv_transpose_output_size",
            "That is the conv formula; a transposed conv grows its input: (n - 1)*stride - 2*padding + "
            "dilation*(f - 1) + output_padding + 1.", variant(_transpose, "conv formula")),
    Mistake("ex02-transpose-output-padding-ignored", "conv_transpose_output_size",
            "The output_padding was ignored: it adds that many pixels to the output size.",
            variant(_transpose, "output_padding ignored")),
])
