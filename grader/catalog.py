"""The exercise table: the one place that says what every exercise is, what it grades, and how it helps.

Everything else (the CLI, the grading loop, batch grading, the student kit, the self-tests) reads ``EXERCISES``.
A check's ``run`` names a function in ``grader/checks/exNN.py`` that takes a :class:`grader.properties.Student` and
raises :class:`grader.properties.CheckFailed` when the property does not hold.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from grader.sandbox import Limits


# Exercises 1-9 are done by hand in numpy: a file that imports a library which already implements them fails to
# load with a message saying so (the grader computes its own ground truth with torch, in its own process).
NUMPY_ONLY = ("torch", "scipy", "tensorflow", "keras", "jax", "sklearn", "skimage", "cv2")


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
    refuse_imports: tuple[str, ...] = NUMPY_ONLY   # what the student's file may not import

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
            Check("slide examples (7x7 with stride 3, 32x32 with 5x5, (F-1)/2, Keras 'same', AlexNet, ...)", 2,
                  "slide_examples"),
            Check("conv_output_size matches torch Conv2d (padding, stride)", 3, "conv_matches_torch"),
            Check("conv_output_size with dilation", 1, "conv_dilation"),
            Check("same_padding keeps the size (ValueError for an even kernel)", 1, "same_padding_keeps_size"),
            Check("keras_output_size: 'valid' and 'same'", 2, "keras_sizes"),
            Check("pool_output_size matches torch MaxPool2d", 1, "pool_matches_torch"),
            Check("pool_output_size with ceil_mode", 1, "pool_ceil_mode"),
            Check("conv_transpose_output_size matches torch ConvTranspose2d", 2, "transpose_matches_torch"),
            Check("invalid arguments raise ValueError", 2, "invalid_arguments"),
        ),
        hints=(
            "conv: (n + 2*padding - dilation*(f - 1) - 1) // stride + 1 -- floor division, and do not forget the +1.",
            "A dilated kernel covers dilation*(f - 1) + 1 pixels; 'same' padding at stride 1 is half of "
            "dilation*(f - 1), and does not exist when that is odd.",
            "Keras 'same' is ceil(n / stride); 'valid' is ceil((n - f + 1) / stride). Return ints: -(-a // b) is "
            "ceil(a / b) without floats.",
            "Pooling's stride defaults to the window size; with ceil_mode round up, then drop the last window if it "
            "would start at or after n + padding.",
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
            Check("conv_params matches torch Conv2d (bias, groups, (KH, KW))", 2, "conv_matches_torch"),
            Check("dense_params matches torch Linear", 1, "dense_matches_torch"),
            Check("count_params matches the torch model on random architectures", 3, "model_matches_torch"),
            Check("count_params with stride, padding, groups, bias=False, (KH, KW), pool options", 2,
                  "model_options"),
            Check("invalid specs raise ValueError", 2, "invalid_specs"),
            Check("count_params does not modify the layer specs", 1, "specs_unchanged"),
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
    ),
    Exercise(
        4, "conv_forward", "Convolution layer, forward pass",
        functions=("conv_forward",),
        topic="batched multi-channel conv with bias: (N, C, H, W) * (F, C, KH, KW) -> (N, F, H_out, W_out)",
        checks=(
            Check("slide examples (5x5x1 with bias 2, RGB with bias 1 and padding 1, 5x5x3 with 2 filters)", 2,
                  "slide_examples"),
            Check("matches F.conv2d on random shapes", 4, "random_shapes"),
            Check("bias is added once per filter (and None means no bias)", 2, "bias"),
            Check("stride and padding", 2, "stride_padding"),
            Check("ValueError when the channels disagree or the kernel does not fit", 1, "invalid_shapes"),
            Check("does not modify its inputs", 1, "inputs_unchanged"),
        ),
        hints=(
            "out[n, f, i, j] = b[f] + sum over c, p, q of x_pad[n, c, i*stride + p, j*stride + q] * w[f, c, p, q], "
            "with H_out = (H + 2*padding - KH) // stride + 1 (the same for W).",
            "Every input channel contributes to every filter: sum over C as well as over the KH x KW window "
            "(accumulate with +=, do not overwrite), then add b[f] once -- not once per channel, and not at all "
            "when b is None.",
            "Pad only the two spatial axes, equally on both sides: np.pad(x, ((0, 0), (0, 0), (padding, padding), "
            "(padding, padding))); np.pad(x, padding) would pad N and C too.",
            "Window (i, j) starts at row i*stride and column j*stride; do not flip the kernel.",
        ),
    ),
    Exercise(
        5, "relu_pool", "ReLU and pooling",
        functions=("relu", "max_pool", "avg_pool"),
        topic="ReLU, max pooling and average pooling on (N, C, H, W), overlapping windows included",
        checks=(
            Check("slide examples (2x2 max and average pooling, overlapping windows, ReLU of a feature map)", 2,
                  "slide_examples"),
            Check("relu matches torch", 1, "relu_matches_torch"),
            Check("max_pool matches torch (stride None, overlapping windows)", 3, "max_pool_matches_torch"),
            Check("avg_pool matches torch (stride None, overlapping windows)", 3, "avg_pool_matches_torch"),
            Check("ValueError when the window is larger than the input", 1, "window_too_big"),
            Check("does not modify its inputs", 1, "inputs_unchanged"),
        ),
        hints=(
            "relu(x) = max(x, 0) elementwise: np.maximum(x, 0) (np.max(x, 0) is a reduction over axis 0), as a new "
            "array.",
            "stride=None means stride = size. Output size: H_out = (H - size) // stride + 1; windows that do not fit "
            "are dropped, never cut short.",
            "Window (i, j) is x[:, :, i*stride : i*stride + size, j*stride : j*stride + size]; take its max (or its "
            "mean = sum / (size*size)) over the last two axes only, per sample and per channel.",
        ),
    ),
    Exercise(
        6, "softmax_ce", "Softmax and cross-entropy",
        functions=("softmax", "cross_entropy", "cross_entropy_backward", "binary_cross_entropy", "mse"),
        topic="softmax, cross-entropy (natural log), its gradient, BCE and MSE; stable for logits of 1e4",
        checks=(
            Check("slide examples (softmax of [2, 1, 0.1]; -ln 0.6 = 0.511, not the slide's log10 0.222; MSE)", 2,
                  "slide_examples"),
            Check("softmax matches F.softmax (rows sum to 1)", 2, "softmax_matches_torch"),
            Check("cross_entropy matches F.cross_entropy (natural log, mean over N)", 2,
                  "cross_entropy_matches_torch"),
            Check("cross_entropy_backward matches autograd: (softmax - onehot) / N", 2, "backward_matches_autograd"),
            Check("binary_cross_entropy matches F.binary_cross_entropy", 1, "bce_matches_torch"),
            Check("mse matches F.mse_loss (mean over all elements)", 1, "mse_matches_torch"),
            Check("finite and correct for logits up to 1e4 in magnitude", 2, "large_logits"),
            Check("does not modify its inputs", 1, "inputs_unchanged"),
        ),
        hints=(
            "softmax(z) = exp(z - m) / sum(exp(z - m), axis=1, keepdims=True) with m = z.max(axis=1, keepdims=True): "
            "subtracting the row max changes nothing but keeps exp() from overflowing.",
            "cross_entropy = -mean over n of log_softmax(z)[n, y[n]] with the NATURAL log (np.log; the slide's 0.222 "
            "is log10), where log_softmax(z) = (z - m) - log(sum(exp(z - m))). Do not take np.log(softmax(z)): it is "
            "-inf when a probability underflows to 0.",
            "The gradient is (softmax(z) - onehot(y)) / N; the / N is there because the loss is a mean over the batch.",
            "binary_cross_entropy = -mean(t*log(p) + (1-t)*log(1-p)); mse = mean((pred - target)**2). Both average "
            "over ALL elements, like torch's reduction='mean'.",
        ),
    ),
    Exercise(
        7, "conv_backward", "Convolution layer, backward pass",
        functions=("conv_backward",),
        topic="dx, dw, db of the conv layer, checked against torch autograd",
        checks=(
            Check("slide example (3x3 input, 2x2 filter)", 2, "slide_examples"),
            Check("matches autograd on random shapes (stride 1, padding 0)", 3, "random_shapes"),
            Check("padding 1 and 2", 2, "padding"),
            Check("stride 2 and 3, also where it does not divide evenly", 2, "stride"),
            Check("1x1 kernels and single-pixel outputs", 1, "edge_cases"),
            Check("does not modify its inputs", 1, "inputs_unchanged"),
        ),
        hints=(
            "For every output position (n, i, j) and its input window x_pad[n, :, i*s:i*s+KH, j*s:j*s+KW]: "
            "dw[f] += dout[n, f, i, j] * window, and dx_pad[n, :, window] += sum over f of dout[n, f, i, j] * w[f]. "
            "Always +=: windows overlap and the weights are shared by all samples.",
            "db = dout.sum(axis=(0, 2, 3)): one number per filter, summed over the batch and all positions. Do not "
            "divide by N.",
            "Cut the padding off with dx_pad[:, :, p:p+H, p:p+W]; dx_pad[:, :, p:-p, p:-p] is empty when p = 0.",
            "With a stride that does not divide evenly, the last rows/columns are never read: their dx stays 0. Take "
            "H_out and W_out from dout.shape.",
        ),
    ),
    Exercise(
        8, "pool_backward", "ReLU and pooling, backward pass",
        functions=("relu_backward", "max_pool_backward", "avg_pool_backward"),
        topic="gradients through ReLU, max pooling and average pooling (overlaps accumulate)",
        checks=(
            Check("slide examples (ReLU of the feature map, 2x2 max and average pooling)", 2, "slide_examples"),
            Check("relu_backward matches torch (gradient 0 at x == 0)", 2, "relu_matches_torch"),
            Check("max_pool_backward matches torch on random shapes (distinct values)", 3, "max_pool_random_shapes"),
            Check("max_pool_backward: overlapping windows add up", 2, "max_pool_overlap"),
            Check("max_pool_backward: a tie goes to the first maximum, as in torch", 1, "max_pool_ties"),
            Check("avg_pool_backward matches torch on random shapes", 2, "avg_pool_random_shapes"),
            Check("avg_pool_backward: overlapping windows add up", 2, "avg_pool_overlap"),
            Check("does not modify its inputs", 1, "inputs_unchanged"),
        ),
        hints=(
            "ReLU: dx = dout * (x > 0), with the mask taken from the forward input x (0 at x == 0, as in torch). "
            "Pooling: dx has x's shape; start from zeros and visit window (i, j) = "
            "x[:, :, i*stride : i*stride + size, j*stride : j*stride + size], with stride = size when it is None.",
            "Max pooling sends dout[n, c, i, j] whole to the window's maximum only -- with ties, to the first one in "
            "row-major order (np.argmax of the flattened window) -- never to every tied maximum.",
            "Average pooling sends dout[n, c, i, j] / (size * size) to every position of the window.",
            "Windows overlap when stride < size: add (+=) each window's share, never assign (=), or later windows "
            "overwrite earlier ones.",
        ),
    ),
    Exercise(
        9, "sgd", "Gradient descent",
        functions=("sgd_step", "sgd_momentum_step", "numerical_gradient"),
        topic="SGD, SGD with momentum exactly as torch.optim.SGD, and a numerical gradient check",
        checks=(
            Check("worked examples (W5 = 0.6 - 0.1 * 0.25, three momentum steps, two numerical gradients)", 2,
                  "worked_examples"),
            Check("sgd_step matches torch.optim.SGD", 2, "sgd_matches_torch"),
            Check("sgd_momentum_step matches torch.optim.SGD(momentum) step after step", 4, "momentum_matches_torch"),
            Check("numerical_gradient matches autograd (sin, log-sum-exp, cross-entropy)", 2,
                  "gradient_matches_autograd"),
            Check("numerical_gradient is a central difference (exact on quadratics, even with a large h)", 2,
                  "gradient_exact_on_quadratics"),
            Check("numerical_gradient uses the step h it is given", 1, "gradient_uses_h"),
            Check("numerical_gradient leaves x as it was", 1, "gradient_restores_x"),
            Check("sgd_step and sgd_momentum_step do not modify their inputs", 1, "inputs_unchanged"),
        ),
        hints=(
            "SGD: w_new = w - lr * grad (minus: descend). Momentum, as torch.optim.SGD: first "
            "velocity = momentum * velocity + grad, then w = w - lr * velocity with the NEW velocity; return both.",
            "The velocity holds no learning rate in torch's convention (not v = momentum * v + lr * grad, not "
            "v = momentum * v - lr * grad, not (1 - momentum) * grad).",
            "numerical_gradient: for each index i in np.ndindex(x.shape): old = x[i]; f(x) at x[i] = old + h and at "
            "x[i] = old - h; x[i] = old; grad[i] = (f_plus - f_minus) / (2 * h). Divide by 2h, not h.",
            "Return new arrays; never change w, grad or velocity in place (w -= ... changes the caller's array).",
        ),
    ),
    Exercise(
        10, "train", "Train a CNN",
        functions=("build_model", "train"),
        topic="the slides' MNIST CNN and its training loop, graded on held-out accuracy (GPU when there is one)",
        checks=(
            Check("build_model(): the model builds and outputs (N, num_classes) scores", 2, "model_output_shape"),
            Check("train(): the training loss goes down", 2, "loss_goes_down"),
            Check("held-out accuracy at or above the bar (digits 95 %, MNIST 97 %)", 4, "accuracy"),
            Check("the model's parameters end up on the device train() was given", 1, "on_device"),
            Check("training finishes inside the time budget", 1, "inside_budget"),
        ),
        hints=(
            "Every batch: optimizer.zero_grad(); loss = loss_fn(model(images), labels); loss.backward(); "
            "optimizer.step() -- without zero_grad the gradients of all earlier batches pile up.",
            "Move the model once (model.to(device), before creating the optimizer) and every batch "
            "(images.to(device), labels.to(device)); call model.train() at the start of each epoch.",
            "Size the first Linear layer from input_shape: two 3x3 convs without padding take 2 pixels off each "
            "side length, 2x2 max pooling halves it (8 -> 6 -> 4 -> 2; 28 -> 26 -> 24 -> 12, i.e. 64*12*12 = 9216).",
            "Use nn.CrossEntropyLoss on the raw scores (no softmax layer before it) and Adam with lr=1e-3; return "
            "one float per epoch: the mean of loss.item() over that epoch's batches.",
        ),
        time_budget=600.0,
        limits=Limits(call_seconds=150.0, load_seconds=60.0, memory_mb=None, cpu_seconds=None),
        refuse_imports=(),
    ),
)

BY_NUMBER = {ex.number: ex for ex in EXERCISES}


def get(number: int) -> Exercise:
    """The exercise with this number; KeyError if there is none."""
    return BY_NUMBER[number]
