"""`grade export canvas DIR --roster ROSTER.csv` (or `grade batch ... --roster`): scores for Canvas's gradebook import.

The roster is Canvas's own gradebook export (Grades > Export): its columns ``Student``, ``ID``, ``SIS User ID``,
``SIS Login ID``, ``Section`` (others are ignored; a "Points Possible" row is skipped). The file written,
``canvas-import.csv``, has the layout Canvas's Grades > Import reads: those five columns, then one column for the
assignment (``--assignment``; name an existing assignment as Canvas writes it, ``Exercises (123456)``, to fill it in,
or a new name to create one), a "Points Possible" row, then one row per roster student with their total from the
gradebook (the ``total`` of ``grades.csv``).

A graded student is matched to a roster row by the id in their submission's name: Canvas's flat download names files
``name_USERID_SUBMISSIONID_file`` and :mod:`grader.classroom.submissions` calls that student ``name_USERID``, so
USERID is compared with the roster's ``ID``; a folder or zip named after the student's Canvas ID, SIS User ID or SIS
Login ID matches too. Nothing is dropped silently: a graded student who matches no roster row (or several), two
submissions that match one row, and a roster student without a submission (their cell is left blank) are each
listed in ``canvas-unmatched.csv`` and returned.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.classroom.gradebook import ResultsStore, max_scores
from grader.files import write_atomic

COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "    Points Possible"   # as Canvas writes it in its own export
IMPORT_NAME = "canvas-import.csv"
UNMATCHED_NAME = "canvas-unmatched.csv"
DEFAULT_ASSIGNMENT = "CNN exercises"
_CANVAS_STUDENT = re.compile(r"^[^_]+_(?P<uid>\d+)$")   # how submissions.py names a Canvas flat download's student


class RosterError(Exception):
    """A roster that cannot be used (missing columns, unreadable); the message names the file and the problem."""


@dataclass
class CanvasExport:
    text: str
    matched: dict[str, str] = field(default_factory=dict)         # graded student -> roster ID
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (who, why), graded students and roster rows
    roster_students: int = 0


def read_roster(path: Path) -> list[dict[str, str]]:
    """The roster's students: dicts with the five Canvas columns (by those names), in file order."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"{path}: cannot be read ({exc})") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise RosterError(f"{path}: empty file; export the gradebook from Canvas (Grades > Export)")
    index = {name.strip().lower(): i for i, name in enumerate(header)}
    missing = [c for c in COLUMNS if c.lower() not in index]
    if missing:
        raise RosterError(f"{path}: no column {', '.join(repr(c) for c in missing)}; expected Canvas's gradebook "
                          f"export, with the columns {', '.join(COLUMNS)}")
    students = []
    for line, cells in enumerate(reader, 2):
        if not any(c.strip() for c in cells):
            continue
        row = {c: (cells[index[c.lower()]].strip() if index[c.lower()] < len(cells) else "") for c in COLUMNS}
        if row["Student"] == POINTS_POSSIBLE.strip() or (not row["ID"] and "points possible" in row["Student"].lower()):
            continue
        if not row["ID"]:
            raise RosterError(f"{path}: line {line}: no ID for {row['Student']!r}")
        students.append(row)
    return students


def _candidates(student: str) -> list[str]:
    """The ids a graded student's name may carry, tried in this order: the name itself (a folder named after an
    id), then Canvas's USERID of ``name_USERID``."""
    m = _CANVAS_STUDENT.match(student)
    return [student] + ([m["uid"]] if m else [])


def match_students(students: list[str], roster: list[dict[str, str]]):
    """(graded student -> roster index, unmatched (who, why) list)."""
    keys: dict[str, set[int]] = {}
    for i, row in enumerate(roster):
        for column in ("ID", "SIS User ID", "SIS Login ID"):
            if row[column]:
                keys.setdefault(row[column].lower(), set()).add(i)
    found: dict[str, int] = {}
    unmatched: list[tuple[str, str]] = []
    for student in students:
        hits: set[int] = set()
        for key in _candidates(student):
            hits = set(keys.get(key.lower(), ()))
            if hits:
                break
        if len(hits) == 1:
            found[student] = hits.pop()
        elif hits:
            unmatched.append((student, "matches several roster rows: " + ", ".join(
                roster[i]["Student"] for i in sorted(hits)) + "; not exported"))
        else:
            unmatched.append((student, "graded, but no roster row has its id (ID, SIS User ID or SIS Login ID); "
                                       "not exported"))
    by_row: dict[int, list[str]] = {}
    for student, i in found.items():
        by_row.setdefault(i, []).append(student)
    for i, names in sorted(by_row.items()):
        if len(names) > 1:
            for student in names:
                del found[student]
                unmatched.append((student, f"{len(names)} submissions ({', '.join(names)}) match roster row "
                                           f"{roster[i]['Student']} (ID {roster[i]['ID']}); none was exported"))
    return found, unmatched


def canvas_export(store: ResultsStore, roster: list[dict[str, str]], assignment: str = DEFAULT_ASSIGNMENT
                  ) -> CanvasExport:
    """The import CSV (see the module docstring) and who was matched or not."""
    totals = {s: sum(r["score"] for r in rows) for s, rows in store.by_student().items()}
    found, unmatched = match_students(store.students(), roster)
    score_of = {i: totals[s] for s, i in found.items()}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*COLUMNS, assignment])
    writer.writerow([POINTS_POSSIBLE, "", "", "", "", sum(max_scores(store).values())])
    for i, row in enumerate(roster):
        writer.writerow([*(row[c] for c in COLUMNS), score_of.get(i, "")])
        if i not in score_of:
            unmatched.append((f"{row['Student']} (ID {row['ID']})", "on the roster, no graded submission; "
                                                                    "left blank"))
    return CanvasExport(buf.getvalue(), {s: roster[i]["ID"] for s, i in found.items()}, unmatched, len(roster))


def write_canvas(out: Path, roster_path: Path, assignment: str = DEFAULT_ASSIGNMENT) -> CanvasExport:
    """Read the roster and the gradebook in ``out``; write canvas-import.csv and canvas-unmatched.csv there."""
    out = Path(out)
    if not (out / "results.jsonl").is_file():
        raise RosterError(f"{out}: no results.jsonl; run `grade batch` (or `grade merge`) into it first")
    roster = read_roster(roster_path)
    export = canvas_export(ResultsStore(out / "results.jsonl").load(), roster, assignment)
    write_atomic(out / IMPORT_NAME, export.text)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["who", "why"])
    writer.writerows(export.unmatched)
    write_atomic(out / UNMATCHED_NAME, buf.getvalue())
    return export
