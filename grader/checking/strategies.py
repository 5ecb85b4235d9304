"""Hypothesis strategies shared by the checks: small float64 arrays that shrink to readable counterexamples
(deferred: see :mod:`grader.checking.deferred`)."""
from __future__ import annotations

import numpy as np

from grader.checking.deferred import Deferred, arrays, st


def small_ints(shape, lo: int = -4, hi: int = 4) -> Deferred:
    """float64 arrays of small integers: exact arithmetic, short messages, shrink towards zeros."""
    return arrays(np.int64, shape, elements=st.integers(lo, hi)).map(lambda a: a.astype(np.float64))


def floats(shape, bound: float = 5.0) -> Deferred:
    """float64 arrays with values in [-bound, bound]."""
    return arrays(np.float64, shape, elements=st.floats(-bound, bound, allow_nan=False, allow_infinity=False,
                                                        allow_subnormal=False))


def values(shape, integer: bool) -> Deferred:
    return small_ints(shape) if integer else floats(shape)


def generic_arrays(shape, integer: bool, salt: int) -> Deferred:
    """float64 arrays of ``shape`` filled from a drawn seed: small integers in -3..3, or floats in [-5, 5].

    Hypothesis shrinks the shapes (drawn separately) and the seed, never single elements: a shrunk counterexample
    is small but keeps "generic" values, so two different mistakes practically never give the same wrong answer on
    it (sparse, mostly-zero inputs often make them coincide, and the misconception named would then be a guess), and
    shrinking takes a few steps instead of hundreds.
    ``salt`` keeps arrays of the same shape and seed (x and w, say) from being equal.
    """
    def make(seed):
        rng = np.random.default_rng([seed, salt])
        if integer:
            return rng.integers(-3, 4, size=shape).astype(np.float64)
        return np.round(rng.uniform(-5.0, 5.0, size=shape), 2)
    return st.integers(0, 2 ** 32 - 1).map(make)


def stride_and_padding(draw, stride=None, padding=None) -> tuple[int, int, dict]:
    """(stride, padding, the keyword arguments that pass them) for a conv case: each is drawn (stride 1..3,
    padding 0..2) where given as None, else fixed; a fixed default (stride 1, padding 0) is left out of the call,
    so that failing calls read like a person wrote them."""
    s = draw(st.integers(1, 3)) if stride is None else stride
    p = draw(st.integers(0, 2)) if padding is None else padding
    kwargs = {}
    if stride is None or stride != 1:
        kwargs["stride"] = s
    if padding is None or padding != 0:
        kwargs["padding"] = p
    return s, p, kwargs


def drop_defaults(case: dict, defaults: dict) -> dict:
    """Leave out keyword arguments equal to their default (same value and type), so that failing calls read like a
    person wrote them."""
    return {k: v for k, v in case.items() if k not in defaults or v != defaults[k] or type(v) is not type(defaults[k])}
