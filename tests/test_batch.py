"""`grade batch`: finding submissions, the output files, resuming after an interruption, determinism."""
from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, mutate, solution_source, stub_source
from grader import course
from grader.classroom.batch import BatchError, run_batch
from grader.classroom.submissions import discover

EX1 = course.get(1)
REF = solution_source(1)
STUB = stub_source(1)
# windows that ignore the stride: partial credit (the stride checks fail, the rest pass)
STRIDE_IGNORED = mutate(REF, "padded[i * stride:i * stride + kh, j * stride:j * stride + kw]",
                        "padded[i:i + kh, j:j + kw]")
FAST = {"call_seconds": 2.0, "load_seconds": 8.0, "time_budget": 10.0}


def _zip(path: Path, members: dict[str, bytes], symlinks: dict[str, str] = {}) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for name, target in symlinks.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)
            zf.writestr(info, target)


# -- discovery -----------------------------------------------------------------------------------------------------
def test_discover_understands_folders_zips_and_lms_names(tmp_path):
    subs = tmp_path / "subs"
    (subs / "alice" / "course" / "exercises").mkdir(parents=True)
    (subs / "alice" / "course" / "exercises" / "ex01_conv2d.py").write_text("alice")
    (subs / "dave" / "exercises").mkdir(parents=True)
    (subs / "dave" / "exercises" / "ex01_conv2d.py").write_text("dave deep")
    (subs / "dave" / "ex01_conv2d.py").write_text("dave shallow")        # the shallower file wins
    _zip(subs / "bob.zip", {"bob/exercises/ex01_conv2d.py": b"bob", "__MACOSX/bob/._ex01_conv2d.py": b"junk"})
    (subs / "smithjane_12345_67890_ex01_conv2d.py").write_text("jane")
    (subs / "doejohn_LATE_22222_33333_ex01_conv2d.py").write_text("john old")
    (subs / "doejohn_LATE_22222_33333_ex01_conv2d-1.py").write_text("john new")   # Canvas re-upload
    _zip(subs / "brown_44444_55555_submission.zip", {"exercises/ex01_conv2d.py": b"brown"})
    (subs / "carol_ex01_conv2d.py").write_text("carol")
    (subs / "notes.py").write_text("whose?")
    os.mkdir(os.fsencode(subs) + b"/caf\xe9")
    (Path(os.fsdecode(os.fsencode(subs) + b"/caf\xe9")) / "ex01_conv2d.py").write_text("cafe")

    (subs / "graded").mkdir()                                              # an --out folder inside SUBMISSIONS
    found, warnings = discover(subs, [EX1], skip=(subs / "graded",))
    by = {s.student: s for s in found}
    assert {k: v.files.get(1) for k, v in by.items()} == {
        "alice": b"alice", "bob": b"bob", "smithjane_12345": b"jane", "doejohn_22222": b"john new",
        "brown_44444": b"brown", "carol": b"carol", "dave": b"dave shallow", "caf\ufffd": b"cafe"}
    assert by["doejohn_22222"].late and not by["smithjane_12345"].late
    assert by["caf\ufffd"].slug.startswith("caf-") and by["caf\ufffd"].slug.isascii()   # a hash of the exact name
    assert any("notes.py" in w for w in warnings)
    assert any("several files for exercise 1" in n for n in by["dave"].notes)


