"""Exercise 7: the entry (data only). Checks in checks.py, named mistakes in mistakes.py."""
from grader.course.entry import Check, Exercise

EXERCISE = Exercise(
    7, "conv_backward", "Convolution layer, backward pass",
    functions=("conv_backward",),
    topic="dx, dw, db of the conv layer, checked against torch autograd",
    checks=(
        Check("slide_examples", "slide example (3x3 input, 2x2 filter)", 2),
        Check("random_shapes", "matches autograd on random shapes (stride 1, padding 0)", 3),
        Check("padding", "padding 1 and 2", 2),
        Check("stride", "stride 2 and 3, also where it does not divide evenly", 2),
        Check("edge_cases", "1x1 kernels and single-pixel outputs", 1),
        Check("inputs_unchanged", "does not modify its inputs", 1),
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
)
