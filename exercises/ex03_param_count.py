"""Exercise 3: counting parameters.

A layer's parameters are the numbers that training learns: its weights and its biases. Count them the way
PyTorch does, sum(p.numel() for p in model.parameters()).

Conv layer, nn.Conv2d(C, F, (KH, KW), groups=g, bias=True) on an input with C channels:
    weights: F filters, each of shape (C / g, KH, KW)     ->  F * (C / g) * KH * KW
    biases:  one per filter                               ->  F   (0 with bias=False)
    A filter always spans all the input channels (of its group): it is a (C/g) x KH x KW block, not KH x KW.
    With groups=g the C channels are split into g groups and each filter sees one group, so C and F must both be
    divisible by g. The number of parameters does not depend on stride, padding or the image size (weight sharing).
Dense (fully connected) layer, nn.Linear(in_features, out_features):
    in_features * out_features weights + out_features biases.
Pooling, ReLU/tanh/sigmoid and flatten have no parameters, but pooling and conv change the shape, and the first
dense layer after flatten has C*H*W inputs of the shape that arrives there, so track (C, H, W) through the model:
    conv:  (C, H, W) -> (F, (H + 2p - KH) // s + 1, (W + 2p - KW) // s + 1)
    pool:  (C, H, W) -> (C, (H + 2p - K) // s + 1, (W + 2p - K) // s + 1)      (stride None means s = K)
    flatten: (C, H, W) -> (C*H*W,)          dense: (n,) -> (out_features,)

Worked example from the slides, the MNIST CNN (input 1 x 28 x 28, stride 1, no padding):

    layer                    output shape    parameters
    conv 32 filters 3x3      32 x 26 x 26    (3*3*1 + 1) * 32   =       320
    conv 64 filters 3x3      64 x 24 x 24    (3*3*32 + 1) * 64  =    18,496
    maxpool 2x2, stride 2    64 x 12 x 12                                 0
    flatten                  9216                                         0
    dense 128                128             (9216 + 1) * 128   = 1,179,776
    dense 10                 10              (128 + 1) * 10     =     1,290
    total                                                          1,199,882

    (One slide writes 18,494 for the second conv: a typo; (3*3*32 + 1) * 64 = 18,496, and the slide's own total
    1,199,882 uses 18,496.)

More examples from the slides (all checked against PyTorch by the grader):
  * one 3x3 filter on a 3-channel (RGB) input: 3*3*3 + 1 = 28 parameters; 16 such filters: 28 * 16 = 448.
    (A slide prints "(3*3*3) + 1 = 10" and "((3*3*3) + 1) * 16 = 160": wrong, 10 and 160 are the counts for a
    1-channel input, conv_params(1, 16, 3) == 160.)
  * 10 5x5 filters on a 32x32x3 input: each 5*5*3 + 1 = 76, so 760 ("760 (+1 for bias)" on the slide: the bias is
    already inside the 76). 4 of them: (5*5*3) * 4 = 300 weights + 4 biases = 304.
  * 2 filters of 3x3x3 on a 5x5x3 image (output 3x3x2): 2 * (27 + 1) = 56.
  * Keras Convolution2D(25, 3, 3) on 1x28x28: 3*3*1 + 1 = 10 per filter, 250 in all; output 25 x 26 x 26.
  * a 1x1 conv with 32 filters on 64 channels: 64 * 32 + 32 = 2,080 (each filter is a 64-dim dot product).
  * one 5x5 filter has 25 weights; two stacked 3x3 filters have 9 + 9 = 18 (one channel, no bias).
  * a dense layer instead of Conv_1: 784 inputs to 32 * 26 * 26 = 21,632 units has 784 * 21,632 = 16,959,488
    weights (dense_params(784, 21632, bias=False)), against 320 for Conv_1.
  * LeNet-5 as PyTorch builds it (1x32x32; conv 6 5x5, pool 2, conv 16 5x5, pool 2, flatten, dense 120, dense 84,
    dense 10): 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706. Its C5 "convolution" (120 5x5 filters on the 16x5x5
    map, output 120x1x1) has exactly the parameters of flatten + dense 120: 16*5*5*120 + 120 = 48,120.
    (The 1998 paper differs: its S2/S4 subsampling layers had a trainable coefficient and bias per map, the slide's
    "2*6 = 12", and its C3 connected each map to only some of the 6 inputs. PyTorch's pooling layers have no
    parameters and nn.Conv2d connects every channel.)
  * AlexNet (3x227x227; conv 96 11x11 stride 4, maxpool 3 stride 2, conv 256 5x5 pad 2, maxpool 3 stride 2, conv 384
    3x3 pad 1, conv 384 3x3 pad 1, conv 256 3x3 pad 1, maxpool 3 stride 2, flatten, dense 4096, dense 4096, dense
    1000): 62,378,344. The slides' table leaves out the last max pool; without it the first dense layer would see
    13*13*256 inputs instead of 6*6*256 and the total would be 201,838,952.
  * a plain 7-layer network on a 100x100 image, 6 hidden layers of 5,000 units and 50 outputs, weights only:
    10,000*5,000 + 5*(5,000*5,000) + 5,000*50 = 175,250,000. (The slide writes 7*(5000*5000): there are only 5
    hidden-to-hidden weight matrices; and its total 227,550,000 is not even what its own formula gives.)

The model spec of count_params(layers, input_shape)
---------------------------------------------------
``input_shape`` is (C, H, W), channels first as in PyTorch: (1, 28, 28) for MNIST, (3, 32, 32) for CIFAR-10.
``layers`` is a list of layer specs, applied in order. A spec is a tuple: the layer's name, then (optionally) a
dict of options; an option you leave out takes the default shown:

    ("conv",    {"out_channels": 32, "kernel_size": 3, "stride": 1, "padding": 0, "bias": True, "groups": 1})
    ("maxpool", {"kernel_size": 2, "stride": None, "padding": 0})      # stride None means stride = kernel_size
    ("avgpool", {"kernel_size": 2, "stride": None, "padding": 0})
    ("relu",)   ("tanh",)   ("sigmoid",)                               # no options
    ("flatten",)                                                       # (C, H, W) -> (C*H*W,)
    ("dense",   {"out_features": 128, "bias": True})

Required options: "out_channels" and "kernel_size" for conv, "kernel_size" for the pools, "out_features" for dense.
"kernel_size" is an int or a (KH, KW) pair; "stride" and "padding" are ints, the same along H and W. The PyTorch
model with the same parameters is nn.Sequential(nn.Conv2d(C, 32, 3, stride=1, padding=0, bias=True, groups=1), ...,
nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(n, 128), ...), where in_channels and in_features come from the
shape that reaches the layer. The MNIST CNN above is

    MNIST_CNN = [("conv", {"out_channels": 32, "kernel_size": 3}), ("relu",),
                 ("conv", {"out_channels": 64, "kernel_size": 3}), ("relu",),
                 ("maxpool", {"kernel_size": 2}),
                 ("flatten",),
                 ("dense", {"out_features": 128}), ("relu",),
                 ("dense", {"out_features": 10})]
    count_params(MNIST_CNN, (1, 28, 28)) == 1199882

A spec is invalid, and count_params raises ValueError, when: it is not (name,) or (name, options dict); a layer name
is unknown; an option is unknown or a required one is missing; a size (out_channels, kernel_size, stride,
out_features) is not a positive int (padding: int >= 0); conv or pooling meets a flat shape
(after flatten); dense meets a (C, H, W) shape (put ("flatten",) first: nn.Linear would silently work on the last
axis only, which is not a dense layer); a kernel or pooling window is larger than the padded feature map; a pool's
padding is more than kernel_size // 2 (PyTorch's rule); groups does not divide both the input channels and
out_channels; input_shape is not three positive ints.

Sizes are whole numbers everywhere (conv_params and dense_params too): a float (even 3.0, let alone 3.7) or a bool
(True is not a size) raises ValueError, and so does 0 -- never a ZeroDivisionError or a count. The helper ``_whole``
below does that part for you.

Run `grade exercise 3` to check your work, `grade hint 3` if you are stuck.
"""
import numpy as np


