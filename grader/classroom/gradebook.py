"""The batch's results and what is made from them: results.jsonl, grades.csv, feedback/, summary.

``results.jsonl`` is the only source of truth. It is append-only: one JSON object per graded (student, exercise),
written and fsync'ed as soon as that exercise is graded, so a Ctrl-C or a kill loses at most the exercises being
graded at that moment; a torn last line is cut off on the next run. Each row carries the submission file's content
hash and the grader version; a row is current when both match, and the next run grades only what is missing or
changed. Everything else (grades.csv, feedback/*.md, summary.json, scores.png) is regenerated from the rows and
written to a temporary file first, then renamed into place, so those files are always whole.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import statistics
from pathlib import Path

from grader.files import write_atomic
from grader.results import PASSED, ExerciseResult


def content_hash(data: bytes | None) -> str:
    return "missing" if data is None else "sha256:" + hashlib.sha256(data).hexdigest()


class ResultsStore:
    """results.jsonl: append-only rows, the latest row per (student, exercise) wins."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.rows: dict[tuple[str, int], dict] = {}
        self.repaired = 0
        self._fh = None

    def load(self) -> "ResultsStore":
        if not self.path.exists():
            return self
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):  # a torn last line from a kill: drop it
            cut = data.rfind(b"\n") + 1
            self.repaired = len(data) - cut
            with open(self.path, "r+b") as fh:
                fh.truncate(cut)
                fh.flush()
                os.fsync(fh.fileno())
            data = data[:cut]
        for line in data.splitlines():
            try:
                row = json.loads(line)
                key = (str(row["student"]), int(row["exercise"]))
            except (ValueError, KeyError, TypeError):
                self.repaired += len(line)
                continue
            self.rows[key] = row
        return self

    def is_current(self, student: str, exercise: int, digest: str, version: str) -> bool:
        row = self.rows.get((student, exercise))
        return bool(row) and row.get("hash") == digest and row.get("grader_version") == version

    def append(self, row: dict) -> None:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "ab")
        self._fh.write(json.dumps(row, sort_keys=True, default=_jsonable).encode() + b"\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self.rows[(str(row["student"]), int(row["exercise"]))] = row

    def compact(self) -> None:
        """Rewrite the file with one (the latest) row per (student, exercise), atomically."""
        self.close()
        text = "".join(json.dumps(self.rows[k], sort_keys=True, default=_jsonable) + "\n" for k in sorted(self.rows))
        write_atomic(self.path, text)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    # -- views ----------------------------------------------------------------------------------------------------
    def students(self) -> list[str]:
        return sorted({s for s, _ in self.rows})

    def by_student(self) -> dict[str, list[dict]]:
        """Each student's rows in exercise order, students sorted (one pass: a class of thousands stays fast)."""
        out: dict[str, list[dict]] = {}
        for key in sorted(self.rows):
            out.setdefault(key[0], []).append(self.rows[key])
        return out

    def exercises(self) -> list[int]:
        return sorted({n for _, n in self.rows})

    def result(self, student: str, exercise: int) -> ExerciseResult | None:
        row = self.rows.get((student, exercise))
        return None if row is None else ExerciseResult.from_dict(row["result"])


def _jsonable(value):
    try:
        import numpy as np

        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
    except ImportError:  # pragma: no cover
        pass
    return repr(value)


# -- exports -------------------------------------------------------------------------------------------------------
def grades_csv(store: ResultsStore) -> str:
    """student, one column per exercise (its score), total; 'late' last when any submission was late."""
    exercises = store.exercises()
    late = {s: any(r.get("late") for r in rows) for s, rows in store.by_student().items()}
    with_late = any(late.values())
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", *[f"ex{n:02d}" for n in exercises], "total", *(["late"] if with_late else [])])
    for student in store.students():
        cells, total = [], 0
        for n in exercises:
            row = store.rows.get((student, n))
            if row is None:
                cells.append("")
            else:
                cells.append(row["score"])
                total += row["score"]
        writer.writerow([_csv_safe(student), *cells, total, *(["yes" if late[student] else ""] if with_late else [])])
    return buf.getvalue()


def _csv_safe(text: str) -> str:
    """Student names come from file names: keep a spreadsheet from reading one as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def max_scores(store: ResultsStore) -> dict[int, int]:
    out: dict[int, int] = {}
    for (_, n), row in store.rows.items():
        out[n] = max(out.get(n, 0), int(row.get("max_score", 0)))
    return out


def summarize(store: ResultsStore, *, slowest: int = 5, bins: int = 10) -> dict:
    """Class statistics: totals, mean, median, per-exercise pass rates, slowest submissions, histogram."""
    students = store.students()
    maxes = max_scores(store)
    max_total = sum(maxes.values())
    by_student = store.by_student()
    totals = {s: sum(r["score"] for r in by_student[s]) for s in students}
    seconds = {s: sum(float(r["result"].get("wall_seconds", 0.0)) for r in by_student[s]) for s in students}
    per_ex = {}
    for n in store.exercises():
        rows = [r for (_, m), r in store.rows.items() if m == n]
        per_ex[n] = {"graded": len(rows), "max_score": maxes.get(n, 0),
                     "pass_rate": sum(r["status"] == PASSED for r in rows) / len(rows) if rows else 0.0,
                     "mean_score": statistics.fmean(r["score"] for r in rows) if rows else 0.0,
                     "statuses": _count(r["status"] for r in rows)}
    values = list(totals.values())
    edges = [max_total * i / bins for i in range(bins + 1)]
    counts = [0] * bins
    for v in values:
        i = min(bins - 1, int(v / max_total * bins)) if max_total else 0
        counts[i] += 1
    return {
        "students": len(students), "max_total": max_total,
        "mean": statistics.fmean(values) if values else 0.0,
        "median": statistics.median(values) if values else 0.0,
        "stdev": statistics.pstdev(values) if len(values) > 1 else 0.0,
        "totals": totals, "exercises": per_ex,
        "slowest": sorted(seconds.items(), key=lambda kv: -kv[1])[:slowest],
        "histogram": {"edges": edges, "counts": counts},
    }


def _count(items) -> dict:
    out: dict = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return out


def histogram_png(summary: dict, path: Path) -> bool:
    """A PNG of the score distribution (matplotlib, headless); False when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    totals = list(summary["totals"].values())
    edges = summary["histogram"]["edges"]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    if totals and summary["max_total"]:
        ax.hist(totals, bins=edges, color="#4c72b0", edgecolor="white")
        ax.axvline(summary["mean"], color="#dd8452", linestyle="--", label=f"mean {summary['mean']:.1f}")
        ax.axvline(summary["median"], color="#55a868", linestyle=":", label=f"median {summary['median']:.1f}")
        ax.legend()
        ax.set_xlim(0, summary["max_total"])
    ax.set_xlabel(f"total score (of {summary['max_total']})")
    ax.set_ylabel("students")
    ax.set_title(f"Score distribution, {summary['students']} students")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    write_atomic(path, buf.getvalue())
    return True


def text_histogram(summary: dict, width: int = 40) -> list[str]:
    edges, counts = summary["histogram"]["edges"], summary["histogram"]["counts"]
    top = max(counts, default=0) or 1
    lines = []
    for i, c in enumerate(counts):
        bar = "#" * round(c / top * width)
        lines.append(f"{edges[i]:6.1f}-{edges[i + 1]:<6.1f} {c:4d} {bar}")
    return lines
