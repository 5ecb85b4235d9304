"""Exercise 3: the entry (data only). Checks in checks.py, named mistakes in mistakes.py.

Each check judges one function, so that a finished conv_params earns its points while count_params is a TODO; each
function's ValueError check (and count_params' specs-unchanged check) is earned together with one of its value checks.
"""
from grader.course.entry import Check, Exercise

CONV = ("A conv layer has out_channels * (in_channels / groups) * KH * KW weights plus out_channels biases (none "
        "with bias=False); a filter spans all the input channels of its group, and kernel_size may be a (KH, KW) "
        "pair.")
CONV_SLIDES = ("One 3x3 filter on an RGB input spans the 3 channels: 3*3*3 = 27 weights + 1 bias = 28 (the slide's "
               "10 forgot the channels); 16 of them: 448.")
CONV_INVALID = ("Validate first (the provided _whole does it): in_channels, out_channels, groups and each of KH, KW "
                "must be ints >= 1 -- a float such as 3.7 or 3.0, or a bool, raises ValueError -- and groups must "
                "divide both in_channels and out_channels.")
DENSE = "A dense layer has in_features * out_features weights plus out_features biases (none with bias=False)."
DENSE_INVALID = ("Validate first (the provided _whole does it): in_features and out_features must be ints >= 1 "
                 "(dense_params(10, 0) raises ValueError, and so do floats and bools).")
MODEL = ("Pooling, activations and flatten have no parameters, but they change the shape the next layer sees: "
         "track (C, H, W) through the model; a conv's in_channels is the C that reaches it, and the first dense "
         "layer after flatten has C*H*W inputs.")
OPTIONS = ("Per layer: conv (C, H, W) -> (F, (H + 2p - KH)//s + 1, (W + 2p - KW)//s + 1); pool the same with C kept "
           "and s = kernel_size (KH, KW) when stride is None. Options left out take their defaults: "
           "opts = spec[1] if len(spec) > 1 else {}; opts.get(name, default); a spec may be ('relu',) or "
           "('relu', {}).")
MODEL_SLIDES = ("The MNIST CNN: 1x28x28 -> conv 32x26x26 -> conv 64x24x24 -> maxpool 64x12x12 -> flatten 9216 -> "
                "dense 128 -> dense 10, so the first dense layer has 9216 * 128 + 128 parameters; pooling and flatten "
                "have none.")
MODEL_INVALID = ("Raise ValueError for every invalid spec in the stub's list before computing: unknown layer or "
                 "option, missing option, a size that is not a positive int (stride 0, padding -1, 1.5 ...), "
                 "conv/pool after flatten, dense before flatten, a kernel larger than the padded map, pool padding "
                 "over kernel_size // 2, groups not dividing, a bad input_shape.")
UNCHANGED = ("Do not modify layers: read options with opts.get(name, default) instead of popping them, and build "
             "your own dict ({**defaults, **opts}) instead of opts.update(...) or opts.setdefault(...).")

EXERCISE = Exercise(
    3, "param_count", "Counting parameters",
    functions=("conv_params", "dense_params", "count_params"),
    topic="weights + biases of conv and dense layers, and of a whole model (MNIST CNN, LeNet-5)",
    checks=(
        Check("conv_slide_examples", "conv_params: slide examples (28 for a 3x3 filter on RGB, 10 5x5x3 filters = "
              "760, a 1x1 conv = 2,080, ...)", 1, hint=CONV_SLIDES, function="conv_params"),
        Check("conv_matches_torch", "conv_params matches torch Conv2d (bias, groups, (KH, KW))", 2, hint=CONV,
              function="conv_params"),
        Check("conv_invalid", "conv_params: ValueError for groups that do not divide or a size that is not a "
              "positive int", 1, hint=CONV_INVALID, function="conv_params", hygiene=True),
        Check("dense_matches_torch", "dense_params matches torch Linear (slide examples first)", 1, hint=DENSE,
              function="dense_params"),
        Check("dense_invalid", "dense_params: ValueError for a size that is not a positive int", 1,
              hint=DENSE_INVALID, function="dense_params", hygiene=True),
        Check("model_slide_examples", "count_params: slide examples (MNIST CNN 1,199,882; LeNet-5 61,706; AlexNet "
              "62,378,344)", 2, hint=MODEL_SLIDES, function="count_params"),
        Check("model_matches_torch", "count_params matches the torch model on random architectures", 2, hint=MODEL,
              function="count_params"),
        Check("model_options", "count_params with stride, padding, groups, bias=False, (KH, KW), pool options", 2,
              hint=OPTIONS, function="count_params"),
        Check("invalid_specs", "count_params: invalid specs raise ValueError", 1, hint=MODEL_INVALID,
              function="count_params", hygiene=True),
        Check("specs_unchanged", "count_params does not modify the layer specs", 1, hint=UNCHANGED,
              function="count_params", hygiene=True),
    ),
    hints=(
        "A conv layer has out_channels * (in_channels / groups) * KH * KW weights plus out_channels biases.",
        "A dense layer has in_features * out_features weights plus out_features biases.",
        MODEL,
        "Per layer: conv (C, H, W) -> (F, (H + 2p - KH)//s + 1, (W + 2p - KW)//s + 1); pool the same with C kept "
        "and s = kernel_size when stride is None. Read options without changing the spec: "
        "opts = spec[1] if len(spec) > 1 else {}; opts.get(name, default).",
    ),
)
