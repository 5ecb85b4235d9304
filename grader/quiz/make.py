"""`grade quiz make`: one quiz per student of a roster, printable, with answer keys and the record to grade them.

What lands in the output folder::

    quizzes.html          every student's quiz, one A4 page each: print this
    quizzes.md            the same in Markdown
    answer-key.html/.md   the combined key for the TA (one page per student, worked answers)
    answer-key.csv        the key as an answers sheet (id, name, q1..qN): `grade quiz grade` gives it full marks
    answers-template.csv  an empty answers sheet to fill in (one row per student)
    students/<id>/        quiz.html, quiz.md and key.md of each student
    quiz.json             what grading needs: seed, question plan, secret fingerprint, each student's variant
    quiz-secret.txt       the course secret, when none was given (--secret or $GRADER_QUIZ_SECRET): keep it private
"""
from __future__ import annotations

import csv
import datetime as _dt
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from grader.i18n import N_, gettext as _
from grader.quiz import render
from grader.quiz.answers import key_text
from grader.quiz.generators import GENERATOR_VERSION, Quiz, build_quiz, plan
from grader.quiz.tables import read_roster
from grader.quiz.variants import SECRET_FILE, resolve_secret, secret_fingerprint

DEFAULT_TITLE = N_("Quiz: convolutional neural networks")   # printed in the active language
QUIZ_JSON = "quiz.json"
FORMAT = "cnn-grader quiz"
OUTPUTS = (QUIZ_JSON, "quizzes.html", "quizzes.md", "answer-key.html", "answer-key.md", "answer-key.csv",
           "answers-template.csv", "students")


class QuizProblem(Exception):
    """A problem with the request (the message is one line, for the user)."""


@dataclass
class Made:
    out: Path
    quizzes: list[Quiz]
    kinds: tuple[str, ...]
    secret_source: str
    secret_created: bool


def slug(student_id: str) -> str:
    """A file-name-safe form of a student id."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", student_id).strip("._") or "student"


def unique_slugs(ids) -> list[str]:
    out, used = [], set()
    for sid in ids:
        base = s = slug(sid)
        n = 2
        while s.lower() in used:
            s, n = f"{base}-{n}", n + 1
        used.add(s.lower())
        out.append(s)
    return out


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def make_quizzes(roster: Path, out: Path, questions: int = 8, seed: str = "0", secret: str | None = None,
                 kinds: list[str] | None = None, title: str = DEFAULT_TITLE, force: bool = False,
                 id_column: str | None = None) -> Made:
    roster, out = Path(roster), Path(out)
    title = _(title) if title == DEFAULT_TITLE else title
    students = read_roster(roster, id_column)
    try:
        chosen = plan(questions, kinds)
    except ValueError as exc:
        raise QuizProblem(str(exc)) from None
    if out.exists() and not out.is_dir():
        raise QuizProblem(f"{out} exists and is not a folder")
    existing = [name for name in OUTPUTS if (out / name).exists()]
    if existing and not force:
        listed = ", ".join(existing[:3]) + (", ..." if len(existing) > 3 else "")
        raise QuizProblem(f"the folder {out} already holds a quiz ({listed}); pass --force to overwrite it (the course "
                          f"secret in {SECRET_FILE} is kept)")
    out.mkdir(parents=True, exist_ok=True)
    had_secret_file = (out / SECRET_FILE).exists()
    secret_value, source = resolve_secret(secret, out, create=True)
    seed = str(seed)
    quizzes = [build_quiz(s.id, secret_value, seed, chosen, name=s.name) for s in students]
    folders = unique_slugs([s.id for s in students])

    if (out / "students").exists() and (out / QUIZ_JSON).exists():
        shutil.rmtree(out / "students")               # a previous run's per-student files (the roster may differ)
    (out / "quizzes.html").write_text(render.document_html(quizzes, title), encoding="utf-8")
    (out / "quizzes.md").write_text(render.class_markdown(quizzes, title), encoding="utf-8")
    (out / "answer-key.html").write_text(render.document_html(quizzes, title, key=True), encoding="utf-8")
    (out / "answer-key.md").write_text(render.class_markdown(quizzes, title, key=True), encoding="utf-8")
    qcols = [f"q{i}" for i in range(1, len(chosen) + 1)]
    write_csv(out / "answer-key.csv", ["id", "name"] + qcols,
              [[q.student_id, q.name] + [key_text(x) for x in q.questions] for q in quizzes])
    write_csv(out / "answers-template.csv", ["id", "name"] + qcols,
              [[q.student_id, q.name] + [""] * len(chosen) for q in quizzes])
    for quiz, folder in zip(quizzes, folders):
        d = out / "students" / folder
        d.mkdir(parents=True, exist_ok=True)
        (d / "quiz.html").write_text(render.document_html([quiz], title), encoding="utf-8")
        (d / "quiz.md").write_text(f"# {title}\n\n" + render.quiz_markdown(quiz), encoding="utf-8")
        (d / "key.md").write_text("# " + _("{title}: answer key").format(title=title) + "\n\n"
                                  + render.quiz_markdown(quiz, key=True),
                                  encoding="utf-8")

    first = quizzes[0].questions
    meta = {
        "format": FORMAT, "version": 1, "generator_version": GENERATOR_VERSION,
        "title": title, "seed": seed, "kinds": list(chosen),
        "titles": [q.title for q in first], "points": [q.points for q in first],
        "total_points": sum(q.points for q in first),
        "secret": {"source": source, "fingerprint": secret_fingerprint(secret_value),
                   **({"file": SECRET_FILE} if source == "file" else {})},
        "made": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "roster": roster.name,
        "students": [{"id": q.student_id, "name": q.name, "variant": q.code, "fingerprint": q.fingerprint,
                      "folder": f"students/{folder}"} for q, folder in zip(quizzes, folders)],
    }
    (out / QUIZ_JSON).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return Made(out, quizzes, chosen, source, source == "file" and not had_secret_file)
