"""The weaker sandbox (what a non-root TA gets): no privilege drop, no chroot, still private copies and workspaces.

Simulated with GRADER_SANDBOX_UID=none, GRADER_SANDBOX_CHROOT=none and GRADER_SANDBOX_CAGE=none, so it also runs for non-root developers.
Grades must not change; `import solutions` must still fail (the repository root is never on the student's path);
the batch says plainly that the isolation is weaker.
"""
from __future__ import annotations

import json

from conftest import solution_source
from grader.classroom.batch import run_batch

SNEAKY = '''import numpy as np
def conv2d(image, kernel, stride=1, padding=0):
    import solutions.ex01_conv2d as sol
    return sol.conv2d(image, kernel, stride, padding)
'''


def test_weaker_sandbox_grades_the_same_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_SANDBOX_UID", "none")
    monkeypatch.setenv("GRADER_SANDBOX_CHROOT", "none")
    monkeypatch.setenv("GRADER_SANDBOX_CAGE", "none")
    subs = tmp_path / "subs"
    for name, source in (("honest", solution_source(1)), ("sneaky", SNEAKY)):
        (subs / name).mkdir(parents=True)
        (subs / name / "ex01_conv2d.py").write_text(source)
    report = run_batch(subs, tmp_path / "out", jobs=1, exercises=(1,), progress=False,
                       overrides={"call_seconds": 2.0, "time_budget": 8.0})
    rows = {json.loads(l)["student"]: json.loads(l) for l in (tmp_path / "out" / "results.jsonl").open()}
    assert rows["honest"]["score"] == 12
    assert rows["sneaky"]["score"] == 0
    assert "No module named 'solutions'" in rows["sneaky"]["result"]["checks"][0]["message"]
    assert "NO privilege drop" in report.isolation and "no chroot" in report.isolation
    assert "NO namespaces" in report.isolation
