"""Exercise 3: the entry (data only). Checks in checks.py, named mistakes in mistakes.py."""
from grader.course.entry import Check, Exercise

EXERCISE = Exercise(
    3, "param_count", "Counting parameters",
    functions=("conv_params", "dense_params", "count_params"),
    topic="weights + biases of conv and dense layers, and of a whole model (MNIST CNN, LeNet-5)",
    checks=(
        Check("slide_examples", "slide examples (MNIST CNN 1,199,882; LeNet-5 61,706; 10 5x5x3 filters = 760)", 3),
        Check("conv_matches_torch", "conv_params matches torch Conv2d (bias, groups, (KH, KW))", 2),
        Check("dense_matches_torch", "dense_params matches torch Linear", 1),
        Check("model_matches_torch", "count_params matches the torch model on random architectures", 3),
        Check("model_options", "count_params with stride, padding, groups, bias=False, (KH, KW), pool options", 2),
        Check("invalid_specs", "invalid specs raise ValueError", 2),
        Check("specs_unchanged", "count_params does not modify the layer specs", 1),
    ),
    hints=(
        "A conv layer has out_channels * (in_channels / groups) * KH * KW weights plus out_channels biases.",
        "A dense layer has in_features * out_features weights plus out_features biases.",
        "Pooling, activations and flatten have no parameters, but they change the shape the next layer sees: "
        "track (C, H, W) through the model; a conv's in_channels is the C that reaches it, and the first dense "
        "layer after flatten has C*H*W inputs.",
        "Per layer: conv (C, H, W) -> (F, (H + 2p - KH)//s + 1, (W + 2p - KW)//s + 1); pool the same with C kept "
        "and s = kernel_size when stride is None. Read options without changing the spec: "
        "opts = spec[1] if len(spec) > 1 else {}; opts.get(name, default).",
    ),
)
