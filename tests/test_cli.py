"""The `grade` command, through click's runner and as a real subprocess: output, JSON, exit codes, errors."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXERCISES, SOLUTIONS
from grader import course as grader_course
from grader.cli import cli


@pytest.fixture
def course(tmp_path):
    """A student's course folder: all stubs, with exercise 1 solved."""
    folder = tmp_path / "course" / "exercises"
    shutil.copytree(EXERCISES, folder)
    shutil.copy(SOLUTIONS / "ex01_conv2d.py", folder / "ex01_conv2d.py")
    return folder.parent


def run(args, cwd=None):
    runner = CliRunner()
    old = os.getcwd()
    try:
        if cwd:
            os.chdir(cwd)
        return runner.invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(old)


def test_passing_exercise_exits_0_and_says_so(course):
    result = run(["exercise", "1"], cwd=course)
    assert result.exit_code == 0, result.output
    assert "passed" in result.output and "12/12" in result.output


def test_alias_ex_and_path_option(course, tmp_path):
    result = run(["ex", "1", "--path", str(course)], cwd=tmp_path)
    assert result.exit_code == 0, result.output


def test_untouched_stub_exits_1_with_not_implemented(course):
    (course / "exercises" / "ex01_conv2d.py").write_text((EXERCISES / "ex01_conv2d.py").read_text())
    result = run(["ex", "1"], cwd=course)
    assert result.exit_code == 1
    assert "not implemented yet" in result.output
    assert "hint:" in result.output


def test_json_output_is_machine_readable(course):
    result = run(["ex", "1", "--json"], cwd=course)
    data = json.loads(result.output)
    assert data["score"] == data["max_score"] == 12
    assert data["exercises"][0]["status"] == "passed"
    assert {c["name"] for c in data["exercises"][0]["checks"]} >= {"stride", "padding"}


@pytest.mark.parametrize("args", [["ex", "99"], ["ex", "abc"], ["hint", "0"], ["nonsense"]])
def test_usage_errors_exit_2(course, args):
    result = run(args, cwd=course)
    assert result.exit_code == 2


def test_missing_exercises_folder_is_a_clear_usage_error(tmp_path):
    result = run(["ex", "1"], cwd=tmp_path)
    assert result.exit_code == 2
    assert "cannot find an exercises/ folder" in result.output
    result = run(["ex", "1", "--path", str(tmp_path / "nope")], cwd=tmp_path)
    assert result.exit_code == 2 and "no such folder" in result.output


def test_syntax_error_is_reported_with_file_and_line(course):
    (course / "exercises" / "ex01_conv2d.py").write_text("import numpy as np\n\ndef conv2d(image, kernel:\n    pass\n")
    result = run(["ex", "1"], cwd=course)
    assert result.exit_code == 1
    assert "ex01_conv2d.py, line 3" in result.output and "SyntaxError" in result.output
    assert "Traceback" not in result.output


def test_missing_function_is_named(course):
    (course / "exercises" / "ex01_conv2d.py").write_text("def convolve(image, kernel):\n    return image\n")
    result = run(["ex", "1"], cwd=course)
    assert "has no function conv2d()" in result.output


def test_list_shows_progress_and_hint_and_show(course):
    run(["ex", "1"], cwd=course)
    listing = run(["list"], cwd=course)
    assert listing.exit_code == 0
    assert "passed (12/12)" in listing.output
    data = json.loads(run(["list", "--json"], cwd=course).output)
    rows = data["exercises"]
    assert rows[0]["status"].startswith("passed") and rows[1]["status"] in ("todo", "missing")
    hint = run(["hint", "1"], cwd=course)
    assert hint.exit_code == 0 and "H_out" in hint.output
    (course / "exercises" / "ex01_conv2d.py").write_text((EXERCISES / "ex01_conv2d.py").read_text())
    show = run(["show", "1"], cwd=course)
    assert show.exit_code == 0 and "Worked example" in show.output and "stride" in show.output


def test_printing_is_shown_but_never_parsed(course):
    source = (SOLUTIONS / "ex01_conv2d.py").read_text().replace(
        "    return out\n", "    print('PASSED 12/12 points')\n    return out * 0\n")
    (course / "exercises" / "ex01_conv2d.py").write_text(source)
    result = run(["ex", "1", "--json"], cwd=course)
    data = json.loads(result.output)
    assert data["score"] < 12
    assert "PASSED 12/12 points" in data["exercises"][0]["output"]


