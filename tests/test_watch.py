"""`grade watch`: a real file change in a temporary folder regrades, a pass moves on, Ctrl-C leaves cleanly (no
traceback, no process left); which exercise a save concerns, and the order exercises come in."""
from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console

from conftest import EXERCISES, notebook, solution_source
from grader import course, watch
from grader.results import FAILED, PASSED, CheckResult, ExerciseResult

WAIT = 120   # seconds to wait for an expected line before the test fails (a generous bound, not a measurement)


@pytest.fixture
def student(tmp_path):
    """A student's course folder (all stubs), and a private TMPDIR where every sandbox workspace of `grade` goes."""
    folder = tmp_path / "course" / "exercises"
    shutil.copytree(EXERCISES, folder)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    return folder, tmp


class Watching:
    """`grade watch ARGS` as a real process; its output collected line by line."""

    def __init__(self, args, tmp: Path, cache: Path):
        grade = Path(sys.executable).parent / "grade"
        cmd = [str(grade)] if grade.exists() else [sys.executable, "-m", "grader.cli"]
        env = {**os.environ, "TMPDIR": str(tmp), "XDG_CACHE_HOME": str(cache), "PYTHONUNBUFFERED": "1",
               "COLUMNS": "200"}
        self.proc = subprocess.Popen([*cmd, "watch", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=env)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, count: int = 1, then=None) -> None:
        """Until ``text`` appears ``count`` times; ``then()`` is called every 3 s meanwhile (e.g. to save again)."""
        deadline, nudge = time.monotonic() + WAIT, time.monotonic() + 3
        while self.output.count(text) < count:
            assert self.proc.poll() is None or self.output.count(text) >= count, self.output
            assert time.monotonic() < deadline, f"never saw {text!r}:\n{self.output}"
            if then is not None and time.monotonic() > nudge:
                then()
                nudge = time.monotonic() + 3
            time.sleep(0.05)

    def interrupt(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=WAIT)
        self._reader.join(timeout=10)
        return code


def processes_in(tmp: Path) -> list[int]:
    """Processes whose working folder is under ``tmp`` (every student process of `grade` runs in a workspace
    there)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if cwd.startswith(str(tmp)):
            found.append(int(pid))
    return found


def test_saving_regrades_a_pass_moves_on_and_ctrl_c_leaves_cleanly(student, tmp_path):
    folder, tmp = student
    target = folder / "ex01_conv2d.py"
    w = Watching(["1", "--path", str(folder.parent)], tmp, tmp_path / "cache")
    w.wait_for("save it to grade exercise 1 again")
    assert "Exercise 1: Convolution by hand (ex01_conv2d.py) not implemented" in w.output
    target.write_text(solution_source(1))                              # the student saves their solution
    w.wait_for("On to exercise 2.", then=lambda: target.write_text(solution_source(1)))
    assert "Exercise 1: Convolution by hand (ex01_conv2d.py) passed -- 12/12 points" in w.output
    w.wait_for("save it to grade exercise 2 again")                    # exercise 2 graded at once: what to do next
    assert "Course progress: 12/" in w.output and "next: exercise 2 (ex02_output_size.py)" in w.output
    assert w.interrupt() == 0
    assert "Stopped watching." in w.output and "Traceback" not in w.output
    assert processes_in(tmp) == []


def test_ctrl_c_during_a_grading_kills_the_student_process(student, tmp_path):
    folder, tmp = student
    (folder / "ex01_conv2d.py").write_text("while True:\n    pass\n")  # loads forever
    w = Watching(["1", "--path", str(folder.parent)], tmp, tmp_path / "cache")
    w.wait_for("grading exercise 1...")
    deadline = time.monotonic() + WAIT
    while not processes_in(tmp):                                       # the student process is running
        assert time.monotonic() < deadline and w.proc.poll() is None, w.output
        time.sleep(0.05)
    assert w.interrupt() == 0
    assert "Stopped watching." in w.output and "Traceback" not in w.output
    assert processes_in(tmp) == []


def test_which_exercise_a_save_concerns(student):
    folder, _ = student
    (folder / "hw2.ipynb").write_bytes(notebook("import numpy as np", "def conv_forward(x, w, b):\n    return x"))
    saved = lambda *names: {(folder / n).resolve() for n in names}  # noqa: E731
    assert watch.changed_exercise(folder, 1, saved("hw2.ipynb")) == 4             # the notebook holds exercise 4
    assert watch.changed_exercise(folder, 4, saved("hw2.ipynb", "ex01_conv2d.py")) == 4   # the current one first
    assert watch.changed_exercise(folder, 4, saved("ex01_conv2d.py")) == 1
    assert watch.changed_exercise(folder, 4, saved("notes.py", "ex04_conv_forward.py")) is None  # not graded files


def test_a_session_goes_through_the_unfinished_exercises_in_order(student):
    """Start at 3; it fails, its file is saved, it passes; then 4..10, then 1 and 2; then every exercise passes."""
    folder, _ = student
    calls = []

    def grade(ex, _folder):
        calls.append(ex.number)
        ok = ex.number != 3 or calls.count(3) > 1
        return ExerciseResult(ex.number, ex.title, ex.file, PASSED if ok else FAILED, ex.points,
                              checks=[CheckResult("all", ex.points, ok, ex.points if ok else 0)])

    out = Console(file=io.StringIO(), width=200)
    saves = [{(folder / "notes.py").resolve()}, {(folder / course.get(3).file).resolve()}]
    assert watch.run(folder, out, 3, changes=saves, grade=grade) == 0
    assert calls == [3, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2]
    text = out.file.getvalue()
    assert "edit ex03_param_count.py and save it" in text and "Every exercise passes" in text
    def failing(ex, _folder):
        return ExerciseResult(ex.number, ex.title, ex.file, FAILED, ex.points)

    with pytest.raises(KeyboardInterrupt):                  # the watcher ends: stop (as the CLI does on Ctrl-C)
        watch.run(folder, out, 3, changes=[], grade=failing)


def test_a_ctrl_c_while_the_student_process_starts_waits_until_it_is_tracked():
    """A KeyboardInterrupt raised inside subprocess.Popen would leave its child running with no one to kill it: the
    sandbox holds SIGINT back until the process is tracked, then raises it."""
    from grader.sandbox.client import _interrupt_deferred

    done = []
    with pytest.raises(KeyboardInterrupt):
        with _interrupt_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            done.append("the block finished")
    assert done == ["the block finished"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
