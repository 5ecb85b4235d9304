"""Question generators: one per kind, each a pure function of a seeded :class:`~grader.quiz.variants.Rng`.

Every question carries its answer (computed here with numpy, in exact integer arithmetic wherever the answer is an
integer), a stated rounding and tolerance where it is not, a short worked explanation for the key and for feedback,
and ``data``: the inputs, so the tests can recompute every answer with torch. Numbers are small on purpose: each
question is meant to be done by hand, on paper, in a few minutes.

The kinds (``KINDS``) and the default plan (``DEFAULT_PLAN``: which kinds, in which order, for ``--questions N``)
are the same for every student of a sitting; the numbers, the sub-cases and the order of multiple-choice options
differ from student to student.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field

import numpy as np

from grader import i18n
from grader.i18n import N_, gettext as _
from grader.quiz.variants import Rng, student_seed

# Bump when a generator changes what it produces for the same seed: quiz.json records it, and grading refuses to
# regrade a quiz made by a different version (the regenerated questions would not be the printed ones).
GENERATOR_VERSION = 1


@dataclass(frozen=True)
class Answer:
    """The key of one question.

    type: "matrix" (tuple of row tuples), "integer", "number" (float, with tolerance), "vector" (tuple of floats),
    "shape" (tuple of ints, height x width x depth), "choice" (a letter), "fit" (an int, or None for "does not fit").
    """
    type: str
    value: object
    tolerance: float = 0.0
    decimals: int | None = None    # the rounding the question asks for (display of the key)


@dataclass(frozen=True)
class Question:
    kind: str
    title: str
    prompt: str
    answer: Answer
    how: str                                   # how to write the answer
    explanation: str                           # the worked solution, for the key and for feedback
    points: int = 1
    grids: tuple = ()                          # ((label, matrix as tuple of row tuples), ...) shown as grids
    table: tuple = ()                          # (header row, row, row, ...) shown as a plain table
    choices: tuple[str, ...] = ()              # multiple choice: options A, B, C, ...
    data: dict = field(default_factory=dict, compare=False, hash=False)   # the inputs, for verification


@dataclass(frozen=True)
class Quiz:
    student_id: str
    name: str
    seed: str
    questions: tuple[Question, ...]
    fingerprint: str                           # sha256 of the content: detects a regeneration that differs

    @property
    def code(self) -> str:
        """A short variant code printed on the sheet (matches a paper sheet to its key)."""
        return self.fingerprint[:6].upper()

    @property
    def points(self) -> int:
        return sum(q.points for q in self.questions)


# ---------------------------------------------------------------------------------------------------------------
# exact computations (numpy; the tests compare them with torch)

def conv2d(image, kernel, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Cross-correlation of one (H, W) integer image with one (KH, KW) kernel; zero padding on all four sides."""
    x = np.pad(np.asarray(image, dtype=np.int64), padding)
    k = np.asarray(kernel, dtype=np.int64)
    h_out = (x.shape[0] - k.shape[0]) // stride + 1
    w_out = (x.shape[1] - k.shape[1]) // stride + 1
    out = np.zeros((h_out, w_out), dtype=np.int64)
    for i in range(h_out):
        for j in range(w_out):
            out[i, j] = np.sum(x[i * stride:i * stride + k.shape[0], j * stride:j * stride + k.shape[1]] * k)
    return out


def pool2d(x, size: int, stride: int, mode: str) -> np.ndarray:
    """Max or average pooling of one (H, W) map, no padding, windows that do not fit are dropped."""
    x = np.asarray(x)
    h_out = (x.shape[0] - size) // stride + 1
    w_out = (x.shape[1] - size) // stride + 1
    out = np.zeros((h_out, w_out), dtype=np.int64 if mode == "max" else np.float64)
    for i in range(h_out):
        for j in range(w_out):
            window = x[i * stride:i * stride + size, j * stride:j * stride + size]
            out[i, j] = window.max() if mode == "max" else window.sum() / window.size
    return out


def softmax(z) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def conv_output_size(n: int, f: int, p: int, s: int) -> int:
    return (n + 2 * p - f) // s + 1


def conv_params(c_in: int, k: int, f: int, bias: bool = True) -> int:
    return k * (f * f * c_in + (1 if bias else 0))


