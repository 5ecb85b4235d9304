"""Attack class 9 of issue 11, starving a classmate: time budgets count the student's CPU time, so forty spinning
processes in one student's cage cannot push a slow but correct classmate past their budgets.

One small class, graded as a batch with two workers: the attacker forks 40 spinners on every call (they burn the
attacker's own CPU budget); the classmate is correct but slow, and needs most of its budgets (3 of 4 CPU seconds to
load, 1.2 of 1.5 for its first call). Budgets are scaled down through the overrides so that the whole test takes
seconds; nothing is timed, only verdicts are asserted. Root only, like tests/test_hostile.py: the cage's cgroup (CPU
shares) keeps the spinners to their own share of the machine; without it, only the wall-clock safety net bounds them.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import solution_source

pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="needs root: the spinners are only kept to their share of the machine by the cage's cgroup")

OVERRIDES = {"call_seconds": 1.5, "load_seconds": 4.0, "time_budget": 8.0}

BURN = '''
import time as _time


def _burn(seconds):
    """Use ``seconds`` of this process's CPU time (however long that takes on a busy machine)."""
    t0 = _time.process_time()
    while _time.process_time() - t0 < seconds:
        pass


_burn(3.0)          # a slow import: 3 of the 4 CPU seconds loading may take
_FIRST = [True]
'''

SLOW_FIRST_CALL = '''
def conv2d(image, kernel, stride=1, padding=0):
    if _FIRST:
        _FIRST.clear()
        _burn(1.2)  # a slow first call: 1.2 of its 1.5 CPU seconds
    return _conv2d(image, kernel, stride, padding)
'''

SPINNERS = '''import os
import time
import numpy as np


def conv2d(image, kernel, stride=1, padding=0):
    for _ in range(40):
        try:
            if os.fork() == 0:
                while True:
                    pass
        except OSError:
            break
    while True:
        time.sleep(1)
'''


@pytest.fixture(scope="module")
def starving_batch():
    from grader.classroom.batch import run_batch

    base = Path(tempfile.mkdtemp(prefix="grade-starving-"))
    subs, out = base / "class", base / "out"
    reference = solution_source(1)
    sources = {"aa_spinners": SPINNERS,
               "ab_slow_classmate": reference.replace("def conv2d(", "def _conv2d(") + BURN + SLOW_FIRST_CALL}
    for name, source in sources.items():
        folder = subs / name
        folder.mkdir(parents=True)
        (folder / "ex01_conv2d.py").write_text(source)
    for path in [base, subs, *subs.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    report = run_batch(subs, out, jobs=2, exercises=(1,), overrides=OVERRIDES, progress=False)
    rows = {json.loads(line)["student"]: json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()}
    yield {"report": report, "rows": rows}
    shutil.rmtree(base, ignore_errors=True)


def test_a_slow_classmate_keeps_full_marks_beside_forty_spinners(starving_batch):
    row = starving_batch["rows"]["ab_slow_classmate"]
    assert not starving_batch["report"].interrupted
    assert row["score"] == row["max_score"] == 12, (row["result"]["message"],
                                                    [c["message"] for c in row["result"]["checks"]])


def test_the_spinners_burn_their_own_cpu_budget_and_score_zero(starving_batch):
    row = starving_batch["rows"]["aa_spinners"]
    messages = [c["message"] for c in row["result"]["checks"] if not c["passed"]]
    assert row["score"] == 0, messages
    # the first call ends on its CPU budget ("used 1.5 s of CPU time, budget 1.5 s"), not on the wall clock
    assert "of CPU time, budget 1.5 s" in messages[0], messages
