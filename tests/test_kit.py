"""`grade kit --out DIR`: the student kit has no solutions, and every exercise still grades from torch ground truth."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from click.testing import CliRunner

from conftest import ROOT, SOLUTIONS
from grader import course
from grader.cli import cli

GRADE_IN_KIT = r"""
import json, sys
import grader
from grader import course
from grader.grading import grade_exercise
numbers = [int(n) for n in sys.argv[1].split(",") if n]
results = {n: grade_exercise(course.get(n), "exercises").to_dict() for n in numbers}
try:
    import solutions  # noqa: F401
    importable = True
except ImportError:
    importable = False
files = sorted({getattr(m, "__file__", None) or "" for m in list(sys.modules.values())})
print(json.dumps({"grader": grader.__file__, "results": results, "solutions_importable": importable,
                  "modules": [f for f in files if f]}))
"""


def _gradable():
    """Exercises with checks and a reference solution, short enough for a unit test (not the training one)."""
    return [ex for ex in course.EXERCISES
            if ex.checks and (SOLUTIONS / ex.file).is_file() and ex.time_budget <= 60 and ex.limits.memory_mb]


def test_kit_refuses_a_non_empty_folder_without_force(tmp_path):
    target = tmp_path / "kit"
    target.mkdir()
    (target / "mine.txt").write_text("keep me")
    runner = CliRunner()
    refused = runner.invoke(cli, ["kit", "--out", str(target)])
    assert refused.exit_code == 2 and "--force" in refused.output
    assert sorted(p.name for p in target.iterdir()) == ["mine.txt"]
    forced = runner.invoke(cli, ["kit", "--out", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    assert (target / "mine.txt").read_text() == "keep me" and (target / "grader" / "cli.py").is_file()


def test_kit_grades_every_exercise_without_solutions(tmp_path):
    kit = tmp_path / "kit"
    result = CliRunner().invoke(cli, ["kit", "--out", str(kit)])
    assert result.exit_code == 0, result.output
    shipped = [p.relative_to(kit) for p in kit.rglob("*")]
    assert not any("solutions" in p.parts or "tests" in p.parts for p in shipped)
    assert not any(p.suffix == ".pyc" for p in shipped)
    stubs = sorted(p.name for p in (kit / "exercises").glob("ex*.py"))
    assert stubs == sorted(p.name for p in (ROOT / "exercises").glob("ex*.py"))

    gradable = _gradable()
    for ex in gradable:          # the student "solved" each exercise: the reference goes into the kit's folder
        shutil.copy(SOLUTIONS / ex.file, kit / "exercises" / ex.file)
    numbers = [ex.number for ex in gradable]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(kit)
    proc = subprocess.run([sys.executable, "-c", GRADE_IN_KIT, ",".join(map(str, numbers))], cwd=kit, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    assert data["grader"].startswith(str(kit)), data["grader"]
    assert not data["solutions_importable"]
    checkout = [str(ROOT / d) + os.sep for d in ("grader", "solutions", "exercises", "tests")]
    assert not [f for f in data["modules"] if f.startswith(tuple(checkout))]   # nothing from this checkout's code
    for n, res in data["results"].items():
        assert res["score"] == res["max_score"] > 0, (n, res["message"], [c["message"] for c in res["checks"]])
    assert "1" in data["results"]
