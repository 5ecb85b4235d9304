"""`grade batch --shard K/N` and `grade merge`: deterministic, balanced, disjoint slices, and a merged gradebook that
is byte for byte the unsharded one. The batches run with the default time limits: a limit tightened for speed
could fire on a busy machine in one run and not in the other, and the grades would differ for that reason only."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from conftest import mutate, solution_source, stub_source
from grader.classroom.batch import run_batch
from grader.classroom.merge import MergeError, merge
from grader.classroom.shards import Shard, ShardError, parse_shard, select
from grader.classroom.submissions import Submission
from grader.cli import cli

REF = solution_source(1)
NO_PLUS_ONE = mutate(REF, "h_out = (h - kh) // stride + 1", "h_out = (h - kh) // stride")
FLIPPED = mutate(REF, "np.sum(window * kernel)", "np.sum(window * kernel[::-1, ::-1])")


def test_parse_shard():
    assert parse_shard("3/8") == Shard(3, 8) and str(parse_shard(" 1 / 1 ")) == "1/1"
    for bad in ("0/3", "4/3", "3", "a/b", "1/0", "-1/3"):
        with pytest.raises(ShardError):
            parse_shard(bad)


@given(st.lists(st.text(min_size=1, max_size=8), unique=True, max_size=60), st.integers(1, 12), st.randoms())
def test_slices_are_disjoint_cover_the_class_balanced_and_independent_of_order(names, count, rnd):
    subs = [Submission(n) for n in names]
    slices = [[s.student for s in select(subs, Shard(k, count))] for k in range(1, count + 1)]
    assert sorted(n for part in slices for n in part) == sorted(names)          # every student once
    sizes = [len(part) for part in slices]
    assert max(sizes) - min(sizes) <= 1
    shuffled = list(subs)
    rnd.shuffle(shuffled)                                                       # discovery order does not matter
    assert [[s.student for s in select(shuffled, Shard(k, count))] for k in range(1, count + 1)] == slices


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    root = tmp_path_factory.mktemp("shards")
    subs = root / "subs"
    sources = {"ann": REF, "ben": stub_source(1), "cat": NO_PLUS_ONE, "dan": FLIPPED, "eve": REF, "fay": FLIPPED}
    for name, source in sources.items():
        (subs / name).mkdir(parents=True)
        (subs / name / "ex01_conv2d.py").write_text(source)
    (subs / "smithjane_LATE_12345_67890_ex01_conv2d.py").write_text(NO_PLUS_ONE)
    (subs / "gus").mkdir()                                                       # a student without the file
    secret = "one-course-secret"   # every shard of a class draws the same hidden inputs
    run_batch(subs, root / "full", jobs=2, exercises=(1,), progress=False, secret=secret)
    for k in (1, 2, 3):
        run_batch(subs, root / f"shard-{k}", jobs=1, exercises=(1,), progress=False,
                  shard=Shard(k, 3), secret=secret)
    return root


def _shards(root: Path) -> list[Path]:
    return [root / f"shard-{k}" for k in (1, 2, 3)]


def test_merged_gradebook_is_the_unsharded_one(sharded, tmp_path):
    sizes = [len(json.loads((d / "run.json").read_text())["students"]) for d in _shards(sharded)]
    assert sorted(sizes) == [2, 3, 3]
    out = tmp_path / "merged"
    merged = merge(out, list(reversed(_shards(sharded))))                        # any order of folders
    assert (merged.shards, merged.students) == (3, 8)
    full = sharded / "full"
    assert (out / "grades.csv").read_bytes() == (full / "grades.csv").read_bytes()
    assert (out / "report.html").read_bytes() == (full / "report.html").read_bytes()
    assert sorted(p.name for p in (out / "feedback").iterdir()) == sorted(p.name for p in (full / "feedback").iterdir())
    for md in (full / "feedback").iterdir():
        assert (out / "feedback" / md.name).read_bytes() == md.read_bytes()

    def verdicts(folder):
        rows = [json.loads(line) for line in (folder / "results.jsonl").read_text().splitlines()]
        return [(r["student"], r["exercise"], r["score"], [(c["name"], c["points"], c["message"], c["misconception"])
                                                           for c in r["result"]["checks"]]) for r in rows]
    assert verdicts(out) == verdicts(full)                                      # same rows, same order
    assert "late" in (out / "grades.csv").read_text().splitlines()[0]


def test_merge_refuses_incomplete_or_inconsistent_shards(sharded, tmp_path):
    one, two, three = _shards(sharded)
    cases = [([one, two], "missing shard: 3/3"), ([one, one, two, three], "given twice"),
             ([sharded / "full", one], "without --shard")]
    for folders, message in cases:
        with pytest.raises(MergeError, match=message):
            merge(tmp_path / "o", folders)
    assert not (tmp_path / "o").exists()                                        # nothing written on refusal
    interrupted = tmp_path / "interrupted"
    shutil.copytree(two, interrupted)
    run = json.loads((interrupted / "run.json").read_text())
    (interrupted / "run.json").write_text(json.dumps({**run, "interrupted": True}))
    with pytest.raises(MergeError, match="interrupted"):
        merge(tmp_path / "o", [one, interrupted, three])
    with pytest.raises(MergeError, match="one of the shard folders"):
        merge(one, [one, two, three])
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "mine.txt").write_text("keep")
    with pytest.raises(MergeError, match="not empty"):
        merge(tmp_path / "busy", [one, two, three])
    merge(tmp_path / "busy", [one, two, three], force=True)
    assert (tmp_path / "busy" / "mine.txt").read_text() == "keep"


def test_cli_merge_and_shard_usage_errors(sharded, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(cli, ["merge", str(tmp_path / "m"), *map(str, _shards(sharded))])
    assert ok.exit_code == 0 and "merged 3 shards: 8 students" in ok.output, ok.output
    missing = runner.invoke(cli, ["merge", str(tmp_path / "m2"), str(_shards(sharded)[0])])
    assert missing.exit_code == 2 and "missing shards: 2/3, 3/3" in missing.output
    subs = sharded / "subs"
    for args, message in ((["--shard", "0/3"], "between 1 and N"), (["--shard", "2"], "is not K/N")):
        bad = runner.invoke(cli, ["batch", str(subs), "--out", str(tmp_path / "b"), *args])
        assert bad.exit_code == 2 and message in bad.output
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n")
    both = runner.invoke(cli, ["batch", str(subs), "--out", str(tmp_path / "b"), "--shard", "1/2", "--roster",
                               str(roster)])
    assert both.exit_code == 2 and "grade export canvas" in both.output
    assert not (tmp_path / "b").exists()