def test_discover_refuses_unsafe_archive_members_and_links(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    solution = ROOT / "solutions" / "ex01_conv2d.py"
    _zip(subs / "mallory.zip", {"../../evil/ex01_conv2d.py": b"up", "/abs/ex01_conv2d.py": b"abs"},
         symlinks={"exercises/ex01_conv2d.py": str(solution)})
    (subs / "linky").mkdir()
    (subs / "linky" / "ex01_conv2d.py").symlink_to(solution)
    (subs / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    (subs / "big").mkdir()
    (subs / "big" / "ex01_conv2d.py").write_bytes(b"#" * (2 << 20))

    found, _ = discover(subs, [EX1])
    by = {s.student: s for s in found}
    assert all(not s.files for s in found), {s.student: s.files for s in found}
    notes = " ".join(by["mallory"].notes)
    assert notes.count("unsafe path") == 2 and "symbolic link" in notes
    assert "symbolic link" in " ".join(by["linky"].notes)
    assert "could not be opened" in " ".join(by["broken"].notes)
    assert "larger than 1 MB" in " ".join(by["big"].notes)
    assert not (tmp_path / "evil").exists() and not Path("/abs").exists()


def test_exercise_selection():
    assert course.select("1-3,5") == (1, 2, 3, 5)
    assert course.select(None) == tuple(ex.number for ex in course.EXERCISES)
    with pytest.raises(course.SelectionError):
        course.select("0-99")
    with pytest.raises(course.SelectionError):
        course.select("one")


# -- a batch, re-runs and resuming ---------------------------------------------------------------------------------
def _class(folder: Path, students: dict[str, str]) -> Path:
    for name, source in students.items():
        (folder / name).mkdir(parents=True, exist_ok=True)
        (folder / name / EX1.file).write_text(source)
    return folder


def _rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


def _verdicts(rows) -> dict:
    return {(r["student"], r["exercise"]): [(c["name"], c["passed"], c["points"], c["message"], c["details"])
                                            for c in r["result"]["checks"]] for r in rows}


def test_batch_outputs_resume_and_determinism(tmp_path):
    subs = _class(tmp_path / "subs", {"ann": REF, "ben": STUB, "cat": STRIDE_IGNORED})
    out = tmp_path / "out"
    first = run_batch(subs, out, jobs=2, exercises=(1,), overrides=FAST, progress=False)
    assert (first.graded, first.skipped, first.interrupted) == (3, 0, False)

    table = list(csv.reader(io.StringIO((out / "grades.csv").read_text())))
    assert table[0] == ["student", "ex01", "total"]
    scores = {r[0]: int(r[-1]) for r in table[1:]}
    assert scores["ann"] == 12 and scores["ben"] == 0 and 0 < scores["cat"] < 12
    rows = _rows(out)
    assert len(rows) == 3 and all(r["result"]["checks"] and "seconds" in r["result"]["checks"][0] for r in rows)
    assert "not implemented" in (out / "feedback" / "ben.md").read_text()
    assert "**Total: 12/12**" in (out / "feedback" / "ann.md").read_text()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["students"] == 3 and summary["exercises"]["1"]["pass_rate"] == pytest.approx(1 / 3)
    assert (out / "scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # a re-run grades nothing and changes no row
    again = run_batch(subs, out, jobs=2, exercises=(1,), overrides=FAST, progress=False)
    assert (again.graded, again.skipped) == (0, 3)
    assert _rows(out) == rows

    # a kill in the middle of writing: the last row is lost and a torn line is left behind
    lines = (out / "results.jsonl").read_bytes().splitlines(keepends=True)
    lost = json.loads(lines[-1])["student"]
    (out / "results.jsonl").write_bytes(b"".join(lines[:-1]) + lines[-1][:40])
    (subs / "ann" / EX1.file).write_text(REF + "\n# edited\n")                  # and one student re-submitted
    resumed = run_batch(subs, out, jobs=1, exercises=(1,), overrides=FAST, progress=False)
    assert resumed.graded == len({lost, "ann"}) and any("torn" in w for w in resumed.warnings)
    rows2 = _rows(out)
    assert sorted(r["student"] for r in rows2) == ["ann", "ben", "cat"]         # no row lost, none twice
    assert _verdicts(rows2) == _verdicts(rows)                                  # same grades, --jobs 1 or 2


def _wait_for_rows(path: Path, n: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_bytes().splitlines()) >= n:
            return
        time.sleep(0.1)
    raise AssertionError(f"{path} never got {n} rows")


def _start(cmd):
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)


def test_ctrl_c_and_kill_leave_dir_consistent_and_the_next_run_resumes(tmp_path):
    students = {f"s{i}": (REF if i % 2 else STRIDE_IGNORED) for i in range(6)}
    subs = _class(tmp_path / "subs", students)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "grader.cli", "batch", str(subs), "--out", str(out), "--exercises", "1",
           "--jobs", "2", "--no-progress"]
    procs = []
    try:
        # Ctrl-C: exit status 130, and grades.csv is whole and matches the rows graded so far
        proc = _start(cmd)
        procs.append(proc)
        _wait_for_rows(out / "results.jsonl", 1, 120)
        proc.send_signal(signal.SIGINT)
        output = proc.communicate(timeout=60)[0].decode()
        assert proc.returncode == 130, output
        assert "Interrupted" in output and "run the same command again" in output.lower()
        graded = {r["student"] for r in _rows(out)}
        table = list(csv.reader(io.StringIO((out / "grades.csv").read_text())))
        assert {r[0] for r in table[1:]} == graded and 1 <= len(graded) < 6
        # kill -9 of the whole process group in the middle of the next run
        proc = _start(cmd)
        procs.append(proc)
        _wait_for_rows(out / "results.jsonl", len(graded) + 1, 120)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = _rows(out)
    assert sorted(r["student"] for r in rows) == sorted(students)              # none lost, none twice
    table = list(csv.reader(io.StringIO((out / "grades.csv").read_text())))
    assert sorted(r[0] for r in table[1:]) == sorted(students)
    scores = {r[0]: int(r[1]) for r in table[1:]}
    assert all(scores[f"s{i}"] == 12 for i in (1, 3, 5))
    assert len({scores[f"s{i}"] for i in (0, 2, 4)}) == 1 and scores["s0"] < 12   # same mutant, same grade


def test_cli_batch_usage_errors(tmp_path):
    from click.testing import CliRunner

    from grader.cli import cli

    result = CliRunner().invoke(cli, ["batch", str(tmp_path), "--out", str(tmp_path / "o"), "--exercises", "42"])
    assert result.exit_code == 2 and "no exercise" in result.output


def test_unconfined_exercises_are_refused_when_the_sandbox_uid_cannot_read_python(monkeypatch):
    """Without the cage (whose view exposes the Python installation read-only), an exercise that cannot be shut
    in a chroot is refused where the sandbox uid cannot read Python; with the cage nothing is refused."""
    from grader.classroom import batch
    from grader.sandbox import isolation, mode

    monkeypatch.setattr(mode, "cage_mode", lambda: mode.CageMode(False, why="simulated"))
    monkeypatch.setattr(isolation, "sandbox_uid", lambda slot=0: 61000 + slot)
    monkeypatch.setattr(isolation, "python_readable_by", lambda uid: False)
    selected = list(course.EXERCISES)
    refused = batch._refused_exercises(selected, jobs=2)
    assert set(refused) == {ex.number for ex in selected if not ex.confine}
    assert all("GRADER_SANDBOX_UID=none" in why for why in refused.values())
    monkeypatch.setattr(isolation, "python_readable_by", lambda uid: True)
    assert batch._refused_exercises(selected, jobs=2) == {}
    monkeypatch.setattr(isolation, "python_readable_by", lambda uid: False)
    monkeypatch.setattr(mode, "cage_mode", lambda: mode.CageMode(True, uid=640000))
    assert batch._refused_exercises(selected, jobs=2) == {}
