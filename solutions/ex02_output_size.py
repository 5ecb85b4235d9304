"""Reference solution for exercise 2: output sizes of conv, 'same' padding, Keras, pooling and transposed conv."""
import numpy as np


def _whole(name, value, minimum):
    """Return ``value`` as an int if it is a whole number >= minimum, else raise ValueError. (Provided; use it.)"""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def conv_output_size(n, f, padding=0, stride=1, dilation=1):
    """(n + 2*padding - dilation*(f - 1) - 1) // stride + 1, PyTorch's Conv2d rule."""
    n, f = _whole("n", n, 1), _whole("f", f, 1)
    padding, stride = _whole("padding", padding, 0), _whole("stride", stride, 1)
    dilation = _whole("dilation", dilation, 1)
    span = dilation * (f - 1) + 1
    if span > n + 2 * padding:
        raise ValueError(f"the kernel covers {span} pixels, more than the padded input ({n + 2 * padding})")
    return (n + 2 * padding - span) // stride + 1


def same_padding(f, dilation=1):
    """dilation*(f - 1) / 2; ValueError when that is not a whole number (even effective kernel)."""
    f, dilation = _whole("f", f, 1), _whole("dilation", dilation, 1)
    total = dilation * (f - 1)
    if total % 2:
        raise ValueError(f"a kernel covering {total + 1} pixels (even) cannot keep the size with equal padding")
    return total // 2


def keras_output_size(n, f, stride=1, padding="valid"):
    """Keras: 'valid' -> ceil((n - f + 1) / stride), 'same' -> ceil(n / stride)."""
    n, f, stride = _whole("n", n, 1), _whole("f", f, 1), _whole("stride", stride, 1)
    mode = padding.lower() if isinstance(padding, str) else None
    if mode == "same":
        return -(-n // stride)
    if mode == "valid":
        if f > n:
            raise ValueError(f"a window of {f} does not fit an input of {n} without padding")
        return -(-(n - f + 1) // stride)
    raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")


def pool_output_size(n, f, stride=None, padding=0, ceil_mode=False):
    """PyTorch's MaxPool2d/AvgPool2d rule, ceil_mode included."""
    n, f = _whole("n", n, 1), _whole("f", f, 1)
    stride = f if stride is None else _whole("stride", stride, 1)
    padding = _whole("padding", padding, 0)
    if 2 * padding > f:
        raise ValueError(f"padding ({padding}) must be at most half the window ({f})")
    room = n + 2 * padding - f
    out = (-(-room // stride) if ceil_mode else room // stride) + 1
    if ceil_mode and (out - 1) * stride >= n + padding:
        out -= 1  # the last window would start in the right padding: PyTorch drops it
    if out < 1:
        raise ValueError(f"a window of {f} does not fit the padded input ({n + 2 * padding})")
    return out


def conv_transpose_output_size(n, f, padding=0, stride=1, output_padding=0, dilation=1):
    """(n - 1)*stride - 2*padding + dilation*(f - 1) + output_padding + 1, PyTorch's ConvTranspose2d rule."""
    n, f = _whole("n", n, 1), _whole("f", f, 1)
    padding, stride = _whole("padding", padding, 0), _whole("stride", stride, 1)
    dilation = _whole("dilation", dilation, 1)
    output_padding = _whole("output_padding", output_padding, 0)
    if output_padding >= stride and output_padding >= dilation:
        raise ValueError(f"output_padding ({output_padding}) must be smaller than stride or dilation")
    out = (n - 1) * stride - 2 * padding + dilation * (f - 1) + output_padding + 1
    if out < 1:
        raise ValueError(f"the output size would be {out}: padding {padding} removes more than there is")
    return out
