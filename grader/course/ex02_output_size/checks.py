"""Checks for exercise 2, output sizes along one axis (H of an (N, C, H, W) input; W follows the same rule):
conv_output_size (n + 2p - d(f - 1) - 1) // s + 1, same_padding d(f - 1) / 2, keras_output_size ('valid'
ceil((n - f + 1) / s), 'same' ceil(n / s)), pool_output_size (the conv rule, s = f by default, ceil_mode), and
conv_transpose_output_size (n - 1)s - 2p + d(f - 1) + output_padding + 1.

Ground truth is the output shape of the matching torch op on a float64 zero tensor of shape (B, 1, n, 1) with an
(f, 1) kernel, i.e. exactly nn.Conv2d / MaxPool2d / ConvTranspose2d's rule along H. Convolutions use an empty batch
(B = 0): for arguments in range torch checks them and computes the shape exactly as for B = 1 (verified on a grid,
errors included), but computes nothing, which matters because a float64 conv on a loaded 2-core machine can take
milliseconds. The transposed conv uses B = 1 (with B = 0 torch skips its output_padding check). Keras has no torch
twin: 'valid' is a conv without padding, 'same' is a conv after TensorFlow's padding (total
max((ceil(n/s) - 1)*s + f - n, 0), the odd pixel on the right), applied with F.pad. same_padding has no torch twin
either: its truth is d(f - 1) / 2, and the check (and tests/test_ex02.py) confirm with torch that it keeps the size.
"""
from __future__ import annotations

import functools

from grader.checking.replay import truth_function
from grader.checking import (CheckFailed, Reference, expect_number, expect_raises, noted, raises_check, run_once, st,
                            truth)
from grader.checking.strategies import drop_defaults
from grader.i18n import gettext as _


# -- torch ground truth (each raises RuntimeError/TypeError where torch refuses the arguments) -------------------
def _zeros(n: int, batch: int = 1):
    torch = truth.torch()
    return torch.zeros(batch, 1, n, 1, dtype=torch.float64)


@truth_function
def torch_conv(n, f, padding=0, stride=1, dilation=1, batch=0) -> int:
    """H of F.conv2d((batch, 1, n, 1), (1, 1, f, 1), padding=(p, 0), stride=(s, 1), dilation=(d, 1)).

    The empty batch is exact for arguments in range (f, stride, dilation >= 1, padding >= 0; tests/test_ex02.py
    compares it with batch=1 on a grid); torch's checks of out-of-range arguments need batch=1 (dilation=0 passes
    with an empty batch).
    """
    import torch.nn.functional as F

    return int(F.conv2d(_zeros(n, batch), _zeros(f), padding=(padding, 0), stride=(stride, 1),
                        dilation=(dilation, 1)).shape[2])


@truth_function
def torch_pool(n, f, stride=None, padding=0, ceil_mode=False) -> int:
    """H of F.max_pool2d on (1, 1, n, 1) with an (f, 1) window (avg_pool2d has the same rule)."""
    import torch.nn.functional as F

    s = f if stride is None else stride
    return int(F.max_pool2d(_zeros(n), (f, 1), stride=(s, 1), padding=(padding, 0), ceil_mode=ceil_mode).shape[2])


@truth_function
def torch_conv_transpose(n, f, padding=0, stride=1, output_padding=0, dilation=1) -> int:
    """H of F.conv_transpose2d((1, 1, n, 1), (1, 1, f, 1), ...)."""
    import torch.nn.functional as F

    return int(F.conv_transpose2d(_zeros(n), _zeros(f), padding=(padding, 0), stride=(stride, 1),
                                  output_padding=(output_padding, 0), dilation=(dilation, 1)).shape[2])


