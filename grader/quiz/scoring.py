"""`grade quiz grade`: grade a class's answers by regenerating each student's quiz from id + secret + seed.

The quiz folder (written by `grade quiz make`) is found from ``--quiz``, else the ``--out`` folder, else the answers
file's folder: its quiz.json gives the seed, the question plan and, per student, a fingerprint of the quiz that was
printed. The secret comes from --secret, $GRADER_QUIZ_SECRET or quiz-secret.txt in the quiz folder; a wrong secret
or a changed generator is reported instead of grading against the wrong key.

Writes ``scores.csv`` (id, name, variant, points per question, total, max, percent, status; roster students
without answers get status "no answers") and ``feedback/<id>.md`` (per question: the student's answer as read,
right or wrong and why, the key and the worked solution).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.i18n import gettext as _
from grader.quiz import render
from grader.quiz.answers import Verdict, check, key_text
from grader.quiz.generators import GENERATOR_VERSION, Quiz, build_quiz
from grader.quiz.make import FORMAT, QUIZ_JSON, QuizProblem, slug, write_csv
from grader.quiz.tables import AnswerSheet, read_answers
from grader.quiz.variants import SecretProblem, resolve_secret, secret_fingerprint

OUTPUTS = ("scores.csv", "feedback")


@dataclass
class Graded:
    quiz: Quiz
    row: int
    verdicts: list[Verdict]

    @property
    def total(self) -> int:
        return sum(v.points for v in self.verdicts)


@dataclass
class Result:
    out: Path
    quiz_dir: Path
    graded: list[Graded]
    absent: list[dict]
    max_points: int
    titles: list[str]
    unreadable: list[str] = field(default_factory=list)     # one line per unreadable answer, naming the row


def find_quiz_dir(quiz: Path | None, out: Path, answers: Path) -> Path:
    if quiz is not None:
        if not (Path(quiz) / QUIZ_JSON).is_file():
            raise QuizProblem(f"{quiz} has no {QUIZ_JSON}: pass the folder `grade quiz make --out` wrote")
        return Path(quiz)
    for candidate in (Path(out), Path(answers).resolve().parent):
        if (candidate / QUIZ_JSON).is_file():
            return candidate
    raise QuizProblem(f"no {QUIZ_JSON} in {out} or next to {Path(answers).name}: pass --quiz DIR, the folder "
                      f"`grade quiz make --out DIR` wrote")


def load_meta(quiz_dir: Path) -> dict:
    path = quiz_dir / QUIZ_JSON
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise QuizProblem(f"{path}: cannot read it ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or not meta.get("students"):
        raise QuizProblem(f"{path} is not a quiz record written by `grade quiz make`")
    if meta.get("generator_version") != GENERATOR_VERSION:
        raise QuizProblem(f"{path} was made by question generators version {meta.get('generator_version')}, this "
                          f"cnn-grader has version {GENERATOR_VERSION}: grade with the version that made the quiz")
    return meta


def _loose(sid: str) -> str:
    """Ids as spreadsheets mangle them: ' 00123 ' / '123' / '123.0' all become '123'; letters are case-folded."""
    s = sid.strip().lower()
    if re.fullmatch(r"\d+(?:\.0+)?", s):
        return s.split(".")[0].lstrip("0") or "0"
    return s


def match_students(sheet: AnswerSheet, roster: list[dict]) -> list[tuple[int, dict, list[str]]]:
    """[(row, roster entry, cells)], or an error naming the rows with unknown or repeated students."""
    exact = {s["id"]: s for s in roster}
    loose: dict[str, list[dict]] = {}
    for s in roster:
        loose.setdefault(_loose(s["id"]), []).append(s)
    matched, unknown, seen = [], [], {}
    name = sheet.path.name
    for r in sheet.rows:
        entry = exact.get(r.student_id)
        if entry is None and len(loose.get(_loose(r.student_id), [])) == 1:
            entry = loose[_loose(r.student_id)][0]
        if entry is None:
            unknown.append(r)
            continue
        if entry["id"] in seen:
            raise QuizProblem(f"{name} row {r.row}: student {entry['id']!r} has answers in row {seen[entry['id']]} "
                              f"already (one row per student)")
        seen[entry["id"]] = r.row
        matched.append((r.row, entry, list(r.cells)))
    if unknown:
        first = unknown[0]
        more = (f" ({len(unknown)} unknown students in all, rows {', '.join(str(u.row) for u in unknown[:10])}"
                f"{', ...' if len(unknown) > 10 else ''})") if len(unknown) > 1 else ""
        raise QuizProblem(f"{name} row {first.row}: student {first.student_id!r} (column {sheet.id_header!r}) is not "
                          f"in the quiz's roster{more}")
    return matched


def grade_class(answers: Path, out: Path, quiz: Path | None = None, secret: str | None = None, force: bool = False,
                id_column: str | None = None, strict: bool = False) -> Result:
    answers, out = Path(answers), Path(out)
    quiz_dir = find_quiz_dir(quiz, out, answers)
    meta = load_meta(quiz_dir)
    if out.exists() and not out.is_dir():
        raise QuizProblem(f"{out} exists and is not a folder")
    existing = [n for n in OUTPUTS if (out / n).exists()]
    if existing and not force:
        raise QuizProblem(f"the folder {out} already holds grades ({', '.join(existing)}); pass --force to "
                          f"overwrite them")
    try:
        secret_value, source = resolve_secret(secret, quiz_dir, create=False)
    except SecretProblem as exc:
        raise QuizProblem(str(exc)) from None
    recorded = meta.get("secret", {})
    if secret_fingerprint(secret_value) != recorded.get("fingerprint"):
        where = {"option": "--secret", "env": "$GRADER_QUIZ_SECRET", "file": "quiz-secret.txt"}
        raise QuizProblem(f"the secret from {where[source]} is not the one the quizzes were made with (that came from "
                          f"{where.get(recorded.get('source'), 'elsewhere')}); grading needs the same secret")
    kinds = meta["kinds"]
    sheet = read_answers(answers, len(kinds), id_column)
    matched = match_students(sheet, meta["students"])

    graded, unreadable = [], []
    for row, entry, cells in matched:
        q = build_quiz(entry["id"], secret_value, meta["seed"], kinds, name=entry.get("name", ""))
        if q.fingerprint != entry.get("fingerprint"):
            raise QuizProblem(f"student {entry['id']!r}: the regenerated quiz differs from the one made on "
                              f"{meta.get('made', '?')} (variant {entry.get('variant')}): the questions changed since "
                              f"(grade with the cnn-grader that made the quiz) or quiz.json was edited")
        verdicts = [check(question, text) for question, text in zip(q.questions, cells)]
        for i, v in enumerate(verdicts, 1):
            if v.unreadable:
                unreadable.append(f"{answers.name} row {row} (student {entry['id']}), q{i}: {v.note}")
        graded.append(Graded(q, row, verdicts))
    if strict and unreadable:
        raise QuizProblem(unreadable[0] + (f" (and {len(unreadable) - 1} more)" if len(unreadable) > 1 else ""))
    answered = {g.quiz.student_id for g in graded}
    absent = [s for s in meta["students"] if s["id"] not in answered]

    out.mkdir(parents=True, exist_ok=True)
    folders = {s["id"]: s.get("folder", f"students/{slug(s['id'])}").split("/")[-1] for s in meta["students"]}
    max_points = int(meta["total_points"])
    header = ["id", "name", "variant"] + [f"q{i}" for i in range(1, len(kinds) + 1)] + ["total", "max", "percent",
                                                                                         "status"]
    rows = [[g.quiz.student_id, g.quiz.name, g.quiz.code] + [str(v.points) for v in g.verdicts]
            + [str(g.total), str(max_points), f"{100 * g.total / max_points:.1f}", "graded"] for g in graded]
    rows += [[s["id"], s.get("name", ""), s.get("variant", "")] + [""] * len(kinds) + ["", str(max_points), "",
                                                                                         "no answers"]
             for s in absent]
    write_csv(out / "scores.csv", header, rows)
    feedback = out / "feedback"
    if feedback.exists():
        for old in feedback.glob("*.md"):
            old.unlink()
    feedback.mkdir(exist_ok=True)
    for g in graded:
        (feedback / f"{folders[g.quiz.student_id]}.md").write_text(feedback_markdown(g, meta, max_points),
                                                                   encoding="utf-8")
    return Result(out, quiz_dir, graded, absent, max_points, list(meta.get("titles", [])), unreadable)


def feedback_markdown(g: Graded, meta: dict, max_points: int) -> str:
    quiz = g.quiz
    who = f"{quiz.name} ({quiz.student_id})" if quiz.name else quiz.student_id
    lines = ["# " + _("{title}: feedback for {who}").format(title=meta.get("title", "Quiz"), who=who), "",
             _("Variant {code} · score {score} ({percent})").format(
                 code=f"`{quiz.code}`", score=f"**{g.total}/{max_points}**",
                 percent=f"{100 * g.total / max_points:.0f}%"), ""]
    for i, (q, v) in enumerate(zip(quiz.questions, g.verdicts), 1):
        mark = _("correct") if v.correct else (_("no answer") if v.blank else _("wrong"))
        lines += [f"## {i}. {q.title}: {v.points}/{q.points} ({mark})", ""]
        lines += [render.body_markdown(q).rstrip(), ""]
        if not v.blank:
            lines.append("- " + _("Your answer: {answer}").format(answer=f"`{v.given}`") + (f" ({v.note})" if v.note
                                                                                        else ""))
        if not v.correct:
            lines.append("- " + _("Correct answer: {answer}").format(answer=f"`{key_text(q)}`"))
        lines += ["- " + _("Solution: {solution}").format(solution=q.explanation), ""]
    return "\n".join(lines)
