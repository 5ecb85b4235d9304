"""Gradescope: `grade gradescope build --out autograder.zip`, and the runner that zip calls for each submission.

The zip holds ``setup.sh`` (run once when Gradescope builds the image: Python 3.11, CPU torch, this package),
``run_autograder`` (run per submission) and the student kit (grader + exercise stubs, no solutions; see
:mod:`grader.classroom.kit`). ``run_autograder`` calls ``python -m grader.classroom.gradescope run``, which grades
``$ROOT/submission`` exactly like ``grade exercise N`` (files found at any depth up to three folders, zips
included), in the same sandbox as ``grade batch`` (forked from a zygote; as root -- Gradescope runs the autograder
as root -- each exercise file runs under an unprivileged uid, chroot'ed into an empty workspace, so it cannot write
``results.json`` or touch the grader), and writes ``$ROOT/results/results.json`` in Gradescope's schema. A results
file is always written: on any failure of the runner itself, and from the shell script if Python cannot start.

``$ROOT`` is ``/autograder`` unless ``AUTOGRADER_ROOT`` says otherwise (tests run a simulated tree in a temporary
folder); ``AUTOGRADER_PYTHON`` picks the interpreter (default: the venv that setup.sh made).
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

from grader import __version__, course, i18n
from grader.classroom import kit
from grader.files import write_atomic
from grader.paths import COURSE_ROOT

DEFAULT_ROOT = "/autograder"
CONFIG_NAME = "gradescope.json"

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this once per submission. It always leaves a results.json behind, even when grading fails.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SRC="$ROOT/source"
PY="${AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}"
if [ ! -x "$PY" ]; then PY="$(command -v python3.11 || command -v python3 || echo python3)"; fi
mkdir -p "$ROOT/results"
rm -f "$ROOT/results/results.json"
cd "$SRC" || exit 0
PYTHONPATH="$SRC" PYTHONDONTWRITEBYTECODE=1 "$PY" -B -m grader.classroom.gradescope run --root "$ROOT"
status=$?
if [ ! -s "$ROOT/results/results.json" ]; then
  printf '{"score": 0, "output": "The autograder could not run (exit status %s). This is not your fault: please tell the course staff.", "tests": [], "visibility": "visible", "stdout_visibility": "hidden"}\n' "$status" > "$ROOT/results/results.json"
fi
exit 0
"""

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image (Ubuntu, as root, with network access).
set -euxo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
if ! command -v python3.11 >/dev/null; then
  apt-get install -y --no-install-recommends python3.11 python3.11-venv \
  || { apt-get install -y --no-install-recommends software-properties-common \
       && add-apt-repository -y ppa:deadsnakes/ppa && apt-get update \
       && apt-get install -y --no-install-recommends python3.11 python3.11-venv; }
fi
apt-get install -y --no-install-recommends python3.11-venv || true
python3.11 -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
# The CPU build of torch (the default wheel would pull gigabytes of CUDA libraries).
/autograder/venv/bin/pip install --index-url https://download.pytorch.org/whl/cpu "__TORCH__"
/autograder/venv/bin/pip install /autograder/source
"""


HIDDEN_REPLAYS = "hidden-replay"   # beside the grader package, never inside it: the caged process sees the package


def build(out: Path, *, exercises: tuple[int, ...] | None = None, root: Path = COURSE_ROOT,
          secret: str | None = None) -> Path:
    """Write the autograder zip: setup.sh, run_autograder, gradescope.json and the kit (no solutions). With
    ``secret``, the autograder grades on hidden inputs: the secret goes into gradescope.json and the replay stores
    of those inputs into ``hidden-replay/`` (outside the grader package, so a student's process never sees them)."""
    out = Path(out)
    numbers = list(exercises or (ex.number for ex in course.EXERCISES))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")

    def add(zf: zipfile.ZipFile, name: str, data: bytes, mode: int) -> None:
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # fixed: the same zip on every build
        info.external_attr = (stat.S_IFREG | mode) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, data)

    with zipfile.ZipFile(tmp, "w") as zf:
        add(zf, "setup.sh", SETUP_SH.replace("__TORCH__", kit.torch_requirement(root)).encode(), 0o755)
        add(zf, "run_autograder", RUN_AUTOGRADER.encode(), 0o755)
        config = {"exercises": numbers, "version": __version__, **({"secret": secret} if secret else {})}
        if i18n.language() != i18n.ENGLISH:   # `grade gradescope build --lang zh-TW`: the feedback's language
            config["lang"] = i18n.language()
        add(zf, CONFIG_NAME, json.dumps(config, indent=2).encode(), 0o600)
        hidden = [(f"{HIDDEN_REPLAYS}/{rel.rpartition('/')[2]}", data)
                  for rel, data in kit.replay_entries([course.get(n) for n in numbers], secret)] if secret else []
        for rel, data in kit.entries(root) + kit.replay_entries([course.get(n) for n in numbers]):
            add(zf, rel, data, 0o644)
        for rel, data in hidden:
            add(zf, rel, data, 0o600)
    os.replace(tmp, out)
    return out