def conv_backward(x, f, g) -> tuple[np.ndarray, np.ndarray]:
    """(dL/dX, dL/dF) for O = X star F (stride 1, no padding) and dL/dO = G, in integers."""
    x, f, g = (np.asarray(a, dtype=np.int64) for a in (x, f, g))
    dx = np.zeros_like(x)
    df = np.zeros_like(f)
    for a in range(g.shape[0]):
        for b in range(g.shape[1]):
            dx[a:a + f.shape[0], b:b + f.shape[1]] += g[a, b] * f
            df += g[a, b] * x[a:a + f.shape[0], b:b + f.shape[1]]
    return dx, df


def model_param_count(spec: dict) -> tuple[int, list[tuple[str, int]], tuple[int, int, int]]:
    """Total parameters of the small model of :func:`model_params`, per-layer counts, and the flattened shape."""
    c, h = spec["in_channels"], spec["size"]
    rows = []
    for i, (k, f) in enumerate(spec["convs"], 1):
        rows.append((f"conv{i} ({f}·{f}·{c} + 1)·{k}", conv_params(c, k, f)))
        c, h = k, (h - f + 1) // 2          # conv (stride 1, no padding), then 2x2 max pooling, stride 2
    flat = c * h * h
    rows.append((f"dense1 ({flat} + 1)·{spec['hidden']}", (flat + 1) * spec["hidden"]))
    rows.append((f"dense2 ({spec['hidden']} + 1)·{spec['classes']}", (spec["hidden"] + 1) * spec["classes"]))
    return sum(n for _, n in rows), rows, (c, h, h)


# ---------------------------------------------------------------------------------------------------------------
# formatting helpers

def num(x) -> str:
    """A number as a person writes it: 3, -1, 2.25, 0.5 (no trailing zeros, no -0)."""
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if x == int(x):
        return str(int(x))
    return f"{x:.6f}".rstrip("0").rstrip(".")


def matrix(a) -> tuple:
    """An array as a tuple of row tuples of plain Python numbers (ints when integral)."""
    a = np.asarray(a)
    if np.issubdtype(a.dtype, np.integer):
        return tuple(tuple(int(v) for v in row) for row in a)
    return tuple(tuple(int(v) if float(v) == int(v) else float(v) for v in row) for row in a)


def par(x) -> str:
    """A number for a product: negatives in parentheses, 2·(−1)."""
    s = num(x)
    return f"({s})" if s.startswith("-") else s


def _terms(window, kernel) -> str:
    return " + ".join(f"{par(a)}·{par(b)}" for a, b in zip(np.ravel(window), np.ravel(kernel)))


HOW_MATRIX = N_("Write the output matrix.")


# ---------------------------------------------------------------------------------------------------------------
# the generators: gen(rng, **options) -> Question

CONV_CASES = {"conv": (5, 3, 1, 0), "conv_stride": (5, 3, 2, 0), "conv_padding": (3, 3, 1, 1)}


def gen_conv(rng: Rng, kind: str = "conv") -> Question:
    n, f, s, p = CONV_CASES[kind]
    while True:
        image = rng.ints((n, n), 0, 2)
        kernel = rng.ints((f, f), -1, 1)
        out = conv2d(image, kernel, s, p)
        flipped = conv2d(image, kernel[::-1, ::-1], s, p)
        # a kernel with a few non-zeros, an output that is not flat, and flipping the kernel must change the answer
        if (np.count_nonzero(kernel) >= 4 and len(np.unique(out)) >= 3 and not np.array_equal(out, flipped)
                and np.count_nonzero(image) >= n):
            break
    m = out.shape[0]
    setting = {"conv": _("stride 1, no padding"), "conv_stride": _("stride 2, no padding"),
               "conv_padding": _("stride 1, zero padding 1 (one ring of zeros around the image)")}[kind]
    title = {"conv": _("Convolution"), "conv_stride": _("Convolution with stride"),
             "conv_padding": _("Convolution with padding")}[kind]
    padded = np.pad(image, p)
    window = padded[:f, :f]
    moves = (_("The window moves {s} pixels at a time; the kernel is not flipped (cross-correlation).") if s > 1
             else _("The window moves {s} pixel at a time; the kernel is not flipped (cross-correlation)."))
    explanation = (_("Output size (n + 2p − f)/s + 1 = ({n} + {p2} − {f})/{s} + 1 = {m}, so {m}×{m}. ")
                   + _("Top-left entry: {terms} = {value}. ") + moves).format(
        n=n, p2=2 * p, f=f, s=s, m=m, terms=_terms(window, kernel), value=num(out[0, 0]))
    return Question(
        kind=kind, title=title, points=2,
        prompt=_("Convolve the {n}×{n} image with the {f}×{f} kernel: {setting}. Do not flip the kernel.").format(
            n=n, f=f, setting=setting),
        grids=((_("Image"), matrix(image)), (_("Kernel"), matrix(kernel))),
        answer=Answer("matrix", matrix(out)), how=_(HOW_MATRIX), explanation=explanation,
        data={"image": image.tolist(), "kernel": kernel.tolist(), "stride": s, "padding": p})