@truth_function
def torch_keras(n, f, stride=1, padding="valid") -> int:
    """Keras Conv2D/MaxPool2D size, computed by a torch conv: no padding ('valid') or TensorFlow's 'same' padding."""
    import torch.nn.functional as F

    x = _zeros(n, 0)
    if padding.lower() == "same":
        total = max((-(-n // stride) - 1) * stride + f - n, 0)
        x = F.pad(x, (0, 0, total // 2, total - total // 2))
    elif padding.lower() != "valid":
        raise ValueError(padding)
    return int(F.conv2d(x, _zeros(f), stride=(stride, 1)).shape[2])


def conv_truth(n, f, padding=0, stride=1, dilation=1) -> int:
    """conv_output_size's right answer (the student's signature): :func:`torch_conv` on an empty batch."""
    return torch_conv(n, f, padding, stride, dilation)


def same_padding_truth(f, dilation=1) -> int:
    """dilation*(f - 1) / 2, the padding with which torch's conv keeps the size (tests/test_ex02.py checks that for
    every kernel the check asks about); ValueError for an even effective kernel, which no equal padding keeps."""
    total = dilation * (f - 1)
    if total % 2:
        raise ValueError(f"no equal padding keeps the size of a kernel covering {total + 1} pixels")
    return total // 2


# function -> its right answer, with the student's signature (also the named mistakes' right answers)
TRUTH = {"conv_output_size": conv_truth, "same_padding": same_padding_truth, "pool_output_size": torch_pool,
         "conv_transpose_output_size": torch_conv_transpose, "keras_output_size": torch_keras}

REFERENCE = Reference(TRUTH, expect=functools.partial(expect_number, integer=True), what=lambda fn: f"{fn}()")


# -- pinned examples ----------------------------------------------------------------------------------------------
# (label, function, kwargs, answer). The answers are pinned here and re-checked against torch in tests/test_ex02.py,
# so a slide mistake can never become the expected value.
SLIDE_EXAMPLES = (
    ("5x5 image, 3x3 filter: 5 - 3 + 1 = 3", "conv_output_size", dict(n=5, f=3), 3),
    ("6x6 image, 5x5 filter: 6 - 5 + 1 = 2", "conv_output_size", dict(n=6, f=5), 2),
    ("5x5, 3x3, stride 2: (5 + 0 - 3)/2 + 1 = 2", "conv_output_size", dict(n=5, f=3, stride=2), 2),
    ("5x5, 3x3, padding 1: (5 + 2 - 3)/1 + 1 = 5", "conv_output_size", dict(n=5, f=3, padding=1), 5),
    ("(6 - 2 + 0)/1 + 1 = 5", "conv_output_size", dict(n=6, f=2), 5),
    ("(6 - 2 + 0)/2 + 1 = 3", "conv_output_size", dict(n=6, f=2, stride=2), 3),
    ("(6 - 2 + 2*1)/2 + 1 = 4", "conv_output_size", dict(n=6, f=2, padding=1, stride=2), 4),
    ("7x7 input, 3x3 filter, stride 1 -> 5", "conv_output_size", dict(n=7, f=3), 5),
    ("7x7 input, 3x3 filter, stride 2 -> 3", "conv_output_size", dict(n=7, f=3, stride=2), 3),
    ("7x7 input, 3x3 filter, stride 3 'doesn't fit': PyTorch floors 2.33 to 2", "conv_output_size",
     dict(n=7, f=3, stride=3), 2),
    ("7x7 input, 3x3 filter, pad 1 -> 7x7", "conv_output_size", dict(n=7, f=3, padding=1), 7),
    ("32x32 with 5x5 filters: 32 -> 28", "conv_output_size", dict(n=32, f=5), 28),
    ("32x32 with 5x5 filters: 28 -> 24", "conv_output_size", dict(n=28, f=5), 24),
    ("32x32x3, 10 5x5 filters, stride 1, pad 2 -> 32", "conv_output_size", dict(n=32, f=5, padding=2, stride=1), 32),
    ("AlexNet C1: 227, 11x11, stride 4 -> 55", "conv_output_size", dict(n=227, f=11, stride=4), 55),
    ("AlexNet C3: 27, 5x5, pad 2 -> 27", "conv_output_size", dict(n=27, f=5, padding=2), 27),
    ("6x6 image, 3x3 filter -> 4x4", "conv_output_size", dict(n=6, f=3), 4),
    ("LeNet-5 C3: 14, 5x5 -> 10", "conv_output_size", dict(n=14, f=5), 10),
    ("LeNet-5 C5: 5, 5x5 -> 1", "conv_output_size", dict(n=5, f=5), 1),
    ("AlexNet C5: 13, 3x3, pad 1 -> 13", "conv_output_size", dict(n=13, f=3, padding=1), 13),
    ("zero padding (F - 1)/2: F = 3 -> 1", "same_padding", dict(f=3), 1),
    ("zero padding (F - 1)/2: F = 5 -> 2", "same_padding", dict(f=5), 2),
    ("zero padding (F - 1)/2: F = 7 -> 3", "same_padding", dict(f=7), 3),
    ("Keras, W1 = 128, F = 11, S = 6, 'valid' -> 20", "keras_output_size",
     dict(n=128, f=11, stride=6, padding="valid"), 20),
    ("Keras, W1 = 128, F = 11, S = 6, 'same' -> ceil(128/6) = 22", "keras_output_size",
     dict(n=128, f=11, stride=6, padding="same"), 22),
    ("7x7, 3x3, stride 3 in Keras 'valid': ceil(5/3) = 2", "keras_output_size",
     dict(n=7, f=3, stride=3, padding="valid"), 2),
    ("Keras Conv2D(32, 3, strides=2, padding='valid') on 28: 13", "keras_output_size",
     dict(n=28, f=3, stride=2, padding="valid"), 13),
    ("MNIST practice, MaxPool2D(2, strides=2, padding='same'): 28 -> 14", "keras_output_size",
     dict(n=28, f=2, stride=2, padding="same"), 14),
    ("MNIST practice, MaxPool2D(2, strides=2, padding='same'): 14 -> 7", "keras_output_size",
     dict(n=14, f=2, stride=2, padding="same"), 7),
    ("max pooling 2x2, stride 2 on 4x4 -> 2x2", "pool_output_size", dict(n=4, f=2, stride=2), 2),
    ("MaxPooling2D((2, 2)) on 26x26 -> 13x13", "pool_output_size", dict(n=26, f=2), 13),
    ("LeNet-5 S2: 28 -> 14", "pool_output_size", dict(n=28, f=2), 14),
    ("LeNet-5 S4: 10 -> 5", "pool_output_size", dict(n=10, f=2), 5),
    ("AlexNet S2: 55, 3x3 max pool, stride 2 -> 27", "pool_output_size", dict(n=55, f=3, stride=2), 27),
    ("AlexNet S4: 27, 3x3 max pool, stride 2 -> 13", "pool_output_size", dict(n=27, f=3, stride=2), 13),
    ("transposed 3x3 conv: 2x2 -> 4x4 (R^4 -> R^16)", "conv_transpose_output_size", dict(n=2, f=3), 4),
)

def slides_of(fn: str) -> tuple:
    """The pinned slide examples of one function."""
    return tuple(e for e in SLIDE_EXAMPLES if e[1] == fn)


# function -> ((kwargs, why it is invalid, torch refuses it too), ...): ValueError for each. tests/test_ex02.py checks
# the last field; the other rows are the exercise's own rules (a bool or a float is not a size, even when torch takes
# True as 1; Keras and same_padding have no torch twin).
INVALID = {
    "conv_output_size": (
        (dict(n=2, f=3), "the 3-pixel kernel does not fit a 2-pixel input", True),
        (dict(n=5, f=3, dilation=3), "a 3-tap kernel with dilation 3 covers 7 pixels, more than 5", True),
        (dict(n=1, f=4, padding=1), "the 4-pixel kernel does not fit the 3 pixels that padding 1 makes of 1", True),
        (dict(n=0, f=1), "n must be >= 1", True),
        (dict(n=0, f=1, padding=1), "n must be >= 1, even where padding would make room for the kernel", True),
        (dict(n=5, f=0), "f must be >= 1", True),
        (dict(n=5, f=3, stride=0), "stride must be >= 1", True),
        (dict(n=5, f=3, dilation=0), "dilation must be >= 1", True),
        (dict(n=5, f=3, padding=-1), "padding must be >= 0", True),
        (dict(n=5, f=3, stride=1.5), "stride must be an int (not a float)", True),
        (dict(n=5.0, f=3), "n must be an int, even 5.0 is a float", True),
        (dict(n=5, f=3, padding=1.0), "padding must be an int, even 1.0 is a float", True),
        (dict(n=5, f=3, stride=True), "stride must be an int, not a bool", True),
        (dict(n=5, f=True), "f must be an int, not a bool (True is not a size)", False),
    ),
    "same_padding": (
        (dict(f=0), "f must be >= 1", False),
        (dict(f=3, dilation=0), "dilation must be >= 1", False),
        (dict(f=0, dilation=2), "f must be >= 1", False),
        (dict(f=-1), "f must be >= 1", False),
        (dict(f=3.0), "f must be an int, even 3.0 is a float", False),
        (dict(f=5, dilation=1.5), "dilation must be an int (not a float)", False),
        (dict(f=True), "f must be an int, not a bool (True is not a size)", False),
        (dict(f=3, dilation=True), "dilation must be an int, not a bool", False),
    ),
    "keras_output_size": (
        (dict(n=5, f=3, padding="full"), "padding must be 'valid' or 'same'", False),
        (dict(n=5, f=3, padding="causal"), "padding must be 'valid' or 'same'", False),
        (dict(n=2, f=3, padding="valid"), "a 3-pixel window does not fit 2 pixels without padding", True),
        (dict(n=2, f=3), "a 3-pixel window does not fit 2 pixels without padding ('valid' is the default)", True),
        (dict(n=2, f=3, padding="VALID"), "a 3-pixel window does not fit 2 pixels without padding", True),
        (dict(n=5, f=3, stride=0, padding="same"), "stride must be >= 1", True),
        (dict(n=0, f=1, padding="same"), "n must be >= 1", True),
        (dict(n=5, f=0, padding="same"), "f must be >= 1", True),
        (dict(n=5.0, f=3), "n must be an int, even 5.0 is a float", True),
        (dict(n=5, f=2.5, padding="same"), "f must be an int (not a float)", True),
        (dict(n=5, f=3, stride=2.0, padding="same"), "stride must be an int, even 2.0 is a float", True),
        (dict(n=5, f=3, stride=True), "stride must be an int, not a bool", True),
        (dict(n=5, f=True, padding="same"), "f must be an int, not a bool (True is not a size)", False),
    ),
    "pool_output_size": (
        (dict(n=5, f=3, padding=2), "PyTorch requires padding <= f // 2", True),
        (dict(n=1, f=3), "the 3-pixel window does not fit a 1-pixel input", True),
        (dict(n=1, f=4, stride=1, ceil_mode=True), "with ceil_mode the size would be -2: no 4-pixel window "
         "starts inside the 1-pixel input", True),
        (dict(n=5, f=2, stride=0), "stride must be >= 1", True),
        (dict(n=0, f=1), "n must be >= 1", True),
        (dict(n=0, f=2, padding=1), "n must be >= 1, even where padding would make room for the window", True),
        (dict(n=5, f=0), "f must be >= 1", True),
        (dict(n=5, f=3, padding=-1), "padding must be >= 0", True),
        (dict(n=5, f=2, stride=2.0), "stride must be an int, even 2.0 is a float", True),
        (dict(n=5, f=2.5), "f must be an int (not a float)", True),
        (dict(n=5, f=3, padding=1.0), "padding must be an int, even 1.0 is a float", True),
        (dict(n=True, f=1), "n must be an int, not a bool (True is not a size)", False),
    ),
    "conv_transpose_output_size": (
        (dict(n=5, f=3, stride=1, output_padding=1), "output_padding 1 is not smaller than stride 1 or dilation 1",
         True),
        (dict(n=5, f=3, stride=2, output_padding=2), "output_padding 2 is not smaller than stride 2 or dilation 1",
         True),
        (dict(n=5, f=3, stride=1, output_padding=2, dilation=2),
         "output_padding 2 is not smaller than stride 1 or dilation 2", True),
        (dict(n=1, f=1, padding=1), "the output size would be -1", True),
        (dict(n=1, f=2, padding=1), "the output size would be 0", True),
        (dict(n=5, f=3, output_padding=-1), "output_padding must be >= 0", True),
        (dict(n=0, f=3), "n must be >= 1", True),
        (dict(n=5, f=0), "f must be >= 1", True),
        (dict(n=5, f=3, stride=0), "stride must be >= 1", True),
        (dict(n=5, f=3, dilation=0), "dilation must be >= 1", True),
        (dict(n=5, f=3, padding=-1), "padding must be >= 0", True),
        (dict(n=4.0, f=3), "n must be an int, even 4.0 is a float", True),
        (dict(n=5, f=3, stride=2, output_padding=1.0), "output_padding must be an int, even 1.0 is a float", True),
        (dict(n=5, f=3, dilation=True), "dilation must be an int, not a bool", True),
    ),
}


# -- strategies ----------------------------------------------------------------------------------------------------
@st.composite
def conv_cases(draw, dilated: bool):
    f = draw(st.integers(1, 7))
    d = draw(st.integers(2, 3)) if dilated else 1
    p = draw(st.integers(0, 3))
    s = draw(st.integers(1, 4))
    span = d * (f - 1) + 1
    n = draw(st.integers(max(1, span - 2 * p), span - 2 * p + 30))
    return drop_defaults(dict(n=n, f=f, padding=p, stride=s, dilation=d), dict(padding=0, stride=1, dilation=1))


KERAS_MODES = {"valid": ("valid", "VALID", "Valid"), "same": ("same", "SAME", "Same")}


@st.composite
def keras_cases(draw, mode: str):
    """'valid' (the window fits: f <= n) or 'same' (any f, larger than n included), spelled in lower or upper case."""
    padding = draw(st.sampled_from(KERAS_MODES[mode]))
    f = draw(st.integers(1, 7))
    n = draw(st.integers(f if mode == "valid" else 1, 40))
    case = dict(n=n, f=f, stride=draw(st.integers(1, 5)), padding=padding)
    return drop_defaults(case, dict(stride=1, padding="valid"))


def _torch_accepts(fn, case) -> bool:
    try:
        TRUTH[fn](**case)
    except RuntimeError:
        return False
    return True


@st.composite
def pool_cases(draw, ceil_mode: bool, stride_none: bool):
    """Windows that fit the padded input (n + 2p >= f), padding up to f // 2, stride None (= f) or given;
    ceil_mode's overhanging windows are pinned in OVERHANG."""
    f = draw(st.integers(1, 6))
    p = draw(st.integers(0, f // 2))
    s = None if stride_none else draw(st.integers(1, 5))
    n = draw(st.integers(max(1, f - 2 * p), 30))
    return drop_defaults(dict(n=n, f=f, stride=s, padding=p, ceil_mode=ceil_mode),
                         dict(stride=None, padding=0, ceil_mode=False))


# ceil_mode lets the last window hang over the end of the input, even when the window is larger than the whole padded
# input: torch only asks that the last window starts inside the input or its left padding. (pinned, torch-checked)
OVERHANG = (
    ("a 2-pixel window on 1 pixel", "pool_output_size", dict(n=1, f=2, stride=2, ceil_mode=True), 1),
    ("a 3-pixel window on 2 pixels, stride 2", "pool_output_size", dict(n=2, f=3, stride=2, ceil_mode=True), 1),
    ("a 6-pixel window on 3 pixels padded by 1, stride 2", "pool_output_size",
     dict(n=3, f=6, stride=2, padding=1, ceil_mode=True), 1),
    ("a 4-pixel window on 5 pixels, stride 3", "pool_output_size", dict(n=5, f=4, stride=3, ceil_mode=True), 2),
)


# Pinned first in transpose_matches_torch: on the smallest generated inputs (a 1-tap kernel, stride 1) the conv formula
# and the transposed formula without output_padding give the same size, so a shrunk counterexample could not say which
# mistake was made; here the right size, the one without output_padding and the conv formula's are 8, 7 and 2.
TRANSPOSE_EXAMPLES = (
    ("the usual 2x upsampling layer: 4 -> 8", "conv_transpose_output_size",
     dict(n=4, f=3, padding=1, stride=2, output_padding=1), 8),
)


@st.composite
def transpose_cases(draw, wide_output_padding: bool = False):
    """Arguments torch accepts: output_padding < stride or < dilation. ``wide_output_padding``: only cases with
    stride <= output_padding < dilation, which torch accepts too (n=5, f=3, stride=1, output_padding=1, dilation=2
    gives 10)."""
    if wide_output_padding:
        d = draw(st.integers(2, 4))
        s = draw(st.integers(1, d - 1))
        op = draw(st.integers(s, d - 1))
    else:
        s, d = draw(st.integers(1, 4)), draw(st.integers(1, 3))
        op = draw(st.integers(0, max(s, d) - 1))
    case = dict(n=draw(st.integers(1, 20)), f=draw(st.integers(1, 6)), padding=draw(st.integers(0, 3)), stride=s,
                output_padding=op, dilation=d)
    return drop_defaults(case, dict(padding=0, stride=1, output_padding=0, dilation=1))


# -- checks --------------------------------------------------------------------------------------------------------
def conv_slide_examples(student):
    REFERENCE.pinned(student, slides_of("conv_output_size"))


def conv_matches_torch(student):
    REFERENCE.for_all(student, "conv_output_size", conv_cases(dilated=False), examples=30)


def _divides(case) -> bool:
    """Whether the stride divides n + 2*padding - dilation*(f - 1) - 1: then rounding up or down gives the same."""
    c = {"padding": 0, "stride": 1, "dilation": 1, **case}
    return (c["n"] + 2 * c["padding"] - c["dilation"] * (c["f"] - 1) - 1) % c["stride"] == 0


def conv_dilation(student):
    # strides that divide the room the windows slide in: a rounding mistake costs conv_matches_torch, not this check
    REFERENCE.for_all(student, "conv_output_size", conv_cases(dilated=True).filter(_divides), examples=20)


def same_padding_keeps_size(student):
    REFERENCE.pinned(student, slides_of("same_padding"))
    # odd kernels first: a mistake in the value shows up before a mistake in which kernels are refused
    cases = sorted(((f, d) for f in range(1, 9) for d in (1, 2, 3)), key=lambda c: (c[0] % 2 == 0, c[1], c[0]))

    def body():
        for f, d in cases:
            kwargs = dict(f=f) if d == 1 else dict(f=f, dilation=d)
            if (d * (f - 1)) % 2:
                expect_raises(student, "ValueError", "same_padding", **kwargs,
                              why=f"a {f}-tap kernel with dilation {d} covers {d * (f - 1) + 1} pixels, an even "
                                  f"number: no equal padding on both sides keeps the size")
                continue
            p = student.call("same_padding", **kwargs)
            REFERENCE.expect("same_padding", p, same_padding_truth(**kwargs))
            n = 9
            kept = torch_conv(n, f, padding=int(p), dilation=d)
            if kept != n:  # cannot happen once p is right; kept as the property this check is named after
                raise CheckFailed(_("with padding {p} a {n}-pixel input becomes {kept} pixels, not {n}").format(
                    p=p, n=n, kept=kept))
    run_once(body, student)


def keras_sizes(student):
    REFERENCE.pinned(student, slides_of("keras_output_size"))
    # 'valid' first: code that returns n fails there, where no named mistake gives n
    REFERENCE.for_all(student, "keras_output_size", keras_cases("valid"), examples=20)
    REFERENCE.for_all(student, "keras_output_size", keras_cases("same"), examples=20)


def _accepted(fn):
    return lambda case: _torch_accepts(fn, case)


def pool_matches_torch(student):
    REFERENCE.pinned(student, slides_of("pool_output_size"))
    # a given stride first, then stride None (= f)
    for stride_none in (False, True):
        REFERENCE.for_all(student, "pool_output_size", pool_cases(ceil_mode=False, stride_none=stride_none).filter(
            _accepted("pool_output_size")), examples=15)


def pool_ceil_mode(student):
    # strides given: stride None is pool_matches_torch's business
    REFERENCE.for_all(student, "pool_output_size", pool_cases(ceil_mode=True, stride_none=False).filter(
        _accepted("pool_output_size")), examples=30)
    with noted("with ceil_mode a window may hang over the end of the input; PyTorch only drops a last window that "
               "starts at or after n + padding"):
        REFERENCE.pinned(student, OVERHANG, prefix="overhanging window")


def transpose_matches_torch(student):
    REFERENCE.pinned(student, TRANSPOSE_EXAMPLES + slides_of("conv_transpose_output_size"), prefix="example")
    accepted = _accepted("conv_transpose_output_size")
    REFERENCE.for_all(student, "conv_transpose_output_size", transpose_cases().filter(accepted), examples=25)
    with noted("torch accepts output_padding >= stride as long as output_padding < dilation"):
        REFERENCE.for_all(student, "conv_transpose_output_size", transpose_cases(wide_output_padding=True).filter(
            accepted), examples=10)


conv_invalid = raises_check("conv_output_size", INVALID["conv_output_size"])
same_padding_invalid = raises_check("same_padding", INVALID["same_padding"])
keras_invalid = raises_check("keras_output_size", INVALID["keras_output_size"])
pool_invalid = raises_check("pool_output_size", INVALID["pool_output_size"])
transpose_invalid = raises_check("conv_transpose_output_size", INVALID["conv_transpose_output_size"])