def _whole(name, value, minimum):
    """Return ``value`` as an int if it is a whole number >= minimum, else raise ValueError. (Provided; use it.)"""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def conv_params(in_channels, out_channels, kernel_size, bias=True, groups=1):
    """Trainable parameters of nn.Conv2d(in_channels, out_channels, kernel_size, bias=bias, groups=groups).

    Args:
        in_channels: C, channels of the input (int >= 1).
        out_channels: F, number of filters (int >= 1).
        kernel_size: K (an int, for K x K) or a (KH, KW) pair of ints >= 1.
        bias: whether each filter has a bias (bool).
        groups: g (int >= 1) dividing both in_channels and out_channels.

    Returns:
        int: out_channels * (in_channels // groups) * KH * KW, plus out_channels when bias.

    Raises:
        ValueError: when groups does not divide in_channels and out_channels, when a size (in_channels,
            out_channels, groups, KH or KW) is not a positive int, or when kernel_size is neither an int nor a pair.
    """
    # TODO: weights of one filter, times the number of filters, plus the biases.
    raise NotImplementedError


def dense_params(in_features, out_features, bias=True):
    """Trainable parameters of nn.Linear(in_features, out_features, bias=bias).

    Args:
        in_features: inputs of the layer (int >= 1).
        out_features: outputs (units) of the layer (int >= 1).
        bias: whether each output has a bias (bool).

    Returns:
        int: in_features * out_features, plus out_features when bias.

    Raises:
        ValueError: when in_features or out_features is not a positive int (dense_params(10, 0) raises).
    """
    # TODO: one weight per (input, output) pair, one bias per output.
    raise NotImplementedError


def count_params(layers, input_shape):
    """Trainable parameters of a sequential model (see "The model spec" in the module docstring).

    Args:
        layers: list of layer specs, e.g. [("conv", {"out_channels": 32, "kernel_size": 3}), ("relu",),
            ("maxpool", {"kernel_size": 2}), ("flatten",), ("dense", {"out_features": 10})].
        input_shape: (C, H, W) of one input image.

    Returns:
        int: the sum of conv_params / dense_params over the layers, with each layer's in_channels / in_features
        taken from the shape that reaches it (track (C, H, W) -> ... -> (n,) through the model).

    Raises:
        ValueError: for an invalid spec (unknown layer or option, dense before flatten, kernel or window larger
            than the feature map, groups not dividing the channels, ...; the full list is in the module docstring).

    Do not modify ``layers`` (e.g. do not pop options out of its dicts: read them with .get(name, default)).
    """
    # TODO: shape = input_shape; for each spec: check it, add its parameters, compute the shape it outputs.
    raise NotImplementedError
