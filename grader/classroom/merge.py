"""`grade merge OUT SHARD_DIR...`: join the folders of a sharded `grade batch` into one gradebook.

Each ``grade batch --shard K/N --out SHARD_DIR`` leaves its ``results.jsonl`` and a ``run.json`` that names its
shard, the size of the whole class and its students (:mod:`grader.classroom.shards`). Merging checks that the
folders are the N shards of one run -- every K from 1 to N once, the same exercises and grader version, no shard
interrupted, no student in two shards, every student of the class present -- then writes OUT exactly as an
unsharded run would: ``results.jsonl`` (one row per student and exercise, in the same order), and from it
``grades.csv``, ``feedback/``, ``summary.json``, ``scores.png`` and ``report.html``
(:func:`grader.classroom.batch.finish`). Grading is deterministic, so ``grades.csv`` is byte for byte the file an
unsharded run writes. OUT must be empty or new (or ``force``); it is never one of the shard folders.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from grader.classroom.gradebook import ResultsStore, histogram_png
from grader.files import write_atomic

MERGE_NAME = "merge.json"


class MergeError(Exception):
    """The folders are not the complete, consistent shards of one run; the message says what is wrong."""


@dataclass
class Merged:
    out: Path
    shards: int
    students: int
    rows: int
    summary: dict


def _shard_info(folder: Path) -> dict:
    run = folder / "run.json"
    if not folder.is_dir():
        raise MergeError(f"{folder}: no such folder")
    if not run.is_file():
        raise MergeError(f"{folder}: no run.json; is this the --out folder of a `grade batch --shard K/N` run?")
    try:
        info = json.loads(run.read_text())
    except (OSError, ValueError) as exc:
        raise MergeError(f"{run}: cannot be read ({exc})") from None
    if not info.get("shard"):
        raise MergeError(f"{folder} was graded without --shard; merge the folders of `grade batch --shard K/N`")
    if info.get("interrupted"):
        raise MergeError(f"{folder} (shard {info['shard']}) was interrupted; run the same `grade batch` command "
                         "again to finish it, then merge")
    index, _, count = str(info["shard"]).partition("/")
    info["index"], info["count"] = int(index), int(count)
    return info


def check_shards(folders: list[Path]) -> list[dict]:
    """The run.json of each folder, after checking that together they are the complete shards of one run."""
    if not folders:
        raise MergeError("give the shard folders to merge")
    infos = [_shard_info(Path(f)) for f in folders]
    counts = {i["count"] for i in infos}
    if len(counts) > 1:
        raise MergeError(f"the folders come from different splits: N = {sorted(counts)}")
    count = counts.pop()
    seen: dict[int, Path] = {}
    for folder, info in zip(folders, infos):
        if info["index"] in seen:
            raise MergeError(f"shard {info['shard']} is given twice: {seen[info['index']]} and {folder}")
        seen[info["index"]] = Path(folder)
    missing = sorted(set(range(1, count + 1)) - set(seen))
    if missing:
        raise MergeError(f"missing shard{'s' if len(missing) > 1 else ''}: {', '.join(f'{k}/{count}' for k in missing)}"
                         " (give every shard folder of the run)")
    for key, what in (("grader_version", "grader versions"), ("exercises", "exercise selections"),
                      ("class_students", "classes (number of students)")):
        values = {json.dumps(i.get(key)) for i in infos}
        if len(values) > 1:
            hint = (" (the version carries the hidden-input secret: grade every shard with the same --secret or "
                    "$GRADER_INPUTS_SECRET)") if key == "grader_version" else ""
            raise MergeError(f"the shards were graded with different {what}: {', '.join(sorted(values))}{hint}")
    owner: dict[str, str] = {}
    for info in infos:
        for student in info.get("students", []):
            if student in owner:
                raise MergeError(f"student {student!r} is in shard {owner[student]} and in shard {info['shard']}; "
                                 "were the shards graded from different copies of the submissions?")
            owner[student] = info["shard"]
    if len(owner) != infos[0].get("class_students"):
        raise MergeError(f"the shards hold {len(owner)} students but the class has {infos[0].get('class_students')}")
    return infos


def merge(out: Path, folders: list[Path], *, force: bool = False) -> Merged:
    """Check the shard folders and write OUT's gradebook from their rows (see the module docstring)."""
    from grader.classroom.batch import finish

    out = Path(out)
    folders = [Path(f) for f in folders]
    if any(out.resolve() == f.resolve() for f in folders):
        raise MergeError(f"{out} is one of the shard folders; merge into a new folder")
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not force)):
        raise MergeError(f"{out} exists and is not empty; choose a new folder or pass --force to replace its "
                         "gradebook files")
    infos = check_shards(folders)
    students_of = {info["index"]: set(info.get("students", [])) for info in infos}
    store = ResultsStore(out / "results.jsonl")
    for folder, info in zip(folders, infos):
        shard_store = ResultsStore(folder / "results.jsonl").load()
        for (student, number), row in shard_store.rows.items():
            if student not in students_of[info["index"]]:
                raise MergeError(f"{folder}/results.jsonl has rows for {student!r}, who is not in shard "
                                 f"{info['shard']} now (the class changed since it was graded); grade that shard "
                                 "again into a new folder")
            store.rows[(student, number)] = row
    out.mkdir(parents=True, exist_ok=True)
    store.compact()
    summary = finish(store, out)
    histogram_png(summary, out / "scores.png")
    write_atomic(out / MERGE_NAME, json.dumps({
        "shards": [str(f) for f in folders], "count": infos[0]["count"],
        "grader_version": infos[0].get("grader_version"), "exercises": infos[0].get("exercises"),
        "students": len(store.students()), "rows": len(store.rows)}, indent=2))
    return Merged(out, infos[0]["count"], len(store.students()), len(store.rows), summary)