# -- the runner ----------------------------------------------------------------------------------------------------
def to_gradescope(results, *, notes=(), seconds: float = 0.0) -> dict:
    """Gradescope's results.json: one test per check (name, score, max_score, status, output, visibility)."""
    from grader.classroom.feedback import fence, plain
    from grader.i18n import gettext as _

    tests = []
    for r in results:
        for i, check in enumerate(r.checks, 1):
            body = []
            if r.message:
                body.append(fence(r.message))
            if not check.passed:
                text = "\n".join(r.failure_lines(check))
                if text.strip():
                    body.append(fence(text))
                if r.output.strip() and i == 1:
                    body.append(_("Your code printed (shown, never graded):") + "\n\n" + fence(r.output))
                if r.hint and i == 1:
                    body.append(_("Hint: {hint}").format(hint=_(r.hint)))
            name = _("Exercise {number}: {title}").format(number=r.number, title=_(check.name))
            tests.append({"name": name, "number": f"{r.number}.{i}",
                          "score": check.points, "max_score": check.max_points,
                          "status": "passed" if check.passed else "failed",
                          "output": "\n\n".join(body), "output_format": "md", "visibility": "visible"})
    total = sum(r.score for r in results)
    most = sum(r.max_score for r in results)
    lines = ["**" + _("Total: {score}/{max_score}").format(score=total, max_score=most) + "**", ""]
    for r in results:
        lines += ["- " + _("Exercise {number} ({title}, {file}): {status}, {score}/{max_score}").format(
            number=r.number, title=_(r.title), file=plain(r.file), status=_(r.status), score=r.score,
            max_score=r.max_score), *("  - " + _("note:") + f" {plain(n)}" for n in r.notes)]
    if notes:
        lines += ["", _("About your submission:")] + [f"- {plain(n)}" for n in notes]
    return {"score": total, "execution_time": round(seconds, 1), "output": "\n".join(lines), "output_format": "md",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests,
            "extra_data": {"grader_version": __version__, "grader_root": str(COURSE_ROOT)}}


def _failure(message: str, seconds: float) -> dict:
    return {"score": 0, "execution_time": round(seconds, 1), "visibility": "visible", "stdout_visibility": "hidden",
            "output": f"The autograder failed: {message}\n\nThis is not your fault: please tell the course staff.",
            "tests": [], "extra_data": {"grader_version": __version__, "grader_root": str(COURSE_ROOT)}}


def run(root: Path) -> dict:
    """Grade ``root/submission`` into ``root/results/results.json`` (always written); returns the results."""
    t0 = time.perf_counter()
    root = Path(root)
    out = root / "results" / "results.json"
    try:
        data = _grade(root)
    except BaseException as exc:  # noqa: BLE001 - always leave a results file
        traceback.print_exc()
        data = _failure(f"{type(exc).__name__}: {exc}", time.perf_counter() - t0)
    data["execution_time"] = round(time.perf_counter() - t0, 1)
    write_atomic(out, json.dumps(data, indent=2, default=str))
    return data


def _grade(root: Path) -> dict:
    from grader.checking import truth
    from grader.classroom.secret import ENV, HIDDEN_NOTE
    from grader.classroom.submissions import find_submission
    from grader.grading import grade_exercise
    from grader.results import missing_result, not_graded_result
    from grader.sandbox.isolation import python_readable_by, unreadable_python_message
    from grader.sandbox.zygote import Zygote

    t0 = time.perf_counter()
    config_path = COURSE_ROOT / CONFIG_NAME
    config = json.loads(config_path.read_text()) if config_path.is_file() else {}
    if config.get("lang") and i18n.normalize(config["lang"]) != i18n.language():
        with i18n.speaking(config["lang"]):   # the language the autograder was built in
            return _grade(root)
    exercises = [course.get(n) for n in config.get("exercises", [ex.number for ex in course.EXERCISES])]
    secret = config.get("secret") or os.environ.get(ENV) or None   # hidden inputs (grader.classroom.secret)
    submission = root / "submission"
    sub = find_submission(submission, exercises) if submission.is_dir() else None
    files, notes = (sub.files, sub.notes) if sub else ({}, ["the submission folder is missing"])
    stage = Path(tempfile.mkdtemp(prefix="grade-gs-"))
    results = []
    try:
        folder = stage / "exercises"
        folder.mkdir()
        if sub is not None:
            sub.stage(folder, exercises)   # the exercise files and the student's other .py files beside them
        truth.warm_up()
        from grader.sandbox.mode import run_uid

        with Zygote(uid=run_uid()) as zygote:
            for ex in exercises:
                if ex.number not in files:
                    result = missing_result(ex, f"{ex.file} was not found in your submission")
                elif not ex.confine and not zygote.cage and zygote.uid is not None \
                        and not python_readable_by(zygote.uid):
                    result = not_graded_result(ex, "the autograder is misconfigured: "
                                               + unreadable_python_message(zygote.uid))
                else:
                    result = grade_exercise(ex, folder, spawner=zygote, secret=secret,
                                            replays=COURSE_ROOT / HIDDEN_REPLAYS if secret else None)
                    if secret and not ex.uses_torch:
                        result.notes.append(HIDDEN_NOTE)
                results.append(result)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return to_gradescope(results, notes=notes, seconds=time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m grader.classroom.gradescope")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_run = sub.add_parser("run", help="grade ROOT/submission into ROOT/results/results.json")
    p_run.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", DEFAULT_ROOT))
    p_build = sub.add_parser("build", help="write the autograder zip")
    p_build.add_argument("--out", default="autograder.zip")
    args = parser.parse_args(argv)
    if args.cmd == "run":
        data = run(Path(args.root))
        print(f"score {data.get('score')} ({len(data.get('tests', []))} tests)")
        return 0
    print(build(Path(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
