"""Strategies described when the checks load, built by hypothesis only when a property runs in full.

A warm grading replays stored cases (:mod:`grader.checking.replay`) and never needs a strategy, so it should not
pay for importing hypothesis (a fifth of a second). The checks write strategies as they would with hypothesis::

    from grader.checking import st                 # this module's ``st``, not hypothesis's
    st.integers(1, 3).map(f).filter(g)             # a Deferred: a recipe, nothing imported yet

    @st.composite
    def cases(draw, stride=None): ...

Until hypothesis is needed, ``st.integers(...)``, ``arrays(...)`` and a composite's call give a :class:`Deferred`;
:func:`build` makes the hypothesis strategy from it (importing hypothesis then). From then on they give hypothesis's
strategies directly, so the code inside a composite, which runs while hypothesis draws, gets real ones. The built
strategy is made by the same calls on the same functions as with hypothesis imported directly, so the generated
cases are the same.
"""
from __future__ import annotations

_HYPOTHESIS: dict = {}   # "st" and "numpy": hypothesis's modules, once a strategy has been built


def _module(name: str):
    if name not in _HYPOTHESIS:
        from hypothesis import strategies
        from hypothesis.extra import numpy

        _HYPOTHESIS.update(st=strategies, numpy=numpy)
    return _HYPOTHESIS[name]


class Deferred:
    """A hypothesis strategy not built yet: ``make()`` builds it, once."""

    __slots__ = ("_make", "_built", "_what")

    def __init__(self, make, what: str):
        self._make, self._built, self._what = make, None, what

    def build(self):
        if self._built is None:
            self._built = self._make()
        return self._built

    def map(self, fn) -> "Deferred":
        return Deferred(lambda: self.build().map(fn), f"{self._what}.map()")

    def filter(self, fn) -> "Deferred":
        return Deferred(lambda: self.build().filter(fn), f"{self._what}.filter()")

    def flatmap(self, fn) -> "Deferred":
        return Deferred(lambda: self.build().flatmap(fn), f"{self._what}.flatmap()")

    def __repr__(self) -> str:
        return f"<deferred {self._what}>"


def build(value):
    """The hypothesis strategy for ``value`` (a Deferred); lists, tuples and dicts of them item by item; anything
    else as it is."""
    if isinstance(value, Deferred):
        return value.build()
    if type(value) in (list, tuple):
        return type(value)(build(v) for v in value)
    if type(value) is dict:
        return {k: build(v) for k, v in value.items()}
    return value


def _now_or_later(make, what: str):
    """``make()`` once hypothesis is loaded (it costs nothing more then), else a Deferred of it."""
    return make() if _HYPOTHESIS else Deferred(make, what)


def _deferred_call(module: str, name: str):
    """``name(*args, **kwargs)`` of a hypothesis module ("st" or "numpy"): deferred until hypothesis is loaded."""
    def call(*args, **kwargs):
        return _now_or_later(lambda: getattr(_module(module), name)(*build(args), **build(kwargs)), f"{name}()")
    call.__name__ = call.__qualname__ = name
    return call


_COMPOSITES: dict = {}


def composite(fn):
    """``@st.composite``, deferred: hypothesis's decorator is applied to ``fn`` itself (so the strategy is the one
    hypothesis would make) when the first strategy is built."""
    def strategy(*args, **kwargs):
        def make():
            if fn not in _COMPOSITES:
                _COMPOSITES[fn] = _module("st").composite(fn)
            return _COMPOSITES[fn](*build(args), **build(kwargs))
        return _now_or_later(make, f"{fn.__name__}()")
    strategy.__name__, strategy.__qualname__, strategy.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    strategy.__module__, strategy.__wrapped__ = fn.__module__, fn
    return strategy


class _Strategies:
    """``st``: hypothesis.strategies' functions, deferred (``st.composite`` included)."""

    composite = staticmethod(composite)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        call = _deferred_call("st", name)
        setattr(self, name, call)
        return call


st = _Strategies()
arrays = _deferred_call("numpy", "arrays")
