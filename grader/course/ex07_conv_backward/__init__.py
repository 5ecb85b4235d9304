"""Exercise 7: the entry (data only). Checks in checks.py, named mistakes in mistakes.py."""
from grader.course.entry import Check, Exercise

EXERCISE = Exercise(
    7, "conv_backward", "Convolution layer, backward pass",
    functions=("conv_backward",),
    topic="dx, dw, db of the conv layer, checked against torch autograd",
    checks=(
        Check("slide_examples", "slide example (3x3 input, 2x2 filter)", 2, function="conv_backward",
              hint="For every output position (i, j): dw += dout[n, f, i, j] * the input window under it, and "
                   "dx_pad[n, :, window] += dout[n, f, i, j] * w[f]; db[f] = the sum of dout[:, f]. Always +=: "
                   "windows overlap."),
        Check("random_shapes", "matches autograd on random shapes (stride 1, padding 0)", 3, function="conv_backward",
              hint="Loop over n, i, j and ADD (+=) every window's share: the weights serve every sample and every "
                   "position, so dw and db sum over the batch (db = dout.sum(axis=(0, 2, 3))), and dx_pad[:, :, "
                   "p:-p, p:-p] is empty when p = 0: use dx_pad[:, :, p:p + H, p:p + W]."),
        Check("padding", "padding 1 and 2", 2, function="conv_backward",
              hint="dw comes from the windows of the PADDED input x_pad, and dx is the centre of dx_pad, "
                   "dx_pad[:, :, p:p + H, p:p + W], not its top-left corner."),
        Check("stride", "stride 2 and 3, also where it does not divide evenly", 2, function="conv_backward",
              hint="Window (i, j) starts at row i*stride and column j*stride. With a stride that does not divide "
                   "evenly the last rows/columns are never read, so their dx stays 0: take H_out and W_out from "
                   "dout.shape, do not require (H + 2p - KH) % stride == 0."),
        Check("edge_cases", "1x1 kernels and single-pixel outputs", 1, function="conv_backward",
              hint="A 1x1 kernel and a kernel as large as the padded input need no special case: take H_out and "
                   "W_out from dout.shape and let the same loops run."),
        Check("inputs_unchanged", "does not modify its inputs", 1, function="conv_backward", hygiene=True,
              hint="Work on new arrays: np.pad(x, ...) and np.zeros_like(x) are new, but dx = dout, or x_pad = x when "
                   "the padding is 0, gives the argument a second name, so writing into it changes the caller's "
                   "array."),
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
