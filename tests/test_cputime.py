"""The CPU-time clock of the budgets (grader/sandbox/cputime.py) and the sandbox's two time messages: a spinning
call ends on its CPU budget, a sleeping one on the wall-clock safety net. Verdicts only; nothing is timed."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from grader.sandbox import cputime
from grader.sandbox.client import Sandbox, SandboxFailure
from grader.sandbox.limits import Limits

pytestmark = pytest.mark.skipif(not cputime.available(), reason="needs a Linux /proc")

SPIN = "import os\nif os.fork() == 0:\n    while True:\n        pass\nos.wait()\n"


def _run_out(budget: cputime.Budget) -> cputime.Exceeded:
    while True:
        try:
            time.sleep(budget.wait())
        except cputime.Exceeded as over:
            return over


def test_the_tree_counts_a_spinning_grandchild():
    proc = subprocess.Popen([sys.executable, "-c", SPIN])
    try:
        over = _run_out(cputime.Budget(0.3, 60.0, lambda: cputime.tree_seconds(proc.pid)))
    finally:
        proc.kill()
        proc.wait()
    assert over.clock == "cpu" and over.used > 0.3


def test_a_sleeping_tree_ends_on_the_wall_clock_net():
    proc = subprocess.Popen(["sleep", "60"])
    try:
        over = _run_out(cputime.Budget(5.0, 0.5, lambda: cputime.tree_seconds(proc.pid)))
    finally:
        proc.kill()
        proc.wait()
    assert over.clock == "wall" and over.limit == 0.5


def test_without_a_cpu_clock_the_budget_is_wall_clock_time():
    over = _run_out(cputime.Budget(0.2, 10.0, lambda: None))
    assert over.clock == "wall" and over.limit == 0.2


def test_a_gone_process_has_no_cpu_time():
    proc = subprocess.Popen(["true"])
    proc.wait()
    assert cputime.tree_seconds(proc.pid) is None


# The spinner's safety net is wide (20 s): on a loaded machine it may get a small share of a core, and it must still
# run out of CPU time first.
@pytest.mark.parametrize("body, wall_factor, needle", [
    ("    while True:\n        pass\n", 40.0, "s of CPU time, budget 0.5 s"),
    ("    import time\n    time.sleep(100)\n", 4.0, "did not finish within 2 s of wall-clock time"),
])
def test_the_sandbox_says_which_budget_ran_out(tmp_path, body, wall_factor, needle):
    path = tmp_path / "ex01_conv2d.py"
    path.write_text("def conv2d(image, kernel, stride=1, padding=0):\n" + body)
    with Sandbox(path, ("conv2d",), Limits(call_seconds=0.5, wall_factor=wall_factor)) as box:
        assert box.load().ok, box.load().describe()
        with pytest.raises(SandboxFailure) as info:
            box.call("conv2d", 1, 2)
    assert info.value.kind == "timeout" and needle in str(info.value), str(info.value)


class _Box:
    """A student box that has used ``cpu`` seconds of CPU time."""

    def __init__(self, cpu):
        self.cpu = cpu

    def cpu_used(self):
        return self.cpu

    def load(self):
        from grader.sandbox.client import LoadResult

        return LoadResult(True, ("conv2d",))

    def call(self, fn, *args, **kwargs):
        return 0


@pytest.mark.parametrize("cpu, ago, needle", [
    (31.2, 20.0, "used 31.2 s of CPU time, budget 30 s"),
    (1.0, 130.0, "130 s of wall-clock time, the safety net of 4x its 30 s CPU budget"),
    (None, 31.0, "31.0 s, budget 30 s"),     # no CPU clock: the budget is wall-clock time
])
def test_the_exercise_budget_says_what_ran_out(cpu, ago, needle):
    from grader.checking.student import Abort, Student

    student = Student(_Box(cpu), 1, budget=30.0, wall_factor=4.0)
    student.started -= ago
    with pytest.raises(Abort) as info:
        student.call("conv2d", 1)
    failure = info.value.failure
    assert failure.kind == "budget" and "time budget ran out" in failure.summary and needle in failure.summary, \
        failure.summary


def test_the_exercise_budget_is_not_spent_by_waiting():
    from grader.checking.student import Student

    student = Student(_Box(12.0), 1, budget=30.0, wall_factor=4.0)
    student.started -= 100.0     # a busy machine: 100 s of wall-clock time, 12 s of CPU time
    assert student.call("conv2d", 1) == 0
