"""What a student's process says is untrusted text: it is cut to a stated size and cleaned of what UTF-8 cannot
encode before the grader keeps it; a student who stops reading cannot hang the grader; submissions are read without
following links; feedback file names stay unique (issue 11, attack classes 6, 7, 10, 11, 12)."""
from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import numpy as np
import pytest

from conftest import solution_source
from grader import course
from grader.classroom.submissions import NotAFile, Submission, open_no_follow, scan_folder, student_slug
from grader.sandbox import protocol
from grader.sandbox.client import MAX_MESSAGE_CHARS, MAX_TYPE_CHARS, Sandbox, SandboxFailure, StudentRaised
from grader.sandbox.limits import Limits

SURROGATE = "\ud800"


def test_clean_text_cuts_and_replaces_what_utf8_cannot_encode():
    assert protocol.clean_text("plain") == "plain"
    cleaned = protocol.clean_text("a" + SURROGATE + "b")
    cleaned.encode("utf-8")
    assert cleaned == "a?b"
    cut = protocol.clean_text("x" * 5000, 100)
    assert cut.startswith("x" * 100) and "4900 more characters cut" in cut and len(cut) < 150


def test_student_errors_are_cut_and_cleaned():
    raised = StudentRaised({"type": "E" * (40 << 20), "kinds": ["E" * 1000, SURROGATE] * 50,
                            "message": SURROGATE * 10000, "traceback": "t" * 100000, "line": "not a number"})
    assert len(raised.type_name) < MAX_TYPE_CHARS + 60
    assert len(raised.message) < MAX_MESSAGE_CHARS + 60
    raised.message.encode("utf-8")
    assert len(raised.kinds) == 20 and all(len(k) < MAX_TYPE_CHARS + 60 for k in raised.kinds)
    assert "line" not in raised.info and len(raised.info["traceback"]) < 4100


def test_unsupported_type_names_are_cut():
    frame = protocol.encode({"__placeholder__": 1})
    header = json.dumps({"__unsupported__": ["T" * (1 << 20) + SURROGATE, "r" * 100000]}).encode()
    value = protocol.decode(header, b"")
    assert len(value.type_name) < 300 and len(value.text) < 400
    assert frame  # encode still works on ordinary values


HOSTILE_TEXT = '''import numpy as np
Big = type("E" * (4 << 20), (Exception,), {})
def conv2d(image, kernel, stride=1, padding=0):
    print("\\ud800 printed")
    if np.asarray(image).size % 2:
        raise Big("\\ud800" * 100000)
    raise ValueError("lone surrogate: \\ud800")
'''


def test_one_students_text_cannot_break_the_batch(tmp_path):
    from grader.classroom.batch import run_batch

    subs = tmp_path / "subs"
    for name, source in (("aa_honest", solution_source(1)), ("bb_text", HOSTILE_TEXT), ("zz_honest", solution_source(1))):
        (subs / name).mkdir(parents=True)
        (subs / name / "ex01_conv2d.py").write_text(source, errors="surrogatepass")
    out = tmp_path / "out"
    run_batch(subs, out, jobs=1, exercises=(1,), progress=False, overrides={"call_seconds": 2.0, "time_budget": 8.0})
    rows = {json.loads(line)["student"]: line for line in (out / "results.jsonl").read_text().splitlines()}
    assert set(rows) == {"aa_honest", "bb_text", "zz_honest"}
    assert len(rows["bb_text"]) < 200_000   # no 40 MB row
    for name in ("aa_honest", "zz_honest"):
        assert json.loads(rows[name])["score"] == 12
    assert json.loads(rows["bb_text"])["score"] == 0
    for name in rows:
        text = (out / "feedback" / f"{name}.md").read_text(encoding="utf-8")
        assert len(text) < 200_000
    assert (out / "summary.json").is_file() and (out / "run.json").is_file()
    # a re-run (resume) reads the rows back and writes everything again
    run_batch(subs, out, jobs=1, exercises=(1,), progress=False, overrides={"call_seconds": 2.0, "time_budget": 8.0})
    assert (out / "feedback" / "bb_text.md").read_text(encoding="utf-8")


STOPS_READING = '''import time
import grader.sandbox.protocol as p
p.read_message = lambda fd: time.sleep(1000)   # never reads another request
def conv2d(image, kernel, stride=1, padding=0):
    return image
'''


def test_a_student_who_stops_reading_cannot_hang_the_grader(tmp_path):
    path = tmp_path / "ex01_conv2d.py"
    path.write_text(STOPS_READING)

    def hung(*_):
        raise AssertionError("the grader hung writing a request")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    try:
        with Sandbox(path, ("conv2d",), Limits(call_seconds=1.0, load_seconds=20.0)) as box:
            assert box.load().ok
            with pytest.raises(SandboxFailure) as info:
                box.call("conv2d", np.zeros((1 << 20,)), np.zeros((1, 1)))   # 8 MB: far more than a pipe holds
            assert info.value.kind == "timeout"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_submissions_are_read_without_following_links(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_text("SECRET = 1\n")
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "ex01_conv2d.py").symlink_to(secret)
    os.mkfifo(folder / "ex04_conv_forward.py")   # a FIFO is not read (and does not hang the scan)
    with pytest.raises(NotAFile):
        os.close(open_no_follow(folder / "ex01_conv2d.py"))
    sub = Submission("alice")
    scan_folder(folder, sub, {ex.file: ex.number for ex in course.EXERCISES})
    assert sub.files == {}
    assert any("symbolic link" in n for n in sub.notes)


def test_feedback_names_stay_unique_across_runs():
    names = ["a_b", "a b", "a/b", "a\tb", "caf\udce9", "alice"]
    slugs = [student_slug(n) for n in names]
    assert len(set(s.lower() for s in slugs)) == len(names)
    assert student_slug("a_b") == "a_b" and student_slug("alice") == "alice"
    assert student_slug("a b") == student_slug("a b")   # the same name, the same file, run after run
    assert all(Path(s).name == s and not s.startswith(".") for s in slugs)
