"""Checks for exercise 3: conv_params, dense_params and count_params(layers, input_shape).

A conv layer with F filters of (KH, KW) on C input channels in g groups has F * (C / g) * KH * KW weights + F biases;
a dense layer n -> m has n * m weights + m biases; a model's count needs the shape (C, H, W) -> ... -> (n,) that
reaches each layer: conv (C, H, W) -> (F, (H + 2p - KH) // s + 1, (W + 2p - KW) // s + 1), pooling keeps C.

Ground truth is PyTorch itself: nn.Conv2d / nn.Linear built on the 'meta' device (no memory, no init cost) and
sum(p.numel() for p in module.parameters() if p.requires_grad). For a model spec, :func:`torch_count` builds the
layers one by one and runs an empty batch (0, C, H, W) through them, so torch (not the grader) derives every
layer's in_channels / in_features and refuses kernels that do not fit. The spec format is documented in the stub
(exercises/ex03_param_count.py); :data:`LAYERS` is the grader's copy of it.
"""
from __future__ import annotations

import copy
import functools
from contextlib import contextmanager

from grader.checking.replay import truth_function
from grader.checking import CheckFailed, Reference, expect_number, for_all, noted, raises_check, st, truth
from grader.i18n import gettext as _

# name -> (required options, optional options with their defaults); the same table as in the stub's docstring
LAYERS = {
    "conv": (("out_channels", "kernel_size"), {"stride": 1, "padding": 0, "bias": True, "groups": 1}),
    "maxpool": (("kernel_size",), {"stride": None, "padding": 0}),
    "avgpool": (("kernel_size",), {"stride": None, "padding": 0}),
    "relu": ((), {}),
    "tanh": ((), {}),
    "sigmoid": ((), {}),
    "flatten": ((), {}),
    "dense": (("out_features",), {"bias": True}),
}


class SpecError(ValueError):
    """A spec the exercise defines as invalid although torch has no opinion (unknown name, dense before flatten)."""


def parse(spec) -> tuple[str, dict]:
    """(name, options with defaults filled in); SpecError for a malformed spec."""
    if not isinstance(spec, (tuple, list)) or not 1 <= len(spec) <= 2 or spec[0] not in LAYERS:
        raise SpecError(f"not a layer spec: {spec!r}")
    given = spec[1] if len(spec) == 2 else {}
    required, optional = LAYERS[spec[0]]
    if not isinstance(given, dict) or set(given) - set(required) - set(optional) or set(required) - set(given):
        raise SpecError(f"bad options in {spec!r}")
    return spec[0], {**optional, **given}


def _size(k):
    return tuple(k) if isinstance(k, (tuple, list)) else k


def _module(name: str, o: dict, x):
    """The torch module for one parsed spec, given the tensor x (0, C, H, W) or (0, n) that reaches it.

    Conv and Linear are built on the 'meta' device: they are only counted, never run."""
    import torch.nn as nn

    if name == "dense" and x.dim() != 2:
        raise SpecError("dense before flatten")
    if name == "conv":
        return nn.Conv2d(x.shape[1], o["out_channels"], _size(o["kernel_size"]), stride=o["stride"],
                         padding=o["padding"], groups=o["groups"], bias=o["bias"], device="meta")
    if name in ("maxpool", "avgpool"):
        pool = nn.MaxPool2d if name == "maxpool" else nn.AvgPool2d
        return pool(_size(o["kernel_size"]), stride=o["stride"], padding=o["padding"])
    if name == "dense":
        return nn.Linear(x.shape[1], o["out_features"], bias=o["bias"], device="meta")
    return {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "flatten": nn.Flatten}[name]()


