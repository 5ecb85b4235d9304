"""`grade github-classroom build`: the assignment repository, its workflow (parsed as YAML), the grading step run as
the workflow runs it on a copy of the exercises, and the points GitHub Classroom's reporter would compute from its
outputs -- equal to `grade all --json`."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import SOLUTIONS, mutate, solution_source
from grader import course
from grader.classroom import github_classroom
from grader.cli import cli

BIN = Path(sys.executable).parent          # the venv's bin: `python` and `grade`, as setup-python + pip give them


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    out = tmp_path_factory.mktemp("gc") / "assignment"
    result = CliRunner().invoke(cli, ["github-classroom", "build", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def workflow(repo: Path) -> dict:
    return yaml.safe_load((repo / github_classroom.WORKFLOW_PATH).read_text())


def steps(repo: Path) -> list[dict]:
    return workflow(repo)["jobs"]["run-autograding-tests"]["steps"]


def test_the_repository_is_the_kit_plus_a_classroom_workflow(repo):
    assert (repo / "exercises" / "ex01_conv2d.py").is_file() and (repo / "pyproject.toml").is_file()
    assert not any("solutions" in p.parts for p in repo.rglob("*"))
    flow = workflow(repo)
    assert flow["name"] == "Autograding Tests" and "push" in flow["on"]
    assert flow["permissions"]["checks"] == "write"
    job = flow["jobs"]["run-autograding-tests"]      # the check run the reporter writes "Points X/Y" on
    assert job["runs-on"] == "ubuntu-latest" and "github-classroom[bot]" in job["if"]
    by_name = {s.get("uses", "").split("@")[0]: s for s in job["steps"] if "uses" in s}
    assert by_name["actions/setup-python"]["with"]["python-version"] == "3.11"
    install = next(s["run"] for s in job["steps"] if "pip install" in s.get("run", ""))
    assert "--index-url https://download.pytorch.org/whl/cpu" in install and '"torch==2.13.0"' in install
    assert "pip install ." in install
    reporter = by_name["classroom-resources/autograding-grading-reporter"]
    runners = reporter["with"]["runners"].split(",")
    assert runners == [f"ex{ex.number:02d}" for ex in course.EXERCISES]
    assert reporter["env"] == {f"{r.upper()}_RESULTS": f"${{{{ steps.grade.outputs.{r} }}}}" for r in runners}


def test_the_repository_is_an_installable_package(repo, tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(repo, copy)
    run = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index",
                          "--no-build-isolation", "--quiet", str(copy)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]


def reporter_points(repo: Path, outputs: dict[str, str]) -> tuple[int, int, dict[str, dict]]:
    """What autograding-grading-reporter computes: each runner's <RUNNER>_RESULTS env var, base64 JSON; the sum of
    every test's score over runners with a max_score, and the sum of those max_scores ("Points X/Y")."""
    reporter = next(s for s in steps(repo) if "autograding-grading-reporter" in s.get("uses", ""))
    env = {k: re.sub(r"\$\{\{\s*steps\.grade\.outputs\.(\w+)\s*\}\}", lambda m: outputs[m[1]], v)
           for k, v in reporter["env"].items()}
    results = {r.strip(): json.loads(base64.b64decode(env[f"{r.strip().upper()}_RESULTS"]))
               for r in reporter["with"]["runners"].split(",")}
    scored = [r for r in results.values() if r.get("max_score")]
    return (sum(t["score"] for r in scored for t in r["tests"]), sum(r["max_score"] for r in scored), results)


def test_the_grading_step_reports_the_points_of_grade_all(repo, tmp_path):
    copy = tmp_path / "student"
    shutil.copytree(repo, copy)
    exercises = copy / "exercises"
    shutil.copy(SOLUTIONS / "ex01_conv2d.py", exercises)
    (exercises / "ex02_output_size.py").write_text(
        mutate(solution_source(2), "return (n + 2 * padding - span) // stride + 1", "return (n - span) // stride + 1"))
    (exercises / "ex03_param_count.py").write_text("def broken(:\n")
    (exercises / "ex05_relu_pool.py").unlink()
    grade_step = next(s for s in steps(repo) if s.get("id") == "grade")
    output = tmp_path / "github_output"
    output.write_text("")
    env = {**os.environ, "GITHUB_OUTPUT": str(output), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.run(["bash", "-e", "-c", grade_step["run"]], cwd=copy, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    total, most, results = reporter_points(repo, outputs)

    all_run = subprocess.run([str(BIN / "grade"), "all", "--json", "--path", str(copy)], capture_output=True,
                             text=True, timeout=600)
    graded = json.loads(all_run.stdout)
    assert (total, most) == (graded["score"], graded["max_score"])
    assert f"Points {total}/{most}" in run.stdout                                 # what the student sees in the log
    for ex in graded["exercises"]:
        runner = results[f"ex{ex['number']:02d}"]
        assert runner["max_score"] == ex["max_score"]
        assert [(t["score"], t["status"]) for t in runner["tests"]] == [
            (c["points"], "pass" if c["passed"] else "fail") for c in ex["checks"]]
        assert runner["status"] == ("pass" if ex["status"] == "passed" else "fail")
    partial = sum(t["score"] for t in results["ex02"]["tests"])
    assert 0 < partial < 15                                                     # partial credit, check by check
    assert all("ex05_relu_pool.py is not in" in t["message"] for t in results["ex05"]["tests"])
    assert graded["score"] >= 12 and results["ex01"]["status"] == "pass"


def test_every_runner_gets_a_result_even_when_nothing_can_be_graded(tmp_path):
    output = tmp_path / "out"
    results = github_classroom.report(tmp_path / "nowhere", (1, 2), output=output)
    lines = output.read_text().splitlines()
    assert [line.split("=")[0] for line in lines] == ["ex01", "ex02"]
    for number, result in results.items():
        assert result["status"] == "error" and result["max_score"] == course.get(number).points
        assert all(t["score"] == 0 and "found no exercises" in t["message"] for t in result["tests"])


def test_build_refuses_a_non_empty_folder_without_force(tmp_path):
    (tmp_path / "mine.txt").write_text("keep")
    runner = CliRunner()
    refused = runner.invoke(cli, ["github-classroom", "build", "--out", str(tmp_path)])
    assert refused.exit_code == 2 and "not empty" in refused.output
    forced = runner.invoke(cli, ["github-classroom", "build", "--out", str(tmp_path), "--force", "--exercises", "1-2"])
    assert forced.exit_code == 0 and (tmp_path / "mine.txt").read_text() == "keep"
    flow = workflow(tmp_path)
    assert flow["jobs"]["run-autograding-tests"]["steps"][-1]["with"]["runners"] == "ex01,ex02"


@pytest.mark.parametrize("numbers", [(1,), (10,), tuple(range(1, 11))], ids=["ex01", "ex10", "all"])
def test_the_job_timeout_outlasts_every_exercise_wall_clock_net(numbers):
    """A slow shared runner may take an exercise up to its wall-clock net (wall factor x CPU budget): the job's
    timeout must leave room for that after the install, or the student gets no result at all."""
    workflow = yaml.safe_load(github_classroom.workflow_yaml(numbers))
    minutes = next(job["timeout-minutes"] for job in workflow["jobs"].values())
    net = sum(course.get(n).limits.wall_factor * course.get(n).time_budget for n in numbers)
    assert minutes * 60 >= net + 10 * 60, (minutes, net)
