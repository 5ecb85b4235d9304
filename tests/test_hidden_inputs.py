"""Hidden inputs (issue 11, attack class 3): `grade batch` and the Gradescope autograder draw every check's inputs
with a course secret, so a table of answers logged under `grade exercise` earns nothing there; the same secret gives
the same grades on every run; the feedback says hidden inputs were used; `grade exercise` is unchanged."""
from __future__ import annotations

import inspect
import json
import os
import stat

import numpy as np

from conftest import SOLUTIONS, solution_source
from grader import course
from grader.checking.student import Student
from grader.classroom import secret as course_secret
from grader.grading import grade_exercise, run_checks
from grader.reference import ReferenceBox

EX1 = course.get(1)
OVERRIDES = {"call_seconds": 3.0, "time_budget": 20.0}


_SIGNATURE = inspect.signature(lambda image, kernel, stride=1, padding=0: None)


class _Recorder(ReferenceBox):
    def __init__(self, *a):
        super().__init__(*a)
        self.table = {}

    def call(self, fn, *args, return_args=False, timeout=None, **kwargs):
        result = super().call(fn, *args, return_args=return_args, timeout=timeout, **kwargs)
        if fn == "conv2d" and isinstance(result, np.ndarray):
            bound = _SIGNATURE.bind(*args, **kwargs)
            bound.apply_defaults()
            a = bound.arguments
            image, kernel = np.asarray(a["image"], dtype=np.float64), np.asarray(a["kernel"], dtype=np.float64)
            key = (image.tobytes().hex(), str(image.shape), kernel.tobytes().hex(), str(kernel.shape), a["stride"],
                   a["padding"])
            self.table[repr(key)] = np.asarray(result, dtype=np.float64).tolist()
        return result


LOOKUP = '''import numpy as np
TABLE = {TABLE}
def conv2d(image, kernel, stride=1, padding=0):
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    key = repr((image.tobytes().hex(), str(image.shape), kernel.tobytes().hex(), str(kernel.shape), stride, padding))
    if key not in TABLE:
        if kernel.shape[0] > image.shape[0] + 2 * padding:
            raise ValueError("kernel does not fit")
        return np.zeros((1, 1))
    return np.array(TABLE[key])
'''


def _logged_table() -> dict:
    """Every (input, answer) a student meets under `grade exercise` 1, as a lookup-table submission would log."""
    box = _Recorder(SOLUTIONS / EX1.file, EX1.functions)
    run_checks(EX1, Student(box, 1, options={}, driver=None, secret=None, replay=None))
    return box.table


def test_a_table_of_local_answers_earns_nothing_on_hidden_inputs(tmp_path):
    from grader.classroom.batch import run_batch

    source = LOOKUP.replace("{TABLE}", repr(_logged_table()))
    subs = tmp_path / "subs"
    for name, text in (("honest", solution_source(1)), ("table", source)):
        (subs / name / "exercises").mkdir(parents=True)
        (subs / name / "exercises" / EX1.file).write_text(text)
    local = grade_exercise(EX1.with_limits(**dict(OVERRIDES)), subs / "table" / "exercises", replays=False)
    assert local.score >= 8, [(c.name, c.message) for c in local.checks]   # the table works on local inputs
    out = tmp_path / "out"
    run_batch(subs, out, jobs=1, exercises=(1,), progress=False, overrides=dict(OVERRIDES), secret="course-2026")
    rows = {json.loads(line)["student"]: json.loads(line) for line in (out / "results.jsonl").open()}
    assert rows["honest"]["score"] == 12
    table = rows["table"]
    # only what does not depend on drawn inputs survives: the slide's pinned examples (public anyway) and the
    # hygiene checks they unlock; every check on generated inputs fails
    assert table["score"] < local.score and table["score"] <= 4, [c["message"] for c in table["result"]["checks"]]
    assert not any(c["passed"] for c in table["result"]["checks"] if "random" in c["name"])
    assert any("hidden inputs" in n for n in rows["honest"]["result"]["notes"])
    assert "hidden inputs" in (out / "feedback" / "honest.md").read_text()


def test_the_secret_is_written_once_privately_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv(course_secret.ENV, raising=False)
    first, where = course_secret.resolve(None, tmp_path)
    assert where == str(tmp_path / course_secret.FILE_NAME)
    assert stat.S_IMODE(os.stat(where).st_mode) == 0o600
    assert course_secret.resolve(None, tmp_path)[0] == first
    monkeypatch.setenv(course_secret.ENV, "from-env")
    assert course_secret.resolve(None, tmp_path) == ("from-env", "environment")
    assert course_secret.resolve("given", tmp_path) == ("given", "option")


def test_the_same_secret_gives_the_same_grades_and_a_new_one_regrades(tmp_path):
    from grader.classroom.batch import run_batch

    subs = tmp_path / "subs"
    (subs / "ann").mkdir(parents=True)
    (subs / "ann" / EX1.file).write_text(solution_source(1).replace("stride", "stride * 1"))
    out = tmp_path / "out"
    first = run_batch(subs, out, jobs=1, exercises=(1,), progress=False, overrides=dict(OVERRIDES), secret="s1")
    again = run_batch(subs, out, jobs=1, exercises=(1,), progress=False, overrides=dict(OVERRIDES), secret="s1")
    assert first.graded == 1 and again.graded == 0 and again.skipped == 1
    other = run_batch(subs, out, jobs=1, exercises=(1,), progress=False, overrides=dict(OVERRIDES), secret="s2")
    assert other.graded == 1
