"""Hypothesis strategies shared by the checks: small float64 arrays that shrink to readable counterexamples."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays


def small_ints(shape, lo: int = -4, hi: int = 4) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of small integers: exact arithmetic, short messages, shrink towards zeros."""
    return arrays(np.int64, shape, elements=st.integers(lo, hi)).map(lambda a: a.astype(np.float64))


def floats(shape, bound: float = 5.0) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays with values in [-bound, bound]."""
    return arrays(np.float64, shape, elements=st.floats(-bound, bound, allow_nan=False, allow_infinity=False,
                                                        allow_subnormal=False))


def values(shape, integer: bool) -> st.SearchStrategy[np.ndarray]:
    return small_ints(shape) if integer else floats(shape)
