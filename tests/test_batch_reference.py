"""Batch mode grades exactly like `grade exercise N`: every reference solution keeps full marks in the confined
sandbox (zygote fork, private workspace, and as root a dropped uid and a chroot), and every stub is 'not
implemented'. Generic over the course: a new exercise that needs a file the chroot hides fails here."""
from __future__ import annotations

import json

from conftest import EXERCISES, SOLUTIONS
from grader import course
from grader.classroom.batch import run_batch


def _gradable():
    return [ex for ex in course.EXERCISES
            if ex.checks and (SOLUTIONS / ex.file).is_file() and ex.time_budget <= 60 and ex.limits.memory_mb]


def test_references_get_full_marks_and_stubs_none_in_batch_mode(tmp_path):
    exercises = _gradable()
    subs = tmp_path / "subs"
    for who, source in (("reference", SOLUTIONS), ("stub", EXERCISES)):
        folder = subs / who / "exercises"
        folder.mkdir(parents=True)
        for ex in exercises:
            if (source / ex.file).is_file():
                (folder / ex.file).write_bytes((source / ex.file).read_bytes())
    report = run_batch(subs, tmp_path / "out", jobs=2, exercises=tuple(ex.number for ex in exercises),
                       progress=False)
    rows = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    wrong = {r["exercise"]: (r["status"], r["result"]["message"], [c["message"] for c in r["result"]["checks"]
                                                                   if not c["passed"]][:2])
             for r in rows if r["student"] == "reference" and r["score"] != r["max_score"]}
    assert not wrong, wrong
    stubs = {r["exercise"]: r["status"] for r in rows if r["student"] == "stub"}
    assert all(status in ("not implemented", "missing") for status in stubs.values()), stubs
    assert report.graded == 2 * len(exercises) - list(stubs.values()).count("missing")
