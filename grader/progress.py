"""Remember each exercise's last grade (outside the student's folder) so `grade list` can show progress at once.

The record is keyed by the exercises folder and stores, per exercise, the graded file's name (the .py or a
notebook) and content hash; an edited file shows as "changed" until it is graded again, and counts no points in the
course overview until then. A file whose graded functions still just raise NotImplementedError is "todo".
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from grader import locate
from grader.course.entry import Exercise
from grader.i18n import N_
from grader.results import PASSED


def _store(exercises_dir: Path) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cnn-grader"
    key = hashlib.sha256(str(exercises_dir.resolve()).encode()).hexdigest()[:16]
    return base / f"progress-{key}.json"


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load(exercises_dir: Path) -> dict:
    try:
        data = json.loads(_store(exercises_dir).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record(exercises_dir: Path, results) -> None:
    """Save the status of each graded exercise; failures to write are ignored (progress is a convenience)."""
    data = load(exercises_dir)
    for r in results:
        path = exercises_dir / r.file
        if path.is_file():
            data[str(r.number)] = {"hash": file_hash(path), "file": r.file, "status": r.status, "score": r.score,
                                   "max": r.max_score}
    try:
        store = _store(exercises_dir)
        store.parent.mkdir(parents=True, exist_ok=True)
        tmp = store.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(store)
    except OSError:
        pass


@dataclass(frozen=True)
class State:
    """Where one exercise stands: its file (None: missing), and its last grade if that file has not changed since."""

    number: int
    file: str | None
    status: str                   # "passed (12/12)", "todo", "changed, not graded yet", "missing", ...
    passed: bool = False
    score: int = 0


def states(exercises_dir: Path, exercises: tuple[Exercise, ...]) -> list[State]:
    """Each exercise's state, from the record kept outside the student's folder and the files as they are now."""
    data = load(exercises_dir)
    out = []
    for ex in exercises:
        found = locate.exercise_file(ex, exercises_dir)
        if found.path is None:
            out.append(State(ex.number, None, N_("missing")))
            continue
        rec = data.get(str(ex.number))
        rec = rec if isinstance(rec, dict) and isinstance(rec.get("score"), int) else None
        content = found.path.read_bytes()
        if rec and rec.get("hash") == hashlib.sha256(content).hexdigest() and rec.get("file", ex.file) == \
                found.path.name:
            out.append(State(ex.number, found.path.name, f"{rec.get('status')} ({rec['score']}/{rec.get('max')})",
                             rec.get("status") == PASSED, rec["score"]))
        elif locate.untouched(ex, found.path.name, content):
            out.append(State(ex.number, found.path.name, N_("todo")))
        else:
            # stored and printed by --json in English; translated where shown (grader.report.status_label)
            status = N_("changed, not graded yet") if rec else N_("not graded yet")
            out.append(State(ex.number, found.path.name, status))
    return out


def overview(exercises: tuple[Exercise, ...], states_now: list[State]) -> dict:
    """Progress over the whole course: points so far (last grades of unchanged files) out of the total, how many
    exercises pass, and the first one that does not (None when all do)."""
    by_number = {s.number: s for s in states_now}
    todo = [ex for ex in exercises if not by_number[ex.number].passed]
    nxt = todo[0] if todo else None
    return {"points": sum(s.score for s in states_now), "max_points": sum(ex.points for ex in exercises),
            "passed": sum(s.passed for s in states_now), "exercises": len(exercises),
            "next": None if nxt is None else {"number": nxt.number, "title": nxt.title,
                                              "file": by_number[nxt.number].file or nxt.file}}


def docstrings(path: Path, functions: tuple[str, ...]) -> dict[str, str]:
    """The module and function docstrings of a file, read with ast (the file is never run)."""
    tree = ast.parse(path.read_bytes())
    out = {}
    if (doc := ast.get_docstring(tree)):
        out["(module)"] = doc
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in functions:
            out[node.name] = ast.get_docstring(node) or "(no docstring)"
    return out
