"""`grade gradescope build`: the zip's run_autograder grades a simulated /autograder tree and always leaves a
results.json in Gradescope's schema."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import notebook, solution_source
from grader.cli import cli

TEST_KEYS = {"name", "number", "score", "max_score", "status", "output", "visibility"}


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("gs") / "autograder.zip"
    result = CliRunner().invoke(cli, ["gradescope", "build", "--out", str(out), "--exercises", "1"])
    assert result.exit_code == 0, result.output
    return out


def _tree(tmp_path: Path, zip_path: Path, files: dict[str, bytes | str]) -> Path:
    """A simulated /autograder: source/ (the zip, as Gradescope unpacks it), run_autograder, submission/."""
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
    (root / "run_autograder").write_bytes((root / "source" / "run_autograder").read_bytes())
    os.chmod(root / "run_autograder", 0o755)
    for rel, data in files.items():
        path = root / "submission" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return root


def _run(root: Path, **env) -> dict:
    subprocess.run(["bash", str(root / "run_autograder")], check=True, timeout=300, capture_output=True,
                   env={**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable, **env})
    return json.loads((root / "results" / "results.json").read_text())


def test_the_zip_ships_the_grader_without_solutions(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as zf:
        names = zf.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
        config = json.loads(zf.read("gradescope.json"))
    assert {"setup.sh", "run_autograder", "grader/__init__.py", "grader/sandbox/student_process.py",
            "pyproject.toml"} <= set(names)
    assert not any(n.startswith(("solutions", "tests")) or "/solutions/" in n for n in names)
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
    assert config["exercises"] == [1]


def test_run_autograder_grades_a_submission(tmp_path, autograder_zip):
    root = _tree(tmp_path, autograder_zip, {"course/exercises/ex01_conv2d.py": solution_source(1)})
    data = _run(root)
    assert data["score"] == 12 and len(data["tests"]) == 6
    for test in data["tests"]:
        assert TEST_KEYS <= set(test) and test["status"] == "passed" and test["score"] == test["max_score"]
    assert data["extra_data"]["grader_root"] == str(root / "source")   # the zip's grader, not this checkout


def test_a_crashing_hostile_submission_still_gets_a_results_file(tmp_path, autograder_zip):
    root = _tree(tmp_path, autograder_zip, {"ex01_conv2d.py": f'''
import ctypes, json, os
for path in ({str(tmp_path / "autograder" / "results" / "results.json")!r}, "/autograder/results/results.json"):
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            json.dump({{"score": 1000, "tests": []}}, fh)
    except OSError:
        pass
print("score: 1000")
ctypes.string_at(0)
'''})
    data = _run(root)
    assert data["score"] == 0 and len(data["tests"]) == 6
    assert all(t["status"] == "failed" and t["score"] == 0 for t in data["tests"])
    assert "SIGSEGV" in data["tests"][0]["output"]


def test_missing_files_and_a_broken_runner_still_give_results(tmp_path, autograder_zip):
    root = _tree(tmp_path, autograder_zip, {"README.txt": "forgot the code"})
    data = _run(root)
    assert data["score"] == 0 and all(t["status"] == "failed" for t in data["tests"])
    assert "not found" in data["tests"][0]["output"]
    (root / "results" / "results.json").unlink()
    (root / "source" / "gradescope.json").write_text("{ not json")        # the runner itself fails
    data = _run(root)
    assert data["score"] == 0 and "autograder failed" in data["output"]
    data = _run(root, AUTOGRADER_PYTHON="/bin/false")                      # Python cannot even start
    assert data["score"] == 0 and "could not run" in data["output"]


def test_run_autograder_grades_a_notebook_submission(tmp_path, autograder_zip):
    """A Colab notebook holding conv2d (next to magics and demo code) is graded like the .py file."""
    root = _tree(tmp_path, autograder_zip, {"hw1.ipynb": notebook(
        "!pip install numpy\nimport numpy as np", solution_source(1), "print(conv2d(np.eye(3), np.ones((2, 2))))")})
    data = _run(root)
    assert data["score"] == 12 and all(t["status"] == "passed" for t in data["tests"])
    assert "hw1.ipynb" in data["output"] and "pip install numpy" in data["output"]


def test_the_autograder_grades_on_hidden_inputs_it_keeps_outside_the_grader_package(tmp_path, autograder_zip):
    from grader.checking.replay import secret_id

    with zipfile.ZipFile(autograder_zip) as zf:
        config = json.loads(zf.read("gradescope.json"))
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
    assert config["secret"] and (autograder_zip.parent / "inputs-secret.txt").read_text().strip() == config["secret"]
    hidden = [n for n in modes if secret_id(config["secret"]) in n]
    assert hidden and all(n.startswith("hidden-replay/") and modes[n] & 0o077 == 0 for n in hidden)
    assert modes["gradescope.json"] & 0o077 == 0
    data = _run(_tree(tmp_path, autograder_zip, {"ex01_conv2d.py": solution_source(1)}))
    assert data["score"] == 12 and "hidden inputs" in data["output"]
