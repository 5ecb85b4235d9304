"""`grade github-classroom build --out DIR`: a GitHub Classroom assignment repository, and the step that grades it.

DIR gets the student kit (:mod:`grader.classroom.kit`: the exercise stubs and the grader, no solutions) and
``.github/workflows/classroom.yml``, laid out like the workflow GitHub Classroom generates for its own autograding
tests: named "Autograding Tests", one job ``run-autograding-tests`` (the check run the reporter posts the points on),
triggered on push, ``permissions: checks: write``. Its steps set up Python 3.11, install CPU-only torch (from the
PyTorch CPU wheel index, at the kit's pin) and the repository's package, run ``grade github-classroom report`` on the
student's ``exercises/``, and hand the results to ``classroom-resources/autograding-grading-reporter@v1``.

What the reporter reads (its ``src/main.js`` and ``src/notify-classroom.js``): for each name in its ``runners`` input
an environment variable ``<NAME>_RESULTS`` holding base64-encoded JSON ``{"version": 1, "status": "pass"|"fail"|
"error", "max_score": M, "tests": [{"name", "status", "score", "message", "test_code", "filename", "line_no",
"duration"}]}`` -- what the Classroom grader actions write as their ``result`` output. It adds up the ``score`` of
every test of every runner that has a ``max_score``, and the ``max_score`` values, and writes ``Points X/Y`` on the
job's check run, where GitHub Classroom reads the grade. Here each exercise is one runner (``ex01`` ...) with the
exercise's points as ``max_score`` and one test per check, scored with the check's points, so the grade is the same
partial credit ``grade all --json`` gives. :func:`report` writes one ``exNN=<base64>`` line per exercise into
``$GITHUB_OUTPUT`` (the step outputs the reporter's ``env`` reads), and always writes every line: an exercise the
grader could not grade is reported as an error with 0 points.
"""
from __future__ import annotations

import base64
import json
import math
import os
import sys
import traceback
from pathlib import Path

from grader import course
from grader.classroom import kit
from grader.paths import COURSE_ROOT

WORKFLOW_PATH = ".github/workflows/classroom.yml"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
MESSAGE_CHARS = 4000

_WORKFLOW = """\
# Written by `grade github-classroom build`: GitHub Classroom autograding for the CNN course exercises.
# Each exercise is one runner (ex01, ...) whose tests are its checks, scored with their points; the reporter adds
# them up and posts "Points X/Y" on this job's check run, where GitHub Classroom reads the grade.
name: Autograding Tests
'on':
- push
- workflow_dispatch
- repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: __TIMEOUT__
    steps:
    - name: Checkout code
      uses: actions/checkout@v4
    - name: Set up Python 3.11
      uses: actions/setup-python@v5
      with:
        python-version: '3.11'
    - name: Install the grader (CPU-only torch)
      run: |
        python -m pip install --upgrade pip
        python -m pip install --index-url __CPU_INDEX__ "__TORCH__"
        python -m pip install .
    - name: Grade the exercises
      id: grade
      run: grade github-classroom report --exercises __EXERCISES__
    - name: Autograding Reporter
      uses: __REPORTER__
      env:
__ENV__
      with:
        runners: __RUNNERS__
"""


def runner_id(number: int) -> str:
    return f"ex{number:02d}"


def workflow_yaml(exercises: tuple[int, ...], *, root: Path = COURSE_ROOT) -> str:
    """The workflow file's text for these exercises."""
    numbers = [int(n) for n in exercises]
    env = "\n".join(f'        {runner_id(n).upper()}_RESULTS: "${{{{ steps.grade.outputs.{runner_id(n)} }}}}"'
                    for n in numbers)
    # installing torch takes a few minutes; then each exercise may run up to its wall-clock safety net (its CPU-time
    # budget times the wall factor: a slow runner shared with others), which the job's timeout must not cut short
    net = sum(ex.limits.wall_factor * ex.time_budget for ex in map(course.get, numbers))
    timeout = max(20, 15 + math.ceil(net / 60))
    return (_WORKFLOW.replace("__TIMEOUT__", str(timeout)).replace("__CPU_INDEX__", CPU_INDEX)
            .replace("__TORCH__", kit.torch_requirement(root)).replace("__REPORTER__", REPORTER)
            .replace("__EXERCISES__", ",".join(map(str, numbers))).replace("__ENV__", env)
            .replace("__RUNNERS__", ",".join(runner_id(n) for n in numbers)))