def _forward(module, x):
    """The module applied to an EMPTY batch x on the CPU: torch checks the arguments and computes the output shape
    as for a real batch, but there is nothing to compute (a meta-tensor forward would cost a second of imports).
    A conv runs on one channel with a one-filter kernel, and its output is widened to out_channels: the spatial
    size does not depend on the channels, and nn.Conv2d (built from the tracked channel count) has already checked
    groups against in_channels and out_channels. A big weight would cost milliseconds even for an empty batch."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    if isinstance(module, nn.Conv2d):
        if x.dim() != 4:
            return F.conv2d(x, torch.zeros(1, 1, 1, 1))  # raises, as the layer itself would on a flat input
        one = F.conv2d(x[:, :1], torch.zeros(1, 1, *module.kernel_size), None, module.stride, module.padding,
                       module.dilation)
        return one.expand(0, module.out_channels, *one.shape[2:])
    if isinstance(module, nn.Linear):
        return F.linear(x, torch.zeros(()).expand(module.weight.shape))
    return module(x)


def _describe(spec) -> str:
    name, o = parse(spec)
    shown = {k: v for k, v in o.items() if k in LAYERS[name][0] or v != LAYERS[name][1][k]}
    return name + (" " + ", ".join(f"{k}={v}" for k, v in shown.items()) if shown else "")


@truth_function
def torch_count(layers, input_shape) -> tuple[int, list[str]]:
    """(trainable parameters, one line per layer) of the torch model for a spec; raises where the spec is invalid
    (SpecError for the exercise's own rules, torch's RuntimeError/ValueError for the rest)."""
    torch = truth.torch()
    if len(input_shape) != 3 or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                                        for v in input_shape):
        raise SpecError("input_shape must be (C, H, W)")
    x = torch.zeros(0, *input_shape)
    total, rows = 0, [f"input {tuple(input_shape)}"]
    for spec in layers:
        name, o = parse(spec)
        module = _module(name, o, x)
        x = _forward(module, x)
        n = sum(p.numel() for p in module.parameters() if p.requires_grad)
        total += n
        rows.append(f"{_describe(spec):<40} -> {tuple(x.shape[1:])}, {n:,} parameters")
    rows.append(f"total {total:,}")
    return total, rows


@truth_function
def torch_conv_params(in_channels, out_channels, kernel_size, bias=True, groups=1) -> int:
    import torch.nn as nn

    m = nn.Conv2d(in_channels, out_channels, _size(kernel_size), bias=bias, groups=groups, device="meta")
    return sum(p.numel() for p in m.parameters() if p.requires_grad)


@truth_function
def torch_dense_params(in_features, out_features, bias=True) -> int:
    import torch.nn as nn

    m = nn.Linear(in_features, out_features, bias=bias, device="meta")
    return sum(p.numel() for p in m.parameters() if p.requires_grad)


# -- pinned examples ----------------------------------------------------------------------------------------------
def conv(out_channels, kernel_size, **options):
    return ("conv", {"out_channels": out_channels, "kernel_size": kernel_size, **options})


def pool(kernel_size, kind="maxpool", **options):
    return (kind, {"kernel_size": kernel_size, **options})


def dense(out_features, **options):
    return ("dense", {"out_features": out_features, **options})


RELU, TANH, FLATTEN = ("relu",), ("tanh",), ("flatten",)

MNIST_CNN = [conv(32, 3), RELU, conv(64, 3), RELU, pool(2), FLATTEN, dense(128), RELU, dense(10)]
LENET5 = [conv(6, 5), TANH, pool(2, "avgpool"), conv(16, 5), TANH, pool(2, "avgpool"), FLATTEN,
          dense(120), TANH, dense(84), TANH, dense(10)]
LENET5_C5_CONV = [conv(6, 5, stride=1, padding=0, bias=True, groups=1), TANH,
                  pool(2, "avgpool", stride=2, padding=0), conv(16, 5), TANH, pool(2, "avgpool", stride=2),
                  conv(120, 5), TANH, FLATTEN, dense(84, bias=True), TANH, dense(10)]
ALEXNET = [conv(96, 11, stride=4), RELU, pool(3, stride=2), conv(256, 5, padding=2), RELU, pool(3, stride=2),
           conv(384, 3, padding=1), RELU, conv(384, 3, padding=1), RELU, conv(256, 3, padding=1), RELU,
           pool(3, stride=2), FLATTEN, dense(4096), RELU, dense(4096), RELU, dense(1000)]
DEEP_MLP = [FLATTEN] + [dense(5000, bias=False)] * 6 + [dense(50, bias=False)]

# (label, function, kwargs, answer). The answers are pinned here and re-checked against torch in tests/test_ex03.py,
# so a slide mistake can never become the expected value.
SLIDE_EXAMPLES = (
    ("one 3x3 filter on 3 channels: 3*3*3 + 1 = 28 (the slide prints 10)", "conv_params",
     dict(in_channels=3, out_channels=1, kernel_size=3), 28),
    ("16 3x3 filters on 3 channels: 28 * 16 = 448 (the slide prints 160)", "conv_params",
     dict(in_channels=3, out_channels=16, kernel_size=3), 448),
    ("16 3x3 filters on 1 channel: 160", "conv_params", dict(in_channels=1, out_channels=16, kernel_size=3), 160),
    ("MNIST CNN Conv_1: (3*3*1 + 1) * 32 = 320", "conv_params",
     dict(in_channels=1, out_channels=32, kernel_size=3), 320),
    ("MNIST CNN Conv_2: (3*3*32 + 1) * 64 = 18,496 (not 18,494)", "conv_params",
     dict(in_channels=32, out_channels=64, kernel_size=3), 18496),
    ("one 5x5x3 filter: 75 weights + 1 bias", "conv_params", dict(in_channels=3, out_channels=1, kernel_size=5), 76),
    ("10 5x5 filters on 32x32x3: 760", "conv_params", dict(in_channels=3, out_channels=10, kernel_size=5), 760),
    ("4 5x5 filters on 3 channels: 300 weights", "conv_params",
     dict(in_channels=3, out_channels=4, kernel_size=5, bias=False), 300),
    ("4 5x5 filters on 3 channels: 300 + 4 biases", "conv_params",
     dict(in_channels=3, out_channels=4, kernel_size=(5, 5)), 304),
    ("2 3x3x3 filters (5x5x3 -> 3x3x2)", "conv_params", dict(in_channels=3, out_channels=2, kernel_size=3), 56),
    ("Convolution2D(25, 3, 3) on 1x28x28: 25 * 10", "conv_params",
     dict(in_channels=1, out_channels=25, kernel_size=(3, 3)), 250),
    ("1x1 conv, 32 filters on 64 channels", "conv_params", dict(in_channels=64, out_channels=32, kernel_size=1), 2080),
    ("one 5x5 filter: 25 weights", "conv_params",
     dict(in_channels=1, out_channels=1, kernel_size=5, bias=False), 25),
    ("one 3x3 filter: 9 weights (two of them: 18)", "conv_params",
     dict(in_channels=1, out_channels=1, kernel_size=3, bias=False), 9),
    ("LeNet-5 C1: (5*5 + 1) * 6 = 156", "conv_params", dict(in_channels=1, out_channels=6, kernel_size=5), 156),
    ("LeNet-5 C3 (every channel connected)", "conv_params", dict(in_channels=6, out_channels=16, kernel_size=5), 2416),
    ("LeNet-5 C5: 120 5x5 filters on 16 channels", "conv_params",
     dict(in_channels=16, out_channels=120, kernel_size=5), 48120),
    ("AlexNet C1: 96 11x11 filters on RGB", "conv_params", dict(in_channels=3, out_channels=96, kernel_size=11), 34944),
    ("MNIST CNN FC: (9216 + 1) * 128 = 1,179,776", "dense_params", dict(in_features=9216, out_features=128), 1179776),
    ("MNIST CNN output: (128 + 1) * 10 = 1,290", "dense_params", dict(in_features=128, out_features=10), 1290),
    ("dense instead of Conv_1: 784 * 21,632 weights", "dense_params",
     dict(in_features=784, out_features=21632, bias=False), 16959488),
    ("LeNet-5 F6: 120 -> 84", "dense_params", dict(in_features=120, out_features=84), 10164),
    ("MNIST CNN on 1x28x28: 1,199,882", "count_params", dict(layers=MNIST_CNN, input_shape=(1, 28, 28)), 1199882),
    ("LeNet-5 on 1x32x32: 61,706", "count_params", dict(layers=LENET5, input_shape=(1, 32, 32)), 61706),
    ("LeNet-5 with C5 as a conv layer: 61,706", "count_params",
     dict(layers=LENET5_C5_CONV, input_shape=(1, 32, 32)), 61706),
    ("AlexNet on 3x227x227: 62,378,344", "count_params", dict(layers=ALEXNET, input_shape=(3, 227, 227)), 62378344),
    ("7-layer network on 100x100, weights only: 175,250,000", "count_params",
     dict(layers=DEEP_MLP, input_shape=(1, 100, 100)), 175250000),
)

# Pinned first in model_options: one model for each option that the generated ones reach only now and then (a pool
# window of (KH, KW) with stride None, options written out at their defaults, ("relu", {})). (torch-checked)
OPTION_EXAMPLES = (
    ("a (3, 5) kernel with stride 2 and padding 1, then a (2, 3) max pool (stride None: (2, 3))", "count_params",
     dict(layers=[conv(4, (3, 5), stride=2, padding=1), pool((2, 3)), FLATTEN, dense(10)], input_shape=(2, 17, 20)),
     614),
    ("every option written out, groups=2, bias=False, ('relu', {}) and ('flatten', {})", "count_params",
     dict(layers=[("conv", {"out_channels": 6, "kernel_size": 3, "stride": 1, "padding": 0, "bias": False,
                            "groups": 2}), ("relu", {}), ("avgpool", {"kernel_size": 2, "stride": None, "padding": 0}),
                  ("flatten", {}), ("dense", {"out_features": 5, "bias": True})], input_shape=(4, 10, 10)), 593),
    ("one filter of 6x6 that fits the 4x4 input only once it is padded by 1", "count_params",
     dict(layers=[conv(1, (6, 6), padding=1), FLATTEN, dense(3)], input_shape=(2, 4, 4)), 79),
    ("a 3x3 max pool with stride 2 and padding 1, a dense layer without bias", "count_params",
     dict(layers=[conv(8, 3, padding=1), pool(3, stride=2, padding=1), FLATTEN, dense(10, bias=False)],
          input_shape=(3, 9, 9)), 2224),
)


def slides_of(fn: str) -> tuple:
    """The pinned slide examples of one function."""
    return tuple(e for e in SLIDE_EXAMPLES if e[1] == fn)


C3 = [conv(8, 3)]
# function -> ((kwargs, why it is invalid, torch refuses it too), ...): ValueError for each. tests/test_ex03.py checks
# the last field; the other rows are the exercise's own rules (torch would build a zero-size layer, takes True as 1,
# or has no spec format to refuse).
INVALID = {
    "conv_params": (
        (dict(in_channels=3, out_channels=8, kernel_size=3, groups=2), "groups=2 does not divide 3", True),
        (dict(in_channels=4, out_channels=6, kernel_size=3, groups=4), "groups=4 does not divide 6", True),
        (dict(in_channels=4, out_channels=8, kernel_size=3, groups=0), "groups must be >= 1", True),
        (dict(in_channels=0, out_channels=8, kernel_size=3), "in_channels must be >= 1", False),
        (dict(in_channels=3, out_channels=0, kernel_size=3), "out_channels must be >= 1", False),
        (dict(in_channels=3, out_channels=8, kernel_size=0), "kernel_size must be >= 1", False),
        (dict(in_channels=3, out_channels=8, kernel_size=(3, 0)), "KW must be >= 1", False),
        (dict(in_channels=3, out_channels=8, kernel_size=(0, 3)), "KH must be >= 1", False),
        (dict(in_channels=3, out_channels=8, kernel_size=3.7), "kernel_size must be an int (not a float)", True),
        (dict(in_channels=3.0, out_channels=8, kernel_size=3), "in_channels must be an int, even 3.0 is a float",
         True),
        (dict(in_channels=3, out_channels=True, kernel_size=3), "out_channels must be an int, not a bool", True),
        (dict(in_channels=4, out_channels=8, kernel_size=3, groups=2.0), "groups must be an int, even 2.0 is a float",
         True),
        (dict(in_channels=3, out_channels=8, kernel_size=(3, 3, 3)), "kernel_size is an int or a (KH, KW) pair",
         False),
    ),
    "dense_params": (
        (dict(in_features=0, out_features=10), "in_features must be >= 1", False),
        (dict(in_features=10, out_features=0), "out_features must be >= 1", False),
        (dict(in_features=-4, out_features=10), "in_features must be >= 1", True),
        (dict(in_features=2.5, out_features=10), "in_features must be an int (not a float)", True),
        (dict(in_features=10, out_features=10.0), "out_features must be an int, even 10.0 is a float", True),
        (dict(in_features=True, out_features=10), "in_features must be an int, not a bool", False),
    ),
    "count_params": (
        (dict(layers=[("conv2d", {"out_channels": 8, "kernel_size": 3})], input_shape=(1, 8, 8)),
         "unknown layer 'conv2d' (the name is 'conv')", False),
        (dict(layers=[("batchnorm",)], input_shape=(1, 8, 8)), "unknown layer 'batchnorm'", False),
        (dict(layers=[dense(10)], input_shape=(1, 28, 28)), "dense on a (C, H, W) shape: flatten first", False),
        (dict(layers=C3 + [RELU, dense(10)], input_shape=(1, 8, 8)),
         "dense after a conv without flatten in between", False),
        (dict(layers=[FLATTEN, conv(8, 3)], input_shape=(1, 8, 8)), "conv after flatten", True),
        (dict(layers=[FLATTEN, pool(2)], input_shape=(1, 8, 8)), "maxpool after flatten", True),
        (dict(layers=[FLATTEN, pool(2, "avgpool")], input_shape=(1, 8, 8)), "avgpool after flatten", True),
        (dict(layers=[conv(8, 5)], input_shape=(1, 4, 4)), "a 5x5 kernel on a 4x4 input", True),
        (dict(layers=[conv(8, 7, padding=1)], input_shape=(1, 4, 4)),
         "a 7x7 kernel on the 6x6 map that padding 1 makes of 4x4", True),
        (dict(layers=[conv(8, (5, 1))], input_shape=(1, 4, 4)), "a 5x1 kernel on a 4x4 input (5 rows > 4)", True),
        (dict(layers=[conv(8, (1, 5))], input_shape=(1, 4, 4)), "a 1x5 kernel on a 4x4 input (5 columns > 4)", True),
        (dict(layers=[conv(8, (7, 2), padding=1)], input_shape=(1, 4, 8)),
         "a 7x2 kernel on the 6x10 map that padding 1 makes of 4x8 (7 rows > 6)", True),
        (dict(layers=[conv(8, (2, 7), padding=1)], input_shape=(1, 8, 4)),
         "a 2x7 kernel on the 10x6 map that padding 1 makes of 8x4 (7 columns > 6)", True),
        (dict(layers=[conv(8, 3), conv(8, 3), conv(8, 3)], input_shape=(1, 6, 6)),
         "6 -> 4 -> 2: the third 3x3 kernel does not fit the 2x2 map", True),
        (dict(layers=[pool(2), pool(2), pool(2)], input_shape=(1, 4, 4)),
         "4 -> 2 -> 1: the third 2x2 window does not fit the 1x1 map", True),
        (dict(layers=[pool(3, padding=2)], input_shape=(1, 8, 8)), "pool padding over kernel_size // 2", True),
        (dict(layers=[conv(8, 3, groups=2)], input_shape=(3, 8, 8)), "groups=2 does not divide the 3 input channels",
         True),
        (dict(layers=[conv(4, 3), conv(6, 3, groups=4)], input_shape=(1, 8, 8)), "groups=4 does not divide 6 filters",
         True),
        (dict(layers=[conv(0, 3)], input_shape=(1, 8, 8)), "a conv with 0 filters", False),
        (dict(layers=[conv(8, 3, stride=0)], input_shape=(1, 8, 8)), "a conv with stride 0", True),
        (dict(layers=[conv(8, 3, stride=1.5)], input_shape=(1, 8, 8)), "stride must be an int (not a float)", True),
        (dict(layers=[conv(8, 3, padding=-1)], input_shape=(1, 8, 8)), "padding must be >= 0", True),
        (dict(layers=[conv(8, 3.7)], input_shape=(1, 8, 8)), "kernel_size must be an int (not a float)", True),
        (dict(layers=[conv(8, 3, groups=0)], input_shape=(4, 8, 8)), "groups must be >= 1", True),
        (dict(layers=[pool(0)], input_shape=(1, 8, 8)), "a pooling window of 0", True),
        (dict(layers=[pool(2, stride=0)], input_shape=(1, 8, 8)), "a pool with stride 0", True),
        (dict(layers=[pool(2, "avgpool", padding=-1)], input_shape=(1, 8, 8)), "pool padding must be >= 0", True),
        (dict(layers=[FLATTEN, dense(0)], input_shape=(1, 8, 8)), "a dense layer with 0 outputs", False),
        (dict(layers=[FLATTEN, dense(2.5)], input_shape=(1, 8, 8)), "out_features must be an int (not a float)",
         True),
        (dict(layers=[("conv", {"kernel_size": 3})], input_shape=(1, 8, 8)), "conv without out_channels", False),
        (dict(layers=[("maxpool", {"stride": 2})], input_shape=(1, 8, 8)), "maxpool without kernel_size", False),
        (dict(layers=[FLATTEN, ("dense", {})], input_shape=(1, 8, 8)), "dense without out_features", False),
        (dict(layers=[FLATTEN, dense(10, bais=False)], input_shape=(1, 8, 8)),
         "unknown option 'bais' (a typo of 'bias')", False),
        (dict(layers=[("relu", {}, {})], input_shape=(1, 8, 8)), "a spec is (name,) or (name, options)", False),
        (dict(layers=[("conv", [8, 3])], input_shape=(1, 8, 8)), "the options are a dict, not a list", False),
        (dict(layers=[FLATTEN, dense(10)], input_shape=(28, 28)), "input_shape must be (C, H, W)", False),
        (dict(layers=[RELU], input_shape=(1, 0, 28)), "input_shape must be three positive ints (H = 0)", False),
        (dict(layers=[FLATTEN], input_shape=(0, 8, 8)), "input_shape must be three positive ints (C = 0)", False),
        (dict(layers=[()], input_shape=(1, 8, 8)), "an empty spec: a spec is (name,) or (name, options)", False),
        (dict(layers=[FLATTEN, dense(10)], input_shape=(1, 28.0, 28)), "input_shape must be three ints, not floats",
         False),
    ),
}


# -- strategies ----------------------------------------------------------------------------------------------------
# Hypothesis shrinks a sampled_from towards its first item, so the lists start with typical values: a shrunk
# counterexample then still has a conv that changes the channel count and a 3x3 kernel that changes the size, which
# keeps the known mistakes (flatten from input_shape, pooling ignored, ...) apart from each other and readable.
CHANNELS = (8, 16, 32, 64, 1, 2, 3, 4, 6, 10, 12, 20, 24, 48, 96, 128, 192, 256, 384, 512)
UNITS = (10, 16, 32, 64, 1, 2, 50, 84, 100, 120, 128, 256, 500, 512, 1000, 4096)
KERNELS = (3, 1, 2, 5, 4, 7, 6)


def _kernel(draw, limit: int) -> int:
    return draw(st.sampled_from([k for k in KERNELS if k <= limit]))


@st.composite
def architectures(draw, options: bool):
    """(layers, input_shape) of a small valid model: conv/pool blocks, then (usually) flatten and dense layers.

    Without ``options`` every conv has stride 1, padding 0, bias, groups 1, an int kernel, and pools use their
    defaults; with ``options`` stride, padding, bias=False, groups, (KH, KW) kernels (of pools too), pool
    strides/padding, options written out at their default values and specs like ("relu", {}) appear.
    """
    def finish(name, spec):
        """The spec as a tuple; with ``options``, sometimes with its defaults written out."""
        if options and draw(st.integers(0, 3)) == 3:
            spec = {**LAYERS[name][1], **spec}
        return (name, spec)

    def plain(name):
        return (name, {}) if options and draw(st.booleans()) else (name,)

    c = draw(st.sampled_from((1, 3) if not options else (1, 2, 3, 4, 6, 8)))
    h = draw(st.integers(5, 40))
    w = h if draw(st.booleans()) else draw(st.integers(5, 40))
    input_shape = shape = (c, h, w)
    layers = []
    for _ in range(draw(st.integers(0, 3))):
        c, h, w = shape
        out = draw(st.sampled_from(CHANNELS))
        spec = {"out_channels": out}
        p = draw(st.integers(0, 2)) if options else 0
        s = draw(st.integers(1, 3)) if options else 1
        if options and draw(st.booleans()):
            kh, kw = _kernel(draw, h + 2 * p), _kernel(draw, w + 2 * p)
            spec["kernel_size"] = (kh, kw)
        else:
            kh = kw = _kernel(draw, min(h, w) + 2 * p)
            spec["kernel_size"] = kh
        if s != 1:
            spec["stride"] = s
        if p:
            spec["padding"] = p
        if options:
            common = [g for g in range(2, min(c, out) + 1) if c % g == 0 and out % g == 0]
            g = draw(st.sampled_from([1] + common))
            if g != 1:
                spec["groups"] = g
            if not draw(st.booleans()):
                spec["bias"] = False
        layers.append(finish("conv", spec))
        shape = (out, (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1)
        act = draw(st.sampled_from((None, "relu", "tanh", "sigmoid")))
        if act:
            layers.append(plain(act))
        c, h, w = shape
        if min(h, w) >= 2 and draw(st.booleans()):
            kh = kw = k = draw(st.integers(2, min(3, h, w)))
            kind = draw(st.sampled_from(("maxpool", "avgpool")))
            spec = {"kernel_size": k}
            (sh, sw), pp = (kh, kw), 0
            if options:
                if draw(st.booleans()):
                    kh, kw = draw(st.integers(2, min(3, h))), draw(st.integers(2, min(3, w)))
                    spec["kernel_size"], (sh, sw) = (kh, kw), (kh, kw)
                pp = draw(st.integers(0, min(kh, kw) // 2))
                stride = draw(st.sampled_from((None, 1, 2, 3)))
                if stride is not None:
                    spec["stride"], sh, sw = stride, stride, stride
                if pp:
                    spec["padding"] = pp
            layers.append(finish(kind, spec))
            shape = (c, (h + 2 * pp - kh) // sh + 1, (w + 2 * pp - kw) // sw + 1)
    if draw(st.integers(0, 4)):  # most models end in flatten + dense layers
        layers.append(plain("flatten"))
        for i in range(draw(st.integers(1, 3))):
            if i:
                layers.append(plain(draw(st.sampled_from(("relu", "tanh", "sigmoid")))))
            spec = {"out_features": draw(st.sampled_from(UNITS))}
            if options and not draw(st.booleans()):
                spec["bias"] = False
            layers.append(finish("dense", spec))
    return layers, input_shape


@st.composite
def conv_param_cases(draw):
    c, f = draw(st.sampled_from(CHANNELS)), draw(st.sampled_from(CHANNELS))
    case = dict(in_channels=c, out_channels=f)
    case["kernel_size"] = (_kernel(draw, 7), _kernel(draw, 7)) if draw(st.booleans()) \
        else draw(st.sampled_from(KERNELS + (11,)))
    if not draw(st.booleans()):
        case["bias"] = False
    common = [g for g in range(2, min(c, f) + 1) if c % g == 0 and f % g == 0]
    g = draw(st.sampled_from([1] + common))
    if g != 1:
        case["groups"] = g
    return case


@st.composite
def dense_param_cases(draw):
    case = dict(in_features=draw(st.one_of(st.sampled_from((9216, 400, 784) + UNITS), st.integers(1, 100_000))),
                out_features=draw(st.sampled_from(UNITS)))
    if not draw(st.booleans()):
        case["bias"] = False
    return case


# -- checks --------------------------------------------------------------------------------------------------------
def torch_model_params(layers, input_shape) -> int:
    """count_params's right answer (the student's signature): the torch model's trainable parameters."""
    return torch_count(layers, input_shape)[0]