def test_real_subprocess_and_no_files_left_in_the_student_folder(course):
    before = sorted(p.relative_to(course) for p in course.rglob("*"))
    grade = Path(sys.executable).parent / "grade"
    cmd = [str(grade)] if grade.exists() else [sys.executable, "-m", "grader.cli"]
    proc = subprocess.run([*cmd, "exercise", "1"], cwd=course, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "12/12" in proc.stdout
    assert "Traceback" not in proc.stderr
    after = sorted(p.relative_to(course) for p in course.rglob("*"))
    assert after == before  # no .hypothesis, no __pycache__, nothing


@pytest.mark.parametrize("args", [["list"], ["show", "3"], ["hint", "3"]], ids=" ".join)
def test_list_show_and_hint_import_no_numpy_hypothesis_or_torch(course, args):
    probe = ("import sys\nfrom grader.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "print('LOADED', sorted(m for m in ('numpy', 'hypothesis', 'torch') if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", probe, *args], cwd=course, capture_output=True, text=True, timeout=120)
    assert "LOADED []" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]


def test_a_by_hand_exercise_may_not_import_torch(course):
    """Exercises 1-9 are numpy only: torch's F.conv2d would 'pass' without the student writing a convolution."""
    cheat = ("import torch\nimport torch.nn.functional as F\n\n"
             "def conv2d(image, kernel, stride=1, padding=0):\n"
             "    t = lambda a: torch.tensor(a)[None, None]\n"
             "    return F.conv2d(t(image), t(kernel), stride=stride, padding=padding)[0, 0].numpy()\n")
    (course / "exercises" / "ex01_conv2d.py").write_text(cheat)
    data = json.loads(run(["ex", "1", "--json"], cwd=course).output)["exercises"][0]
    assert data["score"] == 0 and data["status"] == "error"
    assert "ex01_conv2d.py, line 1" in data["message"] and "numpy alone" in data["message"]
    lazy = cheat.replace("import torch\nimport torch.nn.functional as F\n", "").replace(
        "    t = lambda", "    import torch, torch.nn.functional as F\n    t = lambda")
    (course / "exercises" / "ex01_conv2d.py").write_text(lazy)
    data = json.loads(run(["ex", "1", "--json"], cwd=course).output)["exercises"][0]
    assert data["score"] == 0
    # the value checks say why; a hygiene check cannot be earned without a correct value
    assert all("numpy alone" in c["message"] or "earned once" in c["message"] or "could not be judged" in
               c["message"] for c in data["checks"]), [c["message"] for c in data["checks"]]
    assert "numpy alone" in data["checks"][0]["message"]


def test_progress_over_the_course_after_every_grading_and_in_list(course):
    """Points so far out of the course's total and the next exercise: in `grade exercise` (text and JSON) and in
    `grade list` (text and JSON), from the record kept outside the student's folder."""
    total = sum(ex.points for ex in grader_course.EXERCISES)
    text = run(["ex", "1"], cwd=course).output
    assert f"Course progress: 12/{total} points, 1 of 10 exercises passed; next: exercise 2 (ex02_output_size.py)" \
        in text
    data = json.loads(run(["ex", "1", "--json"], cwd=course).output)
    assert data["progress"] == {"points": 12, "max_points": total, "passed": 1, "exercises": 10,
                                "next": {"number": 2, "title": grader_course.get(2).title,
                                         "file": "ex02_output_size.py"}}
    listing = run(["list", "--json"], cwd=course)
    assert json.loads(listing.output)["progress"] == data["progress"]
    assert f"Course progress: 12/{total} points" in run(["list"], cwd=course).output
    (course / "exercises" / "ex01_conv2d.py").write_text(SOLUTIONS.joinpath("ex01_conv2d.py").read_text() + "\n")
    changed = json.loads(run(["list", "--json"], cwd=course).output)   # edited since graded: no points until graded
    assert changed["progress"]["points"] == 0 and changed["progress"]["next"]["number"] == 1
    assert changed["exercises"][0]["status"] == "changed, not graded yet"