def gen_output_size(rng: Rng) -> Question:
    while True:
        f = rng.choice([1, 3, 3, 5, 5, 7, 11])
        s = rng.choice([1, 1, 2, 2, 3, 4])
        p = rng.randint(0, (f - 1) // 2 + 1)
        n = rng.randint(max(f, 7), 64)
        if (n + 2 * p - f) % s == 0 and n + 2 * p >= f:
            break
    c = rng.choice([1, 3, 3, 16, 32, 64])
    k = rng.choice([4, 6, 8, 10, 12, 16, 20, 32, 64])
    m = conv_output_size(n, f, p, s)
    pad = _("no padding") if p == 0 else _("zero padding {p}").format(p=p)
    return Question(
        kind="output_size", title=_("Output size"),
        prompt=_("The input volume is {n}×{n}×{c} (height × width × channels). A convolution layer has {k} filters "
                 "of size {f}×{f}, stride {s} and {pad}. What is the size of its output volume?").format(
            n=n, c=c, k=k, f=f, s=s, pad=pad),
        answer=Answer("shape", (m, m, k)), how=_("Write height × width × depth, e.g. 12x12x8."),
        explanation=_("(n + 2p − f)/s + 1 = ({n} + {p2} − {f})/{s} + 1 = {m}; the depth is the number of "
                      "filters, {k}: {m}×{m}×{k}.").format(n=n, p2=2 * p, f=f, s=s, m=m, k=k),
        data={"n": n, "f": f, "p": p, "s": s, "c": c, "k": k})


def gen_stride_fit(rng: Rng) -> Question:
    fits = rng.below(2) == 1
    while True:
        f = rng.choice([2, 3, 3, 4, 5, 7])
        s = rng.choice([2, 3, 3, 4, 5])
        p = rng.choice([0, 0, 0, 1, 2])
        n = rng.randint(max(f, 6), 32)
        if n + 2 * p >= f and ((n + 2 * p - f) % s == 0) == fits:
            break
    pad = _("no padding") if p == 0 else _("zero padding {p}").format(p=p)
    exact = f"({n} + {2 * p} − {f})/{s} + 1"
    if fits:
        m = conv_output_size(n, f, p, s)
        explanation = _("{exact} = {m}: an integer, so it fits and the output is {m}×{m}.").format(exact=exact, m=m)
    else:
        m = None
        explanation = _("{exact} = {value} is not an integer: it does not fit (the last window would hang over the "
                        "border; PyTorch silently drops it and floors the size to {floor}).").format(
            exact=exact, value=f"{(n + 2 * p - f) / s + 1:.4g}", floor=conv_output_size(n, f, p, s))
    return Question(
        kind="stride_fit", title=_("Does this stride fit?"),
        prompt=_("A {f}×{f} filter slides over a {n}×{n} input with stride {s} and {pad}. Does it fit, i.e. do the "
                 "windows tile the (padded) input exactly, the last one ending at the border? If it fits, give the "
                 "output size; if it does not, write 'does not fit'.").format(f=f, n=n, s=s, pad=pad),
        answer=Answer("fit", m), how=_("Write the output size (one number, e.g. 5) or 'does not fit'."),
        explanation=explanation, data={"n": n, "f": f, "p": p, "s": s})


def gen_same_padding(rng: Rng) -> Question:
    f = rng.choice([3, 5, 7])
    n = rng.randint(8, 64)
    keep = rng.below(2) == 1
    p = (f - 1) // 2 if keep else rng.choice([q for q in range(0, 5) if q != (f - 1) // 2])
    m = n + 2 * p - f + 1
    if keep:
        prompt = _("A convolution layer with {f}×{f} filters and stride 1 gets a {n}×{n} input. How much zero "
                   "padding p (on each side) keeps the output at {n}×{n}?").format(f=f, n=n)
    else:
        prompt = _("A convolution layer with {f}×{f} filters and stride 1 gets a {n}×{n} input. How much zero "
                   "padding p (on each side) makes the output {m}×{m}?").format(f=f, n=n, m=m)
    solve = (_("Solve n + 2p − f + 1 = {m}: {n} + 2p − {f} + 1 = {m}, so p = {p} = (f − 1)/2, 'same' padding.") if keep
             else _("Solve n + 2p − f + 1 = {m}: {n} + 2p − {f} + 1 = {m}, so p = {p}."))
    return Question(
        kind="same_padding", title=_("Padding"),
        prompt=prompt, answer=Answer("integer", p), how=_("Write one number."),
        explanation=solve.format(m=m, n=n, f=f, p=p),
        data={"n": n, "f": f, "target": m})


def gen_conv_params(rng: Rng) -> Question:
    c = rng.choice([1, 3, 3, 8, 16, 32, 64])
    k = rng.choice([4, 6, 8, 10, 16, 32, 64, 128])
    f = rng.choice([1, 3, 3, 5, 5, 7])
    n = rng.choice([28, 32, 64, 128, 224])
    bias = rng.below(4) != 0
    total = conv_params(c, k, f, bias)
    b = _("with a bias per filter") if bias else _("without biases (bias=False)")
    each = (_("Each filter has {f}·{f}·{c} = {weights} weights + 1 bias") if bias else
            _("Each filter has {f}·{f}·{c} = {weights} weights"))
    explanation = (each + _("; {k} filters: {k} · {per_filter} = {total}. The {n}×{n} image size does not matter "
                            "(weight sharing).")).format(f=f, c=c, weights=f * f * c, k=k, total=total, n=n,
                                                         per_filter=f * f * c + (1 if bias else 0))
    return Question(
        kind="conv_params", title=_("Parameters of a layer"),
        prompt=_("A convolution layer takes a {n}×{n}×{c} input and has {k} filters of size {f}×{f}, stride 1, "
                 "padding 1, {bias}. How many learnable parameters does it have?").format(n=n, c=c, k=k, f=f, bias=b),
        answer=Answer("integer", total), how=_("Write one number."), explanation=explanation,
        data={"c": c, "k": k, "f": f, "bias": bias})


def gen_model_params(rng: Rng) -> Question:
    while True:
        in_c = rng.choice([1, 1, 3])
        size = rng.choice([16, 20, 24, 28, 32])
        convs = [(rng.choice([4, 6, 8, 16]), rng.choice([3, 5])), (rng.choice([8, 12, 16, 32]), rng.choice([3, 5]))]
        h, ok = size, True
        for _k, f in convs:
            h -= f - 1
            ok = ok and h > 0 and h % 2 == 0
            h //= 2
        if ok and h >= 2:
            break
    spec = {"in_channels": in_c, "size": size, "convs": convs, "hidden": rng.choice([32, 64, 84, 100, 120, 128]),
            "classes": 10}
    total, rows, (c, h, _width) = model_param_count(spec)
    (k1, f1), (k2, f2) = convs
    filters, units = _("{k} filters, {f}×{f}"), _("{units} units")
    table = ((_("Layer"), _("Configuration")),
             (_("Input"), _("{size}×{size}×{c} image").format(size=size, c=in_c)),
             ("Conv2d + ReLU", filters.format(k=k1, f=f1)),
             ("MaxPool", "2×2"),
             ("Conv2d + ReLU", filters.format(k=k2, f=f2)),
             ("MaxPool", "2×2"),
             ("Flatten", ""),
             ("Dense + ReLU", units.format(units=spec["hidden"])),
             ("Dense (softmax)", units.format(units=spec["classes"])))
    parts = "; ".join(f"{name} = {count}" for name, count in rows)
    return Question(
        kind="model_params", title=_("Parameters of a model"), points=2,
        prompt=_("How many learnable parameters (weights and biases) does this model have in total? Convolutions: "
                 "stride 1, no padding. Pooling: stride 2. Every Conv2d and Dense layer has biases."),
        table=table, answer=Answer("integer", total), how=_("Write one number."),
        explanation=_("Sizes: {size} → {conv1} → pool {pool1} → {conv2} → pool {h}; flatten gives {c}·{h}·{h} = "
                      "{features} features. {parts}; pooling, ReLU and flatten have none. Total {total}.").format(
            size=size, conv1=size - f1 + 1, pool1=(size - f1 + 1) // 2, conv2=(size - f1 + 1) // 2 - f2 + 1, h=h,
            c=c, features=c * h * h, parts=parts, total=total),
        data={"spec": spec})


POOL_CASES = {"max_pool": [(4, 2, 2), (3, 2, 1), (5, 2, 2), (4, 3, 1)],
              "avg_pool": [(4, 2, 2), (3, 2, 1), (5, 2, 2)]}   # average: 2x2 windows only, answers in quarters


def gen_pool(rng: Rng, kind: str = "max_pool") -> Question:
    n, size, stride = rng.choice(POOL_CASES[kind])
    mode = "max" if kind == "max_pool" else "avg"
    x = rng.ints((n, n), 0, 19 if mode == "max" else 9)     # max: a wider range, or every answer would be 9s
    out = pool2d(x, size, stride, mode)
    m = out.shape[0]
    window = x[:size, :size]
    first = (f"max({', '.join(num(v) for v in window.ravel())}) = {num(out[0, 0])}" if mode == "max" else
             f"({' + '.join(num(v) for v in window.ravel())})/{size * size} = {num(out[0, 0])}")
    dropped = (n - size) % stride != 0
    explanation = ((_("Output size (n − k)/s + 1 = ({n} − {size})/{stride} + 1 → {m}×{m} (the window that does not "
                      "fit is dropped). Top-left: {first}.") if dropped else
                    _("Output size (n − k)/s + 1 = ({n} − {size})/{stride} + 1 → {m}×{m}. Top-left: {first}."))
                   .format(n=n, size=size, stride=stride, m=m, first=first))
    how = _(HOW_MATRIX) if mode == "max" else _("Write the output matrix, exact (2.25 or 9/4).")
    prompt = (_("Apply {size}×{size} max pooling with stride {stride} and no padding to the {n}×{n} feature map.")
              if mode == "max" else
              _("Apply {size}×{size} average pooling with stride {stride} and no padding to the {n}×{n} feature map."))
    return Question(
        kind=kind, title=_("Max pooling") if mode == "max" else _("Average pooling"),
        prompt=prompt.format(size=size, stride=stride, n=n),
        grids=((_("Feature map"), matrix(x)),),
        answer=Answer("matrix", matrix(out), tolerance=1e-9 if mode == "avg" else 0),
        how=how, explanation=explanation, data={"x": x.tolist(), "size": size, "stride": stride, "mode": mode})


def gen_relu(rng: Rng) -> Question:
    while True:
        x = rng.ints((3, 4), -9, 9)
        if (x < 0).sum() >= 3 and (x > 0).sum() >= 3:
            break
    out = np.maximum(x, 0)
    return Question(
        kind="relu", title="ReLU",
        prompt=_("Apply the ReLU activation to the 3×4 feature map."),
        grids=((_("Feature map"), matrix(x)),), answer=Answer("matrix", matrix(out)), how=_(HOW_MATRIX),
        explanation=_("ReLU(x) = max(x, 0), entry by entry: negatives become 0, the rest is kept."),
        data={"x": x.tolist()})


def _logits(rng: Rng) -> list[float]:
    """Three logits with one decimal in [-1, 3] (like the slides' 2.0, 1.0, 0.1), not all equal, spread <= 3."""
    while True:
        z = [rng.randint(-10, 30) / 10 for _ in range(3)]
        if len(set(z)) >= 2 and max(z) - min(z) <= 3.0:
            return z


def gen_softmax(rng: Rng) -> Question:
    z = _logits(rng)
    p = softmax(z)
    exps = ", ".join(f"e^({num(v)}) = {math.exp(v):.3f}" for v in z)
    total = sum(math.exp(v) for v in z)
    return Question(
        kind="softmax", title="Softmax",
        prompt=_("A 3-class classifier outputs the logits z = ({logits}) for classes 0, 1, 2. Compute the softmax "
                 "probabilities p_i = e^(z_i) / Σ_j e^(z_j).").format(logits=", ".join(num(v) for v in z)),
        answer=Answer("vector", tuple(float(v) for v in p), tolerance=0.002, decimals=3),
        how=_("Write p0, p1, p2 rounded to 3 decimals (±0.002 accepted)."),
        explanation=_("{exps}; sum {total}; p = ({p}).").format(exps=exps, total=f"{total:.3f}",
                                                                 p=", ".join(f"{v:.3f}" for v in p)),
        data={"logits": z})


def gen_cross_entropy(rng: Rng) -> Question:
    while True:
        z = _logits(rng)
        y = rng.below(3)
        p = softmax(z)
        # p >= 0.1: rounding p to 3 decimals first still lands within the tolerance; p <= 0.9: the log10 mistake
        # (the slides' -log(0.6) = 0.222) lands outside it
        if 0.1 <= p[y] <= 0.9:
            break
    loss = -math.log(p[y])
    return Question(
        kind="cross_entropy", title=_("Cross-entropy"),
        prompt=_("A 3-class classifier outputs the logits z = ({logits}) for classes 0, 1, 2; the true class is {y}. "
                 "Compute the cross-entropy loss L = −Σ y_i · ln(p_i) with p = softmax(z) (ln: the natural "
                 "logarithm, as in PyTorch and Keras).").format(logits=", ".join(num(v) for v in z), y=y),
        answer=Answer("number", float(loss), tolerance=0.01, decimals=3),
        how=_("Write one number rounded to 3 decimals (±0.01 accepted)."),
        explanation=_("p = ({p}); only the true class counts: L = −ln(p_{y}) = −ln({py}) = {loss}. (With log base 10 "
                      "you would get {log10}: wrong, frameworks use ln.)").format(
            p=", ".join(f"{v:.3f}" for v in p), y=y, py=f"{p[y]:.4f}", loss=f"{loss:.3f}",
            log10=f"{-math.log10(p[y]):.3f}"),
        data={"logits": z, "target": y})


DX_POSITIONS = [(0, 1), (1, 0), (1, 1), (1, 2), (2, 1)]     # edges and centre: 2 or 4 terms each


def gen_conv_backprop(rng: Rng) -> Question:
    wrt = rng.choice(["F", "X"])
    while True:
        x = rng.ints((3, 3), -2, 3)
        f = rng.ints((2, 2), -2, 2)
        g = rng.ints((2, 2), -2, 2)
        if np.count_nonzero(g) >= 3 and np.count_nonzero(f) >= 3 and np.count_nonzero(x) >= 6:
            break
    dx, df = conv_backward(x, f, g)
    if wrt == "F":
        i, j = rng.below(2), rng.below(2)
        value = int(df[i, j])
        terms = [(int(g[a, b]), int(x[a + i, b + j]), f"G{a + 1}{b + 1}·X{a + i + 1}{b + j + 1}")
                 for a in range(2) for b in range(2)]
        lead = _("F{ij} meets one X entry in each of O11, O12, O21, O22").format(ij=f"{i + 1}{j + 1}")
    else:
        i, j = rng.choice(DX_POSITIONS)
        value = int(dx[i, j])
        terms = [(int(g[a, b]), int(f[i - a, j - b]), f"G{a + 1}{b + 1}·F{i - a + 1}{j - b + 1}")
                 for a in range(2) for b in range(2) if 0 <= i - a < 2 and 0 <= j - b < 2]
        lead = _("X{ij} feeds {count} of the outputs").format(ij=f"{i + 1}{j + 1}", count=len(terms))
    target = f"∂L/∂{wrt}{i + 1}{j + 1}"
    explanation = (f"{lead}: {target} = {' + '.join(t[2] for t in terms)} = "
                   f"{' + '.join(f'{par(a)}·{par(b)}' for a, b, _ in terms)} = {value}.")
    return Question(
        kind="conv_backprop", title=_("Backprop through a convolution"), points=2,
        prompt=_("O = X ⋆ F (stride 1, no padding) is 2×2, with O11 = X11·F11 + X12·F12 + X21·F21 + X22·F22. "
                 "Given G = ∂L/∂O, compute {target} (row {row}, column {column}).").format(
            target=target, row=i + 1, column=j + 1),
        grids=(("X", matrix(x)), ("F", matrix(f)), ("G = ∂L/∂O", matrix(g))),
        answer=Answer("integer", value), how=_("Write one number."), explanation=explanation,
        data={"x": x.tolist(), "f": f.tolist(), "g": g.tolist(), "wrt": wrt, "i": i, "j": j})


# Multiple-choice concept questions: (question, correct option, distractors). Options are shuffled per student.
CONCEPTS = [
    ("Why do CNNs use pooling layers?",
     "To shrink the feature maps (less computation later) and make the output less sensitive to small shifts",
     ["To add learnable weights that detect edges",
      "To keep the feature map exactly the same size as the input",
      "To turn the scores into probabilities that sum to 1"]),
    ("What does parameter sharing (weight sharing) in a convolution layer mean?",
     "The same filter weights are used at every position of the image, so the count does not grow with image size",
     ["Every output pixel has its own set of weights",
      "All the filters of a layer are identical",
      "Consecutive layers reuse the weights of the layer before them"]),
    ("What is the difference between 'valid' and 'same' padding?",
     "'valid' adds no padding (the output shrinks); 'same' pads with zeros so that, at stride 1, the output keeps "
     "the input's size",
     ["'valid' pads with zeros; 'same' adds no padding",
      "'same' means all filters of the layer have the same size",
      "'valid' drops the negative outputs, like ReLU"]),
    ("What does a 1×1 convolution with 32 filters do to a 28×28×64 input?",
     "At each position it mixes the 64 channels (a 64-dimensional dot product), giving 28×28×32",
     ["Nothing: a 1×1 filter copies its input",
      "It halves the height and width, giving 14×14×64",
      "It blurs each channel separately, giving 28×28×64"]),
    ("How many learnable parameters does a 2×2 max-pooling layer have?",
     "None",
     ["4 (one per window position)", "5 (4 weights and a bias)", "One per input channel"]),
    ("Which logarithm does the cross-entropy loss use in PyTorch and Keras?",
     "The natural log: −ln(0.6) = 0.511",
     ["Log base 10: −log10(0.6) = 0.222", "Log base 2: −log2(0.6) = 0.737", "No logarithm: 1 − 0.6 = 0.4"]),
    ("The input of a convolution layer has 3 channels. How deep is each of its 5×5 filters?",
     "3: a filter always spans all the channels of its input",
     ["1: filters are always two-dimensional", "5: filters are cubes", "It depends on the number of filters"]),
    ("Why do CNNs need far fewer parameters than fully connected networks on images?",
     "Each unit looks only at a small local region (local connectivity) and the filter weights are shared",
     ["They use smaller images", "They store their weights with fewer bits",
      "Pooling layers remove parameters from the convolution layers"]),
    ("Why add zero padding before a convolution?",
     "So the feature maps do not shrink with every layer, and the border pixels count as much as the others",
     ["To make the network train faster by skipping the border",
      "To turn negative values into zeros", "Padding is needed for the bias to work"]),
    ("What does ReLU do to a feature map?",
     "It replaces negative values by 0 and keeps positive values unchanged",
     ["It scales all values into the range 0 to 1", "It keeps only the largest value of each 2×2 window",
      "It replaces every value by its absolute value"]),
]


def gen_concept(rng: Rng, item: int = 0) -> Question:
    question, right, wrong = CONCEPTS[item % len(CONCEPTS)]
    options = rng.shuffled([right] + list(wrong))    # the order depends on the positions only, not on the words
    letter = "ABCDEFGH"[options.index(right)]
    return Question(
        kind="concept", title=_("Concepts"), prompt=_(question), choices=tuple(_(o) for o in options),
        answer=Answer("choice", letter), how=_("Circle one letter."),
        explanation=_("{letter}: {answer}.").format(letter=letter, answer=_(right)),
        data={"item": item % len(CONCEPTS), "right": right})


# ---------------------------------------------------------------------------------------------------------------
# kinds and plans

KINDS = {
    "conv": lambda rng, **kw: gen_conv(rng, "conv"),
    "conv_stride": lambda rng, **kw: gen_conv(rng, "conv_stride"),
    "conv_padding": lambda rng, **kw: gen_conv(rng, "conv_padding"),
    "output_size": lambda rng, **kw: gen_output_size(rng),
    "stride_fit": lambda rng, **kw: gen_stride_fit(rng),
    "same_padding": lambda rng, **kw: gen_same_padding(rng),
    "conv_params": lambda rng, **kw: gen_conv_params(rng),
    "model_params": lambda rng, **kw: gen_model_params(rng),
    "max_pool": lambda rng, **kw: gen_pool(rng, "max_pool"),
    "avg_pool": lambda rng, **kw: gen_pool(rng, "avg_pool"),
    "relu": lambda rng, **kw: gen_relu(rng),
    "softmax": lambda rng, **kw: gen_softmax(rng),
    "cross_entropy": lambda rng, **kw: gen_cross_entropy(rng),
    "conv_backprop": lambda rng, **kw: gen_conv_backprop(rng),
    "concept": lambda rng, item=0, **kw: gen_concept(rng, item),
}

# --questions N takes the first N; the first 8 fit one A4 page.
DEFAULT_PLAN = ("conv", "output_size", "max_pool", "model_params", "softmax", "cross_entropy", "conv_backprop",
                "concept",
                "stride_fit", "avg_pool", "conv_params", "conv_stride", "same_padding", "relu", "conv_padding",
                "concept", "concept", "concept")
MAX_QUESTIONS = len(DEFAULT_PLAN)


def plan(questions: int = 8, kinds: list[str] | None = None) -> tuple[str, ...]:
    """The kinds of the questions, in order: the given kinds, or the first ``questions`` of the default plan."""
    if kinds:
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise ValueError(f"unknown question kind {unknown[0]!r} (kinds: {', '.join(KINDS)})")
        if kinds.count("concept") > len(CONCEPTS):
            raise ValueError(f"at most {len(CONCEPTS)} concept questions")
        return tuple(kinds)
    if not 1 <= questions <= MAX_QUESTIONS:
        raise ValueError(f"--questions must be between 1 and {MAX_QUESTIONS}")
    return DEFAULT_PLAN[:questions]


def generate(kind: str, rng: Rng, **options) -> Question:
    return KINDS[kind](rng, **options)


def build_quiz(student_id: str, secret: str, seed: str | int, kinds, name: str = "") -> Quiz:
    """The quiz of one student: a pure function of (secret, seed, student id, kinds), its texts in the active
    language. The numbers and the order of the options are the same in every language, and so is the fingerprint
    (taken from the English texts): a quiz printed in Chinese is graded as the English one."""
    questions = _questions(student_id, secret, seed, kinds)
    if i18n.language() != i18n.ENGLISH:
        with i18n.speaking(i18n.ENGLISH):
            english = _questions(student_id, secret, seed, kinds)
    else:
        english = questions
    return Quiz(student_id=str(student_id), name=name, seed=str(seed), questions=tuple(questions),
                fingerprint=fingerprint(english))


def _questions(student_id: str, secret: str, seed: str | int, kinds) -> list[Question]:
    base = Rng(student_seed(secret, seed, student_id))
    concept_order = base.child("concepts").shuffled(range(len(CONCEPTS)))
    questions, seen = [], {}
    for index, kind in enumerate(kinds):
        occurrence = seen.get(kind, 0)
        seen[kind] = occurrence + 1
        rng = base.child(f"{kind}#{occurrence}")
        questions.append(generate(kind, rng, item=concept_order[occurrence % len(CONCEPTS)]))
    return questions


def fingerprint(questions) -> str:
    content = [[q.kind, q.prompt, q.grids, q.table, q.choices, q.answer.type, _jsonable(q.answer.value)]
               for q in questions]
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _jsonable(value):
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    return value