def build(out: Path, *, exercises: tuple[int, ...] | None = None, force: bool = False,
          root: Path = COURSE_ROOT) -> list[str]:
    """Write the assignment repository into ``out`` (the kit, then the workflow); refuses a non-empty ``out``
    unless ``force`` (raises :class:`grader.classroom.kit.KitError`). Returns the paths written."""
    numbers = tuple(exercises or (ex.number for ex in course.EXERCISES))
    written = kit.build_kit(out, force=force, root=root)
    target = Path(out) / WORKFLOW_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(workflow_yaml(numbers, root=root))
    return [*written, WORKFLOW_PATH]


# -- the grading step ----------------------------------------------------------------------------------------------
def _clip(text: str) -> str:
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS - 20] + "\n... (shortened)"


def runner_result(result) -> dict:
    """One exercise as the reporter reads a runner's result: one test per check, scored with its points."""
    tests = []
    for i, check in enumerate(result.checks):
        lines = [result.message] if result.message else []
        lines += result.failure_lines(check)
        if not check.passed and i == 0 and result.hint:
            lines.append(f"hint: {result.hint} (more: grade hint {result.number})")
        tests.append({"name": f"Exercise {result.number}: {check.name}", "status": "pass" if check.passed else "fail",
                      "score": check.points, "message": _clip("\n".join(lines)),
                      "test_code": f"grade exercise {result.number}", "filename": f"exercises/{result.file}",
                      "line_no": 0, "duration": round(check.seconds * 1000)})
    return {"version": 1, "status": "pass" if result.passed else "fail", "max_score": result.max_score,
            "tests": tests}


def error_result(ex, message: str) -> dict:
    """An exercise the grader itself could not grade: 0 points, status error, the reason shown."""
    return {"version": 1, "status": "error", "max_score": ex.points,
            "tests": [{"name": f"Exercise {ex.number}: {c.name}", "status": "error", "score": 0,
                       "message": _clip(message), "test_code": f"grade exercise {ex.number}",
                       "filename": f"exercises/{ex.file}", "line_no": 0, "duration": 0} for c in ex.checks]}


def encode(result: dict) -> str:
    return base64.b64encode(json.dumps(result, separators=(",", ":")).encode()).decode("ascii")


def report(path, exercises: tuple[int, ...], *, output: Path | None = None, console=None) -> dict[int, dict]:
    """Grade ``exercises`` in the student's folder, show each result, and write ``exNN=<base64>`` lines to
    ``output`` (appended, as $GITHUB_OUTPUT wants) or print them. Every exercise gets a line, whatever happens."""
    from grader import locate, report as render
    from grader.grading import grade_exercise

    out = console or render.console()
    results: dict[int, dict] = {}
    try:
        folder = locate.exercises_dir(path)
    except locate.NotFound as exc:
        folder, problem = None, f"the grader found no exercises: {exc}"
    for n in exercises:
        ex = course.get(n)
        if folder is None:
            results[n] = error_result(ex, problem)
            continue
        try:
            result = grade_exercise(ex, folder)
        except Exception as exc:  # noqa: BLE001 - the reporter must get every runner's line
            traceback.print_exc()
            results[n] = error_result(ex, f"internal grader error: {type(exc).__name__}: {exc}; tell the course "
                                          "staff (this is not your fault)")
            continue
        render.render_exercise(result, out)
        results[n] = runner_result(result)
    lines = "".join(f"{runner_id(n)}={encode(r)}\n" for n, r in results.items())
    if output is not None:
        with open(output, "a", encoding="utf-8") as fh:
            fh.write(lines)
    else:
        sys.stdout.write(lines)
    total = sum(t["score"] for r in results.values() for t in r["tests"])
    out.print(f"\n[bold]Points {total}/{sum(r['max_score'] for r in results.values())}[/]")
    return results


def github_output() -> Path | None:
    """$GITHUB_OUTPUT, the file a step's outputs are appended to, when running in GitHub Actions."""
    value = os.environ.get("GITHUB_OUTPUT")
    return Path(value) if value else None
