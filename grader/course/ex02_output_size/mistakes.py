"""Exercise 2's named mistakes: wrong versions of the one-axis size formulas, in plain int arithmetic.

Right answers are the checks' TRUTH (torch's output shapes). For conv_output_size the room the windows slide in is
room = n + 2*padding - dilation*(f - 1) - 1 and the right size is room // stride + 1. A mistake is named only where
the input tells it apart from the right answer and the other mistakes (the rule is in
:mod:`grader.checking.mistakes`); each entry has a mutant in tests/test_ex02.py that must show exactly it. An answer
that code computing nothing also gives (0, or the first argument returned as it came) is evidence of no mistake:
there no entry applies, except "Keras 'same' ignores the stride", whose answer is n by definition (keras_sizes asks
about 'valid' first, where no entry gives n).
"""
from __future__ import annotations

from grader.checking.mistakes import RAISES, Mistake, Mistakes, variant
from grader.course.ex02_output_size.checks import TRUTH


def _evidence(wrong):
    """``wrong``, except where its answer is 0 or the first argument (n, or f for same_padding): `return 0` and
    `return n` give those too, so there they explain nothing."""
    def guarded(**arguments):
        answer = wrong(**arguments)
        if answer == 0 or answer == next(iter(arguments.values())):
            raise ValueError("a trivial answer: no evidence of this mistake")
        return answer
    return guarded


def _keras_case(n, f, stride, padding):
    """Code that compares padding with 'valid' and 'same' as written: it raises for 'SAME' or 'Valid'."""
    if isinstance(padding, str) and padding != padding.lower() and padding.lower() in ("valid", "same"):
        return RAISES
    raise ValueError("lower case: this code gives the right answer")


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
            "adds the first window.", _evidence(variant(_conv, "no plus one"))),
    Mistake("ex02-conv-ceil", "conv_output_size",
            "You rounded up, but PyTorch rounds down: a last window that would stick out of the padded input is "
            "dropped, so use floor division //.", _evidence(variant(_conv, "ceil"))),
    Mistake("ex02-conv-dilation-ignored", "conv_output_size",
            "Dilation was ignored: a kernel of f taps with dilation d covers d*(f - 1) + 1 pixels, so use that in "
            "place of f.", _evidence(variant(_conv, "dilation ignored"))),
    Mistake("ex02-same-padding-dilation-ignored", "same_padding",
            "Dilation was ignored: the dilated kernel covers d*(f - 1) + 1 pixels, so the padding that keeps the "
            "size is d*(f - 1) / 2.", _evidence(lambda f, dilation: (f - 1) // 2)),
    Mistake("ex02-keras-valid-floor", "keras_output_size",
            "Keras 'valid' rounds up: ceil((n - f + 1) / stride), because (n - f + 1) // stride loses the last "
            "window.", _evidence(variant(_keras, "valid floor"))),
    Mistake("ex02-keras-same-floor", "keras_output_size",
            "Keras 'same' rounds up: ceil(n / stride), e.g. 5 pixels at stride 2 give 3.",
            _evidence(variant(_keras, "same floor"))),
    Mistake("ex02-keras-same-ignores-stride", "keras_output_size",
            "Keras 'same' keeps the size only at stride 1: in general the output is ceil(n / stride).",
            variant(_keras, "same ignores stride")),
    Mistake("ex02-keras-upper-case-refused", "keras_output_size",
            "Keras accepts the padding in any case ('SAME', 'Valid'): compare padding.lower() with 'valid' and "
            "'same'.", _keras_case),
    Mistake("ex02-pool-stride-one", "pool_output_size",
            "For pooling, stride=None means stride = the window size f (windows side by side), not 1.",
            _evidence(variant(_pool, "stride one"))),
    Mistake("ex02-pool-ceil-ignored", "pool_output_size",
            "With ceil_mode=True the division rounds up (keeping a last partial window), but yours rounds down as "
            "if ceil_mode were False.", _evidence(variant(_pool, "ceil ignored"))),
    Mistake("ex02-pool-ceil-no-drop", "pool_output_size",
            "With ceil_mode PyTorch drops a last window that would start in the right padding: if "
            "(out - 1) * stride >= n + padding, subtract 1.", _evidence(variant(_pool, "ceil no drop"))),
    Mistake("ex02-transpose-conv-formula", "conv_transpose_output_size",
            "That is the conv formula; a transposed conv grows its input: (n - 1)*stride - 2*padding + "
            "dilation*(f - 1) + output_padding + 1.", _evidence(variant(_transpose, "conv formula"))),
    Mistake("ex02-transpose-output-padding-ignored", "conv_transpose_output_size",
            "The output_padding was ignored: it adds that many pixels to the output size.",
            _evidence(variant(_transpose, "output_padding ignored"))),
])
