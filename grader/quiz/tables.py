"""Reading a class roster and a class's answers from CSV (as a spreadsheet, a web form or an LMS exports them).

Rows are numbered as a spreadsheet shows them: the header is row 1, the first student row 2. Every problem is a
:class:`InputProblem` whose message names the file and the row.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

# Header names (compared lowercased with everything but letters and digits removed), most specific first.
ID_HEADERS = ("sisuserid", "sisid", "studentid", "studentnumber", "matriculationnumber", "學號", "学号", "id",
              "userid", "username")
NAME_HEADERS = ("name", "studentname", "fullname", "displayname", "student", "姓名", "sortablename")
QUESTION_HEADER = re.compile(r"^\s*(?:q|question|ques\.?|problem|題)\s*[-_#.:]?\s*(\d+)(?!\d)", re.I)


class InputProblem(Exception):
    """Bad input: the message is one line naming the file and, where there is one, the row."""


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    row: int


@dataclass(frozen=True)
class AnswerRow:
    row: int
    student_id: str
    name: str
    cells: tuple[str, ...]          # the answers to q1..qN, "" where blank


@dataclass(frozen=True)
class AnswerSheet:
    path: Path
    id_header: str
    rows: tuple[AnswerRow, ...]


def _norm(header: str) -> str:
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]", "", header.strip().lower())


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(row number, cells), ...]) with the delimiter sniffed (',', ';' or tab) and a BOM dropped."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputProblem(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if not text.strip():
        raise InputProblem(f"{path.name}: the file is empty")
    first = text.lstrip().splitlines()[0]
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise InputProblem(f"{path.name} row {reader.line_num}: not valid CSV ({exc})") from None
    numbered = [(i, [c.strip() for c in rec]) for i, rec in enumerate(records, 1)]
    numbered = [(i, rec) for i, rec in numbered if any(rec)]
    if not numbered:
        raise InputProblem(f"{path.name}: the file is empty")
    (_, header), rows = numbered[0], numbered[1:]
    return header, rows


def find_column(header: list[str], wanted: tuple[str, ...], explicit: str | None, path: Path) -> int | None:
    """The index of the column for ``what``: the explicit header if given, else the first known name."""
    normalized = [_norm(h) for h in header]
    if explicit is not None:
        target = _norm(explicit)
        if target in normalized:
            return normalized.index(target)
        raise InputProblem(f"{path.name}: there is no column named {explicit!r} (the header is: "
                           f"{', '.join(header)})")
    for name in wanted:
        if name in normalized:
            return normalized.index(name)
    return None


def _cell(rec: list[str], i: int) -> str:
    return rec[i] if i < len(rec) else ""


def _id_column(header: list[str], id_column: str | None, path: Path) -> int:
    """The index of the student id column, or a one-line error naming what was looked for."""
    id_at = find_column(header, ID_HEADERS, id_column, path)
    if id_at is None:
        raise InputProblem(f"{path.name} row 1: no student id column (looked for a header named id, student_id, "
                           f"sis_id or 'SIS User ID'; the header is: {', '.join(header) or '(empty)'}); use "
                           f"--id-column to name it")
    return id_at


def read_roster(path: Path, id_column: str | None = None) -> list[Student]:
    """The students of a roster CSV: an id column (id, student_id, sis_id, 'SIS User ID', ...) and maybe a name."""
    path = Path(path)
    header, rows = read_csv(path)
    id_at = _id_column(header, id_column, path)
    name_at = find_column(header, NAME_HEADERS, None, path)
    students, seen = [], {}
    for row, rec in rows:
        sid = _cell(rec, id_at)
        if not sid:
            raise InputProblem(f"{path.name} row {row}: the student id ({header[id_at]}) is empty")
        if sid in seen:
            raise InputProblem(f"{path.name} row {row}: duplicate student id {sid!r} (also in row {seen[sid]})")
        seen[sid] = row
        students.append(Student(sid, _cell(rec, name_at) if name_at is not None else "", row))
    if not students:
        raise InputProblem(f"{path.name}: no students (only a header)")
    return students


def question_columns(header: list[str], questions: int, path: Path) -> list[int]:
    """The column index of q1..qN; error for a missing, duplicated or extra question column."""
    found: dict[int, int] = {}
    for i, h in enumerate(header):
        m = QUESTION_HEADER.match(h)
        if not m:
            continue
        number = int(m.group(1))
        if number in found:
            raise InputProblem(f"{path.name} row 1: two columns for question {number} ({header[found[number]]!r} "
                               f"and {h!r})")
        found[number] = i
    extra = sorted(n for n in found if not 1 <= n <= questions)
    if extra:
        raise InputProblem(f"{path.name} row 1: column {header[found[extra[0]]]!r} is not a question of this quiz "
                           f"(it has {questions} questions, q1-q{questions})")
    missing = [n for n in range(1, questions + 1) if n not in found]
    if missing:
        listed = ", ".join(f"q{n}" for n in missing[:8]) + (", ..." if len(missing) > 8 else "")
        raise InputProblem(f"{path.name} row 1: no column for {listed} (the quiz has {questions} questions: a "
                           f"column per question named q1..q{questions}, Q1 or 'question 1')")
    return [found[n] for n in range(1, questions + 1)]


def read_answers(path: Path, questions: int, id_column: str | None = None) -> AnswerSheet:
    """One row per student: an id column and a column per question (q1..qN, Q1, 'question 1', ...)."""
    path = Path(path)
    header, rows = read_csv(path)
    id_at = _id_column(header, id_column, path)
    name_at = find_column(header, NAME_HEADERS, None, path)
    columns = question_columns(header, questions, path)
    out = []
    for row, rec in rows:
        sid = _cell(rec, id_at)
        cells = tuple(_cell(rec, i) for i in columns)
        if not sid:
            raise InputProblem(f"{path.name} row {row}: the student id ({header[id_at]}) is empty")
        out.append(AnswerRow(row, sid, _cell(rec, name_at) if name_at is not None else "", cells))
    return AnswerSheet(path, header[id_at], tuple(out))