# function -> its right answer, with the student's signature (also the named mistakes' right answers)
TRUTH = {"conv_params": torch_conv_params, "dense_params": torch_dense_params, "count_params": torch_model_params}

REFERENCE = Reference(TRUTH, expect=functools.partial(expect_number, integer=True), what=lambda fn: f"{fn}()")


@contextmanager
def _layer_by_layer(student):
    """A wrong count_params() answer raised inside the block gets the torch model, layer by layer, as details."""
    try:
        yield
    except CheckFailed as failure:
        call = student.last_call
        if failure.kind is None and call is not None and call.fn == "count_params":
            failure.details += ["the torch model, layer by layer:",
                                *("  " + r for r in torch_count(*call.args, **call.kwargs)[1])]
        raise


def _expect_count(student, layers, input_shape):
    with _layer_by_layer(student):
        got = student.call("count_params", layers=layers, input_shape=input_shape)
        REFERENCE.expect("count_params", got, torch_model_params(layers, input_shape))


def conv_slide_examples(student):
    REFERENCE.pinned(student, slides_of("conv_params"))


def conv_matches_torch(student):
    REFERENCE.for_all(student, "conv_params", conv_param_cases(), examples=30)


def dense_matches_torch(student):
    REFERENCE.pinned(student, slides_of("dense_params"))
    REFERENCE.for_all(student, "dense_params", dense_param_cases(), examples=20)


