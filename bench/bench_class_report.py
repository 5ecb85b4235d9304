"""How long the end of a batch takes for a large class: report.html (and its size), and `grade merge` of 8 shards.

Synthetic rows (every exercise and check of the course, random passes and named mistakes, fixed seed) for 300 and
3,000 students; prints the median of 5 runs of class_report_html, the page's size, and one merge of 8 shard folders
(results.jsonl, grades.csv, feedback/, summary.json, scores.png, report.html). Target: report.html for 3,000
students in under 5 s (it is linear in the rows).

    python bench/bench_class_report.py
"""
from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader import course  # noqa: E402
from grader.classroom.class_report import class_report_html  # noqa: E402
from grader.classroom.gradebook import ResultsStore, summarize  # noqa: E402
from grader.classroom.merge import merge  # noqa: E402
from grader.classroom.shards import Shard  # noqa: E402

MISTAKES = [f"named mistake {i}: a sentence that explains it to the student" for i in range(4)]


def synthetic_rows(students: int, seed: int = 0) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for s in range(students):
        name = f"student{s:05d}_{100000 + s}"
        for ex in course.EXERCISES:
            checks = []
            for c in ex.checks:
                passed = rnd.random() < 0.7
                checks.append({"name": c.name, "max_points": c.points, "passed": passed,
                               "points": c.points if passed else 0, "message": "" if passed else "wrong answer",
                               "details": [] if passed else ["smallest failing input: f(x=1)"],
                               "misconception": None if passed or rnd.random() < 0.5 else rnd.choice(MISTAKES),
                               "not_implemented": False, "seconds": 0.01})
            score = sum(c["points"] for c in checks)
            status = "passed" if score == ex.points else "failed"
            rows.append({"student": name, "slug": name, "exercise": ex.number, "hash": "x", "grader_version": "bench",
                         "late": False, "notes": [], "status": status, "score": score, "max_score": ex.points,
                         "result": {"number": ex.number, "title": ex.title, "file": ex.file, "status": status,
                                    "max_score": ex.points, "checks": checks, "message": "", "output": "",
                                    "hint": "", "student_seconds": 0.1, "wall_seconds": 0.2, "info": {}}})
    return rows


def bench_report(students: int) -> None:
    store = ResultsStore(Path("/nonexistent"))
    for row in synthetic_rows(students):
        store.rows[(row["student"], row["exercise"])] = row
    summary = summarize(store)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        page = class_report_html(store, summary)
        times.append(time.perf_counter() - t0)
    print(f"report.html, {students:5d} students: median {statistics.median(times):.3f} s, "
          f"{len(page.encode()) / 1024:.0f} KB")


def bench_merge(students: int, count: int = 8) -> None:
    rows = synthetic_rows(students)
    names = sorted({r["student"] for r in rows})
    with tempfile.TemporaryDirectory() as tmp:
        folders = []
        for k in range(1, count + 1):
            shard = Shard(k, count)
            mine = [n for i, n in enumerate(names) if shard.owns(i)]
            members = set(mine)
            folder = Path(tmp) / f"shard-{k}"
            folder.mkdir()
            store = ResultsStore(folder / "results.jsonl")
            for row in rows:
                if row["student"] in members:
                    store.rows[(row["student"], row["exercise"])] = row
            store.compact()
            (folder / "run.json").write_text(json.dumps({
                "shard": str(shard), "class_students": len(names), "students": mine, "grader_version": "bench",
                "exercises": [ex.number for ex in course.EXERCISES], "interrupted": False}))
            folders.append(folder)
        t0 = time.perf_counter()
        merge(Path(tmp) / "merged", folders)
        print(f"grade merge, {count} shards, {students} students: {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    for n in (300, 3000):
        bench_report(n)
    bench_merge(3000)
