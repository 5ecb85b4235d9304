"""Attack class 4 of issue 11 on the batch path: exercise 10 (torch, a driver, the grader's data) runs caged in
`grade batch` like every other exercise.

A tiny hostile exercise-10 file probes instead of training: its build_model() tries to read the reference solution,
a classmate's file, the output folder's results.jsonl, other processes' command lines, and to write outside its
workspace, then raises with what it found (the message reaches the feedback). A classmate (the stub) is graded
first, so that results.jsonl and the classmate's file exist while the probe runs. Root only, like
tests/test_hostile.py.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from conftest import SOLUTIONS, stub_source

pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="the hostile batch needs root (see tests/test_hostile.py)")

PROBE = '''import json
import os


def _try(what):
    try:
        value = what()
        return "GOT " + repr(value)[:60]
    except Exception as exc:
        return "denied " + type(exc).__name__


def _cmdlines():
    own = {{str(os.getpid()), "self", "thread-self"}}
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit() and pid not in own:
            with open(f"/proc/{{pid}}/cmdline", "rb") as fh:
                found.append(fh.read()[:40])
    return found


def _write(path):
    with open(path, "w") as fh:
        fh.write("pwned")
    return path


def build_model(input_shape, num_classes):
    found = {{
        "solution": _try(lambda: open({SOLUTION!r}).read()),
        "solutions_dir": _try(lambda: os.listdir(os.path.dirname({SOLUTION!r}))),
        "classmate": _try(lambda: open({OTHER!r}).read()),
        "class_dir": _try(lambda: os.listdir({CLASS!r})),
        "results": _try(lambda: open({OUT!r} + "/results.jsonl").read()),
        "out_dir": _try(lambda: os.listdir({OUT!r})),
        "work_dir": _try(lambda: sorted(os.listdir({OUT!r} + "/.work"))),
        "cmdlines": _try(_cmdlines),
        "proc": _try(lambda: sorted(os.listdir("/proc"))),
        "write_tmp": _try(lambda: _write("/tmp/pwned-{TOKEN}")),
        "write_sentinel": _try(lambda: _write({SENTINEL!r} + "/pwned-{TOKEN}")),
        "write_class": _try(lambda: _write({CLASS!r} + "/pwned-{TOKEN}")),
        "write_out": _try(lambda: _write({OUT!r} + "/pwned-{TOKEN}")),
        "workspace": _try(lambda: _write("mine.txt")),
    }}
    raise RuntimeError("probe " + json.dumps(found))


def train(model, loader, device, epochs):
    raise NotImplementedError
'''


def _listing(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() if p.is_file() else None for p in sorted(root.rglob("*"))}


@pytest.fixture(scope="module")
def probed():
    from grader.classroom.batch import run_batch

    token = uuid.uuid4().hex[:12]
    base = Path(tempfile.mkdtemp(prefix="grade-hostile10-"))
    subs, out, sentinel = base / "class", base / "out", base / "sentinel"
    for d in (subs, sentinel):
        d.mkdir()
    (sentinel / "keep.txt").write_text("untouched")
    other = subs / "aa_classmate" / "ex10_train.py"
    other.parent.mkdir()
    other.write_text(stub_source(10))
    (subs / "zz_prober").mkdir()
    (subs / "zz_prober" / "ex10_train.py").write_text(PROBE.format(
        SOLUTION=str(SOLUTIONS / "ex10_train.py"), OTHER=str(other), CLASS=str(subs), OUT=str(out),
        SENTINEL=str(sentinel), TOKEN=token))
    for path in [base, *base.rglob("*")]:   # world-readable, the sentinel world-writable: only the cage protects
        os.chmod(path, (0o777 if path == sentinel else 0o755) if path.is_dir() else 0o644)
    before_subs, before_sentinel = _listing(subs), _listing(sentinel)
    report = run_batch(subs, out, jobs=1, exercises=(10,), progress=False,
                       options={"epochs": 1, "subset": 300, "perturb_seed": 1})
    rows = {json.loads(line)["student"]: json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()}
    message = rows["zz_prober"]["result"]["checks"][0]["message"]
    found = json.loads(message.split("probe ", 1)[1].split("}", 1)[0] + "}") if "probe {" in message else None
    yield {"report": report, "rows": rows, "message": message, "found": found, "token": token, "base": base,
           "out": out, "unchanged": (_listing(subs) == before_subs, _listing(sentinel) == before_sentinel)}
    shutil.rmtree(base, ignore_errors=True)
    Path(f"/tmp/pwned-{token}").unlink(missing_ok=True)


def test_exercise_10_runs_caged_in_the_batch(probed):
    assert "namespaces" in probed["report"].isolation, probed["report"].isolation
    assert probed["found"] is not None, probed["message"]
    assert probed["found"]["workspace"] == "GOT 'mine.txt'", probed["found"]   # the probe itself works


@pytest.mark.parametrize("what", ["solution", "solutions_dir", "classmate", "class_dir", "results", "cmdlines"])
def test_nothing_outside_the_view_can_be_read(probed, what):
    # /proc holds the processor's description only (torch's kernels depend on it): no process is seen there
    assert probed["found"][what].startswith("denied ") or (what == "cmdlines" and probed["found"][what] == "GOT []"), \
        (what, probed["found"][what])


def test_proc_holds_the_processor_description_only(probed):
    assert probed["found"]["proc"] in ("GOT ['cpuinfo']", "denied FileNotFoundError"), probed["found"]["proc"]


def test_the_output_folder_shows_only_the_path_to_the_grader_runtime(probed):
    """The batch worker's temporary folder (DIR/.work/tmp-N) holds the PYTHONPATH folder through which the student
    process imports the grader; the view binds that one folder at its own path, so the folders above it show as
    empty skeletons: no results.jsonl, no feedback, no staged classmate."""
    found = probed["found"]
    assert found["out_dir"] in ("denied FileNotFoundError", "GOT ['.work']"), found["out_dir"]
    assert found["work_dir"] == "denied FileNotFoundError" or found["work_dir"].startswith("GOT ['tmp-"), found
    assert "," not in found["work_dir"], found["work_dir"]   # one folder: the worker's own


@pytest.mark.parametrize("what", ["write_tmp", "write_sentinel", "write_class", "write_out"])
def test_nothing_outside_the_workspace_can_be_written(probed, what):
    assert probed["found"][what].startswith("denied "), (what, probed["found"][what])


def test_nothing_changed_outside_and_the_prober_scores_zero(probed):
    assert probed["unchanged"] == (True, True)
    token = probed["token"]
    assert not Path(f"/tmp/pwned-{token}").exists()
    assert not any("pwned" in p.name for p in probed["out"].rglob("*"))
    rows = probed["rows"]
    assert rows["zz_prober"]["score"] == 0
    assert rows["aa_classmate"]["score"] == 0 and rows["aa_classmate"]["status"] == "not implemented"