def model_slide_examples(student):
    with _layer_by_layer(student):
        REFERENCE.pinned(student, slides_of("count_params"))


def model_matches_torch(student):
    for_all(lambda case: _expect_count(student, *case), architectures(options=False), student=student, examples=30)


def model_options(student):
    with _layer_by_layer(student):
        REFERENCE.pinned(student, OPTION_EXAMPLES, prefix="example")
    for_all(lambda case: _expect_count(student, *case), architectures(options=True), student=student, examples=30)


conv_invalid = raises_check("conv_params", INVALID["conv_params"])
dense_invalid = raises_check("dense_params", INVALID["dense_params"])
invalid_specs = raises_check("count_params", INVALID["count_params"])


def specs_unchanged(student):
    """count_params leaves the layer specs as they were, judged only on calls that returned the right count; fails
    when no call could be judged, so that code which counts nothing cannot pass it."""
    judged = []

    def body(case):
        layers, input_shape = case
        before = copy.deepcopy(layers)
        try:
            got, _printed, after = student.call("count_params", return_args=True, layers=layers, input_shape=input_shape)
        except CheckFailed as failure:
            if failure.kind == "raised":
                return   # the value checks' business
            raise
        try:
            REFERENCE.expect("count_params", got, torch_model_params(layers, input_shape))
        except CheckFailed:
            return
        judged.append(True)
        if after.get("layers") != before:
            raise CheckFailed(_("count_params() changed the layer specs it was given (e.g. popped options out of a "
                                "dict); read options with .get(name, default) instead"),
                              _("before:") + f" {before!r}", _("after: ") + f" {after.get('layers')!r}")
    for_all(body, architectures(options=True).filter(lambda c: len(c[0]) > 0), student=student, examples=10)
    if not judged:
        raise CheckFailed(_("count_params() returned no correct count on these models, so whether the layer specs "
                            "stay unchanged could not be judged"))
