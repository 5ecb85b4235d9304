"""Exercise 3's named mistakes: wrong parameter counts, in plain arithmetic (whole models via :func:`wrong_count`).

Right answers are the checks' TRUTH (torch's modules). A conv layer with F filters of (KH, KW) on C channels in g
groups has F * (C / g) * KH * KW weights + F biases; a dense layer n -> m has n * m + m. A mistake is named only
where the input tells it apart from the right answer and the other mistakes (the rule is in
:mod:`grader.checking.mistakes`); each entry has a mutant in tests/test_ex03.py that must show exactly it. An
answer that code computing nothing also gives (0, or the first argument returned as it came) is evidence of no
mistake: there no entry applies.
"""
from __future__ import annotations

import math

from grader.checking.mistakes import Mistake, Mistakes, variant
from grader.course.ex03_param_count.checks import TRUTH, parse


def _evidence(wrong):
    """``wrong``, except where its answer is 0 or the first argument: `return 0` and `return in_channels` give those
    too, so there they explain nothing."""
    def guarded(**arguments):
        answer = wrong(**arguments)
        first = next(iter(arguments.values()))
        if answer == 0 or (isinstance(first, int) and answer == first):
            raise ValueError("a trivial answer: no evidence of this mistake")
        return answer
    return guarded


def _pair(k) -> tuple[int, int]:
    return (k, k) if isinstance(k, int) else tuple(k)


def wrong_count(layers, input_shape, *, biases=True, conv_biases=True, dense_biases=True, in_channels=True,
                flatten_from_input=False, pools_shrink=True, pool_stride_one=False) -> int:
    """count_params as a student with one mistake computes it (plain arithmetic; valid specs only):
    ``biases=False`` leaves every bias out (``conv_biases``/``dense_biases``: those of one kind of layer),
    ``in_channels=False`` gives each conv filter KH*KW weights,
    ``flatten_from_input=True`` flattens input_shape instead of the tracked shape, ``pools_shrink=False`` makes
    pooling keep the shape, ``pool_stride_one=True`` reads a pool's stride None as 1. With every option at its
    default it is the right count."""
    shape, total = tuple(input_shape), 0
    for spec in layers:
        name, o = parse(spec)
        if name == "conv":
            c, h, w = shape
            kh, kw = _pair(o["kernel_size"])
            f, s, p, g = o["out_channels"], o["stride"], o["padding"], o["groups"]
            total += f * (c // g if in_channels else 1) * kh * kw + (f if o["bias"] and biases and conv_biases else 0)
            shape = (f, (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1)
        elif name in ("maxpool", "avgpool") and pools_shrink:
            c, h, w = shape
            kh, kw = _pair(o["kernel_size"])
            sh, sw = ((1, 1) if pool_stride_one else (kh, kw)) if o["stride"] is None else (o["stride"],) * 2
            p = o["padding"]
            shape = (c, (h + 2 * p - kh) // sh + 1, (w + 2 * p - kw) // sw + 1)
        elif name == "flatten":
            shape = (math.prod(input_shape if flatten_from_input else shape),)
        elif name == "dense":
            total += shape[0] * o["out_features"] + (o["out_features"] if o["bias"] and biases and dense_biases
                                                     else 0)
            shape = (o["out_features"],)
    return total


def _conv(in_channels, out_channels, kernel_size, bias, groups):
    kh, kw = _pair(kernel_size)
    weights = out_channels * (in_channels // groups) * kh * kw
    biases = out_channels if bias else 0
    return {"no bias": weights,
            "one bias": weights + 1 if bias else None,
            "no in channels": out_channels * kh * kw + biases,
            "groups ignored": out_channels * in_channels * kh * kw + biases}


def _model(layers, input_shape):
    return {"no bias": wrong_count(layers, input_shape, biases=False),
            "no conv bias": wrong_count(layers, input_shape, conv_biases=False),
            "no dense bias": wrong_count(layers, input_shape, dense_biases=False),
            "no in channels": wrong_count(layers, input_shape, in_channels=False),
            "flatten from input": wrong_count(layers, input_shape, flatten_from_input=True),
            "pools ignored": wrong_count(layers, input_shape, pools_shrink=False),
            "pool stride one": wrong_count(layers, input_shape, pool_stride_one=True)}


MISTAKES = Mistakes(right=TRUTH, entries=[
    Mistake("ex03-conv-no-bias", "conv_params",
            "The bias is missing: each of the out_channels filters has one bias, so add out_channels (unless "
            "bias=False).", _evidence(variant(_conv, "no bias"))),
    Mistake("ex03-conv-one-bias", "conv_params",
            "There is one bias per filter, not one per layer: add out_channels biases, not 1.",
            _evidence(variant(_conv, "one bias"))),
    Mistake("ex03-conv-no-in-channels", "conv_params",
            "Each filter spans all its input channels: it has (in_channels / groups) * KH * KW weights, not "
            "KH * KW.", _evidence(variant(_conv, "no in channels"))),
    Mistake("ex03-conv-groups-ignored", "conv_params",
            "With groups=g each filter sees only in_channels / g of the channels, so it has "
            "(in_channels / g) * KH * KW weights.", _evidence(variant(_conv, "groups ignored"))),
    Mistake("ex03-dense-no-bias", "dense_params",
            "The bias is missing: a dense layer has one bias per output, so add out_features (unless "
            "bias=False).", _evidence(lambda in_features, out_features, bias: in_features * out_features)),
    Mistake("ex03-model-no-bias", "count_params",
            "Your total leaves out the biases: every conv filter and every dense output has one (unless its "
            "spec says bias=False).", _evidence(variant(_model, "no bias"))),
    Mistake("ex03-model-conv-no-bias", "count_params",
            "Your total leaves out the conv layers' biases: each of a conv layer's out_channels filters has one "
            "bias (unless its spec says bias=False).", _evidence(variant(_model, "no conv bias"))),
    Mistake("ex03-model-dense-no-bias", "count_params",
            "Your total leaves out the dense layers' biases: a dense layer has one bias per output (unless its "
            "spec says bias=False).", _evidence(variant(_model, "no dense bias"))),
    Mistake("ex03-model-no-in-channels", "count_params",
            "Your conv layers ignore their input channels: a filter has C * KH * KW weights, where C is the "
            "channel count that reaches the layer (the previous conv's out_channels).",
            _evidence(variant(_model, "no in channels"))),
    Mistake("ex03-model-flatten-from-input", "count_params",
            "The flatten size must come from the shape that reaches flatten (after the convs and pools), not "
            "from input_shape: track (C, H, W) layer by layer.", _evidence(variant(_model, "flatten from input"))),
    Mistake("ex03-model-pools-ignored", "count_params",
            "Pooling shrinks the feature map (a 2x2 pool with stride 2 halves H and W), and the size after "
            "flatten depends on it: track the shape through every pooling layer.",
            _evidence(variant(_model, "pools ignored"))),
    Mistake("ex03-model-pool-stride-one", "count_params",
            "A pooling layer's stride None means stride = kernel_size (windows side by side, a 2x2 pool halves H and "
            "W), not 1.", _evidence(variant(_model, "pool stride one"))),
])
