"""The exercise table: the one place that says what every exercise is, what it grades, and how it helps.

Everything else (the CLI, the grading loop, batch grading, the student kit, the self-tests) reads ``EXERCISES``.
A check's ``run`` names a function in ``grader/checks/exNN.py`` that takes a :class:`grader.properties.Student` and
raises :class:`grader.properties.CheckFailed` when the property does not hold.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from grader.sandbox import Limits


@dataclass(frozen=True)
class Check:
    name: str     # shown to the student: "matches torch on random shapes"
    points: int
    run: str      # function name in grader/checks/exNN.py


@dataclass(frozen=True)
class Exercise:
    number: int
    slug: str                      # file is exercises/exNN_<slug>.py
    title: str
    functions: tuple[str, ...]     # what the student implements (names and signatures are fixed)
    checks: tuple[Check, ...]
    hints: tuple[str, ...]
    topic: str                     # one line for `grade list`
    time_budget: float = 30.0      # seconds for the whole exercise (all checks)
    limits: Limits = field(default_factory=Limits)

    @property
    def file(self) -> str:
        return f"ex{self.number:02d}_{self.slug}.py"

    @property
    def points(self) -> int:
        return sum(c.points for c in self.checks)

    def check_function(self, check: Check):
        module = importlib.import_module(f"grader.checks.ex{self.number:02d}")
        return getattr(module, check.run)


EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        1, "conv2d", "Convolution by hand",
        functions=("conv2d",),
        topic="2-D cross-correlation of one image with one kernel, stride and padding",
        checks=(
            Check("pinned slide examples (5x5 image, edge detector, stride 2, padding 1)", 3, "slide_examples"),
            Check("matches torch on random shapes", 3, "random_shapes"),
            Check("stride", 2, "stride"),
            Check("padding", 2, "padding"),
            Check("ValueError when the kernel does not fit", 1, "kernel_too_big"),
            Check("does not modify its inputs", 1, "inputs_unchanged"),
        ),
        hints=(
            "Output size: H_out = (H + 2*padding - KH) // stride + 1, and the same for W.",
            "Pad first (np.pad with zeros on all four sides), then slide: out[i, j] = sum(window * kernel) where "
            "window = padded[i*stride : i*stride + KH, j*stride : j*stride + KW].",
            "Deep-learning 'convolution' is cross-correlation: do not flip the kernel.",
        ),
    ),
    Exercise(
        2, "output_size", "Output-size formulas",
        functions=("conv_output_size", "same_padding", "keras_output_size", "pool_output_size",
                   "conv_transpose_output_size"),
        topic="(n + 2p - d(f-1) - 1) // s + 1 and friends: conv, 'same', Keras, pooling, transposed conv",
        checks=(
            Check("slide examples (7x7 with stride 3 does not fit, 32x32 with 5x5, ...)", 2, "slide_examples"),
            Check("conv_output_size matches torch Conv2d", 3, "conv_matches_torch"),
            Check("same_padding keeps the size", 1, "same_padding_keeps_size"),
            Check("keras_output_size: 'valid' and 'same'", 2, "keras_sizes"),
            Check("pool_output_size matches torch MaxPool2d (ceil_mode too)", 2, "pool_matches_torch"),
            Check("conv_transpose_output_size matches torch ConvTranspose2d", 2, "transpose_matches_torch"),
            Check("invalid arguments raise ValueError", 1, "invalid_arguments"),
        ),
        hints=(
            "conv: (n + 2*padding - dilation*(f - 1) - 1) // stride + 1 -- floor division, and do not forget the +1.",
            "Keras 'same' is ceil(n / stride); 'valid' is ceil((n - f + 1) / stride).",
            "Pooling's stride defaults to the window size; with ceil_mode the last window must start inside the "
            "input or its left padding.",
            "Transposed conv: (n - 1)*stride - 2*padding + dilation*(f - 1) + output_padding + 1.",
        ),
    ),
    Exercise(
        3, "param_count", "Counting parameters",
        functions=("conv_params", "dense_params", "count_params"),
        topic="weights + biases of conv and dense layers, and of a whole model (MNIST CNN, LeNet-5)",
        checks=(
            Check("slide examples (MNIST CNN 1,199,882; LeNet-5 61,706; 10 5x5x3 filters = 760)", 3,
                  "slide_examples"),
            Check("conv_params matches torch Conv2d (bias, groups)", 2, "conv_matches_torch"),
            Check("dense_params matches torch Linear", 1, "dense_matches_torch"),
            Check("count_params matches the torch model on random architectures", 4, "model_matches_torch"),
            Check("invalid specs raise ValueError", 1, "invalid_specs"),
        ),
        hints=(
            "A conv layer has out_channels * (in_channels / groups) * KH * KW weights plus out_channels biases.",
            "A dense layer has in_features * out_features weights plus out_features biases.",
            "Pooling, activations and flatten have no parameters, but they change the shape the next layer sees: "
            "track (C, H, W) through the model.",
        ),
    ),
    Exercise(
        4, "conv_forward", "Convolution layer, forward pass",
        functions=("conv_forward",),
        topic="batched multi-channel conv with bias: (N, C, H, W) * (F, C, KH, KW) -> (N, F, H_out, W_out)",
        checks=(
            Check("slide example (5x5x1 input, one filter with bias)", 2, "slide_examples"),
            Check("matches F.conv2d on random shapes", 4, "random_shapes"),
            Check("bias is added once per filter (and None means no bias)", 2, "bias"),
            Check("stride and padding", 2, "stride_padding"),
            Check("does not modify its inputs", 1, "inputs_unchanged"),
        ),
        hints=(
            "out[n, f, i, j] = sum over c, p, q of x_pad[n, c, i*stride + p, j*stride + q] * w[f, c, p, q] + b[f].",
            "Pad only the two spatial axes: np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding))).",
            "Every input channel contributes to every filter: sum over C as well as over the kernel window.",
        ),
    ),
    Exercise(
        5, "relu_pool", "ReLU and pooling",
        functions=("relu", "max_pool", "avg_pool"),
        topic="ReLU, max pooling and average pooling on (N, C, H, W), overlapping windows included",
        checks=(
            Check("slide examples (2x2 max and average pooling)", 2, "slide_examples"),
            Check("relu matches torch", 1, "relu_matches_torch"),
            Check("max_pool matches torch (stride None, overlapping windows)", 3, "max_pool_matches_torch"),
            Check("avg_pool matches torch (stride None, overlapping windows)", 3, "avg_pool_matches_torch"),
            Check("does not modify its inputs", 1, "inputs_unchanged"),
        ),
        hints=(
            "relu(x) = max(x, 0), elementwise; return a new array.",
            "stride=None means stride = size. Output size: (H - size) // stride + 1; windows that do not fit are "
            "dropped.",
            "Take the max (or mean) over the window axes only, per sample and per channel.",
        ),
    ),
    Exercise(
        6, "softmax_ce", "Softmax and cross-entropy",
        functions=("softmax", "cross_entropy", "cross_entropy_backward", "binary_cross_entropy", "mse"),
        topic="softmax, cross-entropy (natural log), its gradient, BCE and MSE; stable for logits of 1e4",
        checks=(),
        hints=(),
    ),
    Exercise(
        7, "conv_backward", "Convolution layer, backward pass",
        functions=("conv_backward",),
        topic="dx, dw, db of the conv layer, checked against torch autograd",
        checks=(),
        hints=(),
    ),
    Exercise(
        8, "pool_backward", "ReLU and pooling, backward pass",
        functions=("relu_backward", "max_pool_backward", "avg_pool_backward"),
        topic="gradients through ReLU, max pooling and average pooling (overlaps accumulate)",
        checks=(),
        hints=(),
    ),
    Exercise(
        9, "sgd", "Gradient descent",
        functions=("sgd_step", "sgd_momentum_step", "numerical_gradient"),
        topic="SGD, SGD with momentum exactly as torch.optim.SGD, and a numerical gradient check",
        checks=(),
        hints=(),
    ),
    Exercise(
        10, "train", "Train a CNN",
        functions=("build_model", "train"),
        topic="the slides' MNIST CNN and its training loop, graded on held-out accuracy (GPU when there is one)",
        checks=(),
        hints=(),
        time_budget=180.0,
        limits=Limits(call_seconds=150.0, load_seconds=60.0, memory_mb=None, cpu_seconds=None),
    ),
)

BY_NUMBER = {ex.number: ex for ex in EXERCISES}


def get(number: int) -> Exercise:
    """The exercise with this number; KeyError if there is none."""
    return BY_NUMBER[number]
