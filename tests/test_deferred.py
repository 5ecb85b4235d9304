"""Deferred strategies: the checks load without hypothesis, and a strategy built later draws exactly the cases that
the same strategy written with hypothesis directly draws (same seed)."""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT

PROBE = r"""
import json, sys
from grader.course.ex01_conv2d import checks as ex01
from grader.course.ex09_sgd import checks as ex09
from grader.checking import st
from grader.checking.deferred import Deferred, build
from grader.checking.strategies import small_ints

loaded = "hypothesis" in sys.modules
recipes = {
    "composite": ex01.cases(stride=None, padding=0).filter(lambda c: c.get("stride", 1) > 1),
    "flatmap": st.tuples(st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple).flatmap(small_ints),
                         st.sampled_from((0.1, 0.3))),
}
deferred = all(isinstance(r, Deferred) for r in recipes.values())

from hypothesis import given, seed, settings, strategies as hst
from hypothesis.extra.numpy import arrays as harrays
import numpy as np

direct = {
    "composite": hst.composite(ex01.cases.__wrapped__)(stride=None, padding=0).filter(
        lambda c: c.get("stride", 1) > 1),
    "flatmap": hst.tuples(hst.lists(hst.integers(1, 3), min_size=1, max_size=3).map(tuple).flatmap(
        lambda shape: harrays(np.int64, shape, elements=hst.integers(-4, 4)).map(lambda a: a.astype(np.float64))),
        hst.sampled_from((0.1, 0.3))),
}

def draws(strategy):
    seen = []
    @seed(7)
    @settings(max_examples=30, database=None, deadline=None)
    @given(strategy)
    def run(case):
        seen.append(repr(case))
    run()
    return seen

same = {name: draws(build(recipes[name])) == draws(direct[name]) for name in recipes}
print(json.dumps({"loaded_with_checks": loaded, "deferred": deferred, "same": same}))
"""


def test_checks_load_without_hypothesis_and_build_the_same_strategies():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300, cwd=ROOT)
    data = json.loads(out.stdout.strip().splitlines()[-1]) if out.stdout.strip() else out.stderr[-3000:]
    assert data == {"loaded_with_checks": False, "deferred": True, "same": {"composite": True, "flatmap": True}}, data
