"""Reference solution for exercise 3: parameters of conv and dense layers, and of a sequential model spec."""
import numpy as np

# name -> (required options, optional options with their defaults)
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


def _whole(name, value, minimum):
    """Return ``value`` as an int if it is a whole number >= minimum, else raise ValueError. (Provided; use it.)"""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _pair(name, value):
    """An int K -> (K, K); a (KH, KW) pair -> (KH, KW); both checked to be ints >= 1."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a (KH, KW) pair, got {value!r}")
        return _whole(name, value[0], 1), _whole(name, value[1], 1)
    k = _whole(name, value, 1)
    return k, k


def conv_params(in_channels, out_channels, kernel_size, bias=True, groups=1):
    """out_channels * (in_channels / groups) * KH * KW + (out_channels if bias)."""
    c, f = _whole("in_channels", in_channels, 1), _whole("out_channels", out_channels, 1)
    g = _whole("groups", groups, 1)
    kh, kw = _pair("kernel_size", kernel_size)
    if c % g or f % g:
        raise ValueError(f"groups={g} must divide in_channels ({c}) and out_channels ({f})")
    return f * (c // g) * kh * kw + (f if bias else 0)


def dense_params(in_features, out_features, bias=True):
    """in_features * out_features + (out_features if bias)."""
    n, m = _whole("in_features", in_features, 1), _whole("out_features", out_features, 1)
    return n * m + (m if bias else 0)


def _options(spec):
    """(name, options with defaults filled in) for one layer spec; ValueError for anything malformed."""
    if not isinstance(spec, (tuple, list)) or not 1 <= len(spec) <= 2 or not isinstance(spec[0], str):
        raise ValueError(f"a layer spec is a tuple (name,) or (name, options), got {spec!r}")
    name = spec[0]
    if name not in LAYERS:
        raise ValueError(f"unknown layer {name!r}; known layers: {', '.join(LAYERS)}")
    given = spec[1] if len(spec) == 2 else {}
    if not isinstance(given, dict):
        raise ValueError(f"the options of {name!r} must be a dict, got {given!r}")
    required, optional = LAYERS[name]
    unknown = set(given) - set(required) - set(optional)
    if unknown:
        raise ValueError(f"unknown option(s) {sorted(unknown)} for {name!r}")
    missing = [key for key in required if key not in given]
    if missing:
        raise ValueError(f"{name!r} needs the option(s) {missing}")
    return name, {**optional, **given}


def _sliding(h, w, kernel, stride, padding, what):
    """Output (H, W) of a (KH, KW) window moving by (SH, SW) over (h, w); ValueError when it does not fit."""
    (kh, kw), (sh, sw) = kernel, stride
    if kh > h + 2 * padding or kw > w + 2 * padding:
        raise ValueError(f"the {kh}x{kw} {what} does not fit the {h}x{w} feature map with padding {padding}")
    return (h + 2 * padding - kh) // sh + 1, (w + 2 * padding - kw) // sw + 1


def count_params(layers, input_shape):
    """Sum of the layers' parameters, tracking the shape (C, H, W) -> ... -> (n,) through the model."""
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (C, H, W), got {input_shape!r}")
    shape = tuple(_whole("input_shape", v, 1) for v in input_shape)
    total = 0
    for i, spec in enumerate(layers):
        name, o = _options(spec)
        if name in ("conv", "maxpool", "avgpool") and len(shape) != 3:
            raise ValueError(f"layer {i} ({name}) needs a (C, H, W) input, but it gets the flat shape {shape}")
        if name == "conv":
            c, h, w = shape
            f = _whole("out_channels", o["out_channels"], 1)
            total += conv_params(c, f, o["kernel_size"], o["bias"], o["groups"])
            stride, padding = _whole("stride", o["stride"], 1), _whole("padding", o["padding"], 0)
            shape = (f, *_sliding(h, w, _pair("kernel_size", o["kernel_size"]), (stride, stride), padding, "kernel"))
        elif name in ("maxpool", "avgpool"):
            c, h, w = shape
            kernel = _pair("kernel_size", o["kernel_size"])
            stride = kernel if o["stride"] is None else (_whole("stride", o["stride"], 1),) * 2
            padding = _whole("padding", o["padding"], 0)
            if 2 * padding > min(kernel):
                raise ValueError(f"pool padding ({padding}) must be at most half the window {kernel}")
            shape = (c, *_sliding(h, w, kernel, stride, padding, "window"))
        elif name == "flatten":
            shape = (int(np.prod(shape)),)
        elif name == "dense":
            if len(shape) != 1:
                raise ValueError(f"layer {i} (dense) gets the shape {shape}: put ('flatten',) before it")
            m = _whole("out_features", o["out_features"], 1)
            total += dense_params(shape[0], m, o["bias"])
            shape = (m,)
    return total
