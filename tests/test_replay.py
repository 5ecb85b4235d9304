"""Replay: grading from stored cases and answers gives exactly the verdicts of a full run (hypothesis and torch),
for every reference, stub and mutant of exercises 1-9; a damaged, foreign or stale store is never trusted; and a
warm store grades the references without importing torch."""
from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys

import pytest

from conftest import ROOT, SOLUTIONS, mutate, solution_source, stub_source
from grader import course, version
from grader.checking import replay
from grader.grading import grade_exercise, prepare_replays

BY_HAND = [ex.number for ex in course.EXERCISES if not ex.uses_torch]


def _sources(n: int):
    """(name, source) of the reference, the stub and every mutant in tests/test_exNN.py."""
    yield "reference", solution_source(n)
    yield "stub", stub_source(n)
    for m in importlib.import_module(f"test_ex{n:02d}").MUTANTS:
        yield m.name, mutate(solution_source(n), m.old, m.new)


def _here(text: str) -> str:
    """Text with the folder of the student's file left out (the two gradings use two temporary folders)."""
    return re.sub(r"(?:/[^\s\"',]+)+/(ex\d\d_\w+\.py)", r"\1", text)


def _verdict(result) -> list:
    return [result.status, _here(result.message), result.score, result.hint] + [
        (c.name, c.passed, c.points, _here(c.message), c.misconception, c.not_implemented,
         [_here(d) for d in c.details]) for c in result.checks]


def _full(tmp_path, n: int, source: str):
    folder = tmp_path / f"full-{len(list(tmp_path.iterdir()))}" / "exercises"
    folder.mkdir(parents=True)
    (folder / course.get(n).file).write_text(source)
    return grade_exercise(course.get(n), folder, replays=False)


@pytest.mark.parametrize("n", BY_HAND, ids=[f"ex{n:02d}" for n in BY_HAND])
def test_replay_gives_the_verdicts_of_a_full_run(graded, tmp_path, n):
    """``graded`` grades with the session's store (prepared from the reference, then replayed)."""
    for name, source in _sources(n):
        assert _verdict(graded(n, source)) == _verdict(_full(tmp_path, n, source)), name


def _store_file(folder, n: int = 1):
    return folder / replay.file_name(n, version.grader_version(), replay.secret_id(None))


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    folder = tmp_path_factory.mktemp("replays")
    prepare_replays(folder, [course.get(1)])
    return folder


def test_a_prepared_store_holds_every_property_and_loads(prepared):
    store = replay.load(1, version.grader_version(), None, (prepared,))
    assert store is not None and store.cases and store.answers
    random_shapes = [label for label in store.cases if "random shapes" in label]
    assert random_shapes and len(store.cases[random_shapes[0]]) == 50   # the check's examples, in order


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "other exercise", "other version", "other secret",
                                    "not a store"])
def test_a_damaged_foreign_or_stale_store_is_not_trusted(prepared, tmp_path, damage):
    data = _store_file(prepared).read_bytes()
    if damage == "flip a byte":
        data = data[:-10] + bytes([data[-10] ^ 1]) + data[-9:]
    elif damage == "truncate":
        data = data[:len(data) // 2]
    elif damage == "not a store":
        data = b"PASSED " * 100
    else:
        header, meta, rest = data.split(b"\n", 2)
        fields = json.loads(meta)
        fields.update({"other exercise": {"exercise": 2}, "other version": {"version": "0.0.0+000000000000"},
                       "other secret": {"secret": replay.secret_id("course secret")}}[damage])
        data = header + b"\n" + json.dumps(fields, sort_keys=True).encode() + b"\n" + rest
    folder = tmp_path / "replays"
    folder.mkdir()
    _store_file(folder).write_bytes(data)
    assert replay.load(1, version.grader_version(), None, (folder,)) is None
    # grading does not use it: it prepares a new one from the reference, and the verdict is the full run's
    exercises = tmp_path / "exercises"
    exercises.mkdir()
    (exercises / course.get(1).file).write_text(solution_source(1))
    result = grade_exercise(course.get(1), exercises, replays=folder)
    assert result.passed and result.score == result.max_score
    assert replay.load(1, version.grader_version(), None, (folder,)) is not None


def test_a_store_with_another_secret_is_another_file(prepared):
    names = {replay.file_name(1, "v", replay.secret_id(s)) for s in (None, "a", "b")}
    assert len(names) == 3 and replay.secret_id("a") != "a"   # the file name does not reveal the secret


@pytest.mark.parametrize("n", BY_HAND, ids=[f"ex{n:02d}" for n in BY_HAND])
def test_a_warm_store_grades_the_reference_without_torch_or_hypothesis(prepared, tmp_path, n):
    folder = tmp_path / "replays"
    prepare_replays(folder, [course.get(n)])
    probe = ("import json, sys\nfrom pathlib import Path\nfrom grader import course\n"
             "from grader.grading import grade_exercise\n"
             f"r = grade_exercise(course.get({n}), Path(sys.argv[1]), replays=Path(sys.argv[2]))\n"
             "print(json.dumps({'score': r.score, 'max': r.max_score, 'torch': 'torch' in sys.modules,\n"
             "                  'hypothesis': 'hypothesis' in sys.modules}))\n")
    out = subprocess.run([sys.executable, "-c", probe, str(SOLUTIONS), str(folder)], capture_output=True, text=True,
                         timeout=300, cwd=ROOT)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["score"] == data["max"] and not data["torch"] and not data["hypothesis"], (data, out.stderr[-2000:])
