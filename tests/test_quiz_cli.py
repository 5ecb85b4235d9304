"""`grade quiz make / grade / take`: the round trip, the files, and one-line messages for bad input."""
import csv
import json
import os
import stat

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.quiz import generators as g
from grader.quiz.answers import key_text


@pytest.fixture(autouse=True)
def _no_env_secret(monkeypatch):
    monkeypatch.delenv("GRADER_QUIZ_SECRET", raising=False)


def run(*args, input=None, env=None):
    return CliRunner().invoke(cli, ["quiz", *map(str, args)], input=input, env=env, catch_exceptions=False)


def write(path, rows, delimiter=",", bom=False):
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


ROSTER = [["SIS User ID", "Student", "Email"], ["00123", "Ada Lovelace", "ada@x"], ["456", "Alan Turing", "at@x"],
          ["abc-7", "陳宇春", "c@x"]]


@pytest.fixture
def made(tmp_path):
    """A quiz made for the three-student roster in tmp/quiz."""
    roster = write(tmp_path / "roster.csv", ROSTER)
    result = run("make", "--roster", roster, "--out", tmp_path / "quiz")
    assert result.exit_code == 0, result.output
    return tmp_path / "quiz"


def test_make_writes_quizzes_keys_and_the_record(made):
    for name in ["quizzes.html", "quizzes.md", "answer-key.html", "answer-key.md", "answer-key.csv",
                 "answers-template.csv", "quiz.json", "quiz-secret.txt"]:
        assert (made / name).is_file(), name
    for sid in ["00123", "456", "abc-7"]:
        assert {p.name for p in (made / "students" / sid).iterdir()} == {"quiz.html", "quiz.md", "key.md"}
    meta = json.loads((made / "quiz.json").read_text())
    assert meta["kinds"] == list(g.plan(8)) and meta["seed"] == "0" and meta["secret"]["source"] == "file"
    assert [s["id"] for s in meta["students"]] == ["00123", "456", "abc-7"]
    assert meta["students"][2]["name"] == "陳宇春"
    assert "secret" not in json.dumps(meta["students"]) and (made / "quiz-secret.txt").read_text().strip() not in \
        (made / "quiz.json").read_text()
    assert stat.S_IMODE(os.stat(made / "quiz-secret.txt").st_mode) == 0o600
    html = (made / "quizzes.html").read_text()
    assert html.count('<section class="sheet"') == 3 and "Ada Lovelace" in html and 'class="grid"' in html
    assert [r["id"] for r in read(made / "answers-template.csv")] == ["00123", "456", "abc-7"]
    key = (made / "answer-key.md").read_text()
    assert key.count("answer key") >= 3 and "**Answer:**" in key


def test_key_scores_full_marks_and_a_wrong_answer_loses_exactly_that_question(made, tmp_path):
    result = run("grade", made / "answer-key.csv", "--out", made)
    assert result.exit_code == 0, result.output
    scores = read(made / "scores.csv")
    assert [(r["id"], r["total"], r["max"], r["status"]) for r in scores] == [
        (sid, "11", "11", "graded") for sid in ["00123", "456", "abc-7"]]
    assert "mean 11.0/11 (100%)" in result.output
    assert {p.name for p in (made / "feedback").iterdir()} == {"00123.md", "456.md", "abc-7.md"}

    rows = list(csv.reader(open(made / "answer-key.csv", encoding="utf-8")))
    rows[2][2 + 3] = "1"                                       # student 456, q4 (model parameters, 2 points)
    answers = write(tmp_path / "answers.csv", rows)
    result = run("grade", answers, "--out", tmp_path / "graded", "--quiz", made)
    assert result.exit_code == 0, result.output
    scores = {r["id"]: r for r in read(tmp_path / "graded" / "scores.csv")}
    assert scores["456"]["total"] == "9" and scores["456"]["q4"] == "0"
    assert all(scores["456"][f"q{i}"] != "0" for i in (1, 2, 3, 5, 6, 7, 8))
    assert scores["00123"]["total"] == scores["abc-7"]["total"] == "11"
    feedback = (tmp_path / "graded" / "feedback" / "456.md").read_text()
    assert "## 4. Parameters of a model: 0/2 (wrong)" in feedback and "Correct answer:" in feedback


def test_lenient_answer_sheet_from_an_lms(made, tmp_path):
    """';'-separated with a BOM, 'Q1'/'question 2' headers, Excel-mangled ids, reformatted answers, extra columns."""
    meta = json.loads((made / "quiz.json").read_text())
    secret = (made / "quiz-secret.txt").read_text().strip()
    quiz = g.build_quiz("00123", secret, "0", meta["kinds"])
    cells = []
    for q in quiz.questions:
        text = key_text(q)
        if q.answer.type == "matrix":
            text = "[" + ", ".join("[" + ", ".join(r.split()) + "]" for r in text.split("; ")) + "]"
        cells.append(text)
    header = ["Timestamp", "SIS User ID"] + [f"Q{i}" if i % 2 else f"question {i}" for i in range(1, 9)]
    answers = write(tmp_path / "lms.csv", [header, ["2024-05-01", "123"] + cells], delimiter=";", bom=True)
    result = run("grade", answers, "--out", made)
    assert result.exit_code == 0, result.output
    scores = {r["id"]: r for r in read(made / "scores.csv")}
    assert scores["00123"]["total"] == "11"
    assert scores["456"]["status"] == "no answers" and "2 students on the roster without answers" in result.output


def test_unreadable_answers_are_named_by_row_and_score_zero_or_stop_with_strict(made, tmp_path):
    rows = list(csv.reader(open(made / "answer-key.csv", encoding="utf-8")))
    rows[3][2] = "seven"
    answers = write(tmp_path / "a.csv", rows)
    result = run("grade", answers, "--out", tmp_path / "out", "--quiz", made)
    assert result.exit_code == 0
    assert "warning: a.csv row 4 (student abc-7), q1: could not read the answer: 'seven' is not a number" in \
        result.stderr
    assert read(tmp_path / "out" / "scores.csv")[2]["q1"] == "0"
    result = run("grade", answers, "--out", tmp_path / "strict", "--quiz", made, "--strict")
    assert result.exit_code == 2 and "a.csv row 4 (student abc-7), q1" in result.stderr
    assert not (tmp_path / "strict" / "scores.csv").exists()


def error(result):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("rows,message", [
    ([["name", "email"], ["Ada", "a@x"]], "roster.csv row 1: no student id column (looked for a header named id, "
                                          "student_id, sis_id or 'SIS User ID'; the header is: name, email); use "
                                          "--id-column to name it"),
    ([["id", "name"], ["1", "A"], ["2", "B"], ["1", "C"]], "roster.csv row 4: duplicate student id '1' (also in "
                                                           "row 2)"),
    ([["student_id", "name"], ["1", "A"], ["", "B"]], "roster.csv row 3: the student id (student_id) is empty"),
    ([["id"]], "roster.csv: no students (only a header)"),
])
def test_bad_rosters(tmp_path, rows, message):
    roster = write(tmp_path / "roster.csv", rows)
    assert error(run("make", "--roster", roster, "--out", tmp_path / "q")) == f"Error: {message}"
    assert not (tmp_path / "q").exists()


def test_nothing_is_overwritten_without_force(made, tmp_path):
    before = {p: p.read_bytes() for p in made.rglob("*") if p.is_file()}
    roster = write(tmp_path / "roster2.csv", ROSTER[:2])
    line = error(run("make", "--roster", roster, "--out", made))
    assert "already holds a quiz" in line and "--force" in line
    assert {p: p.read_bytes() for p in made.rglob("*") if p.is_file()} == before

    result = run("make", "--roster", tmp_path / "roster.csv", "--out", made, "--force")
    assert result.exit_code == 0 and "quiz-secret.txt        the course secret" in result.output
    after = json.loads((made / "quiz.json").read_text())
    assert [s["fingerprint"] for s in after["students"]] == [
        s["fingerprint"] for s in json.loads(before[made / "quiz.json"])["students"]]   # same secret, same quizzes

    assert run("grade", made / "answer-key.csv", "--out", made).exit_code == 0
    scores = (made / "scores.csv").read_bytes()
    line = error(run("grade", made / "answer-key.csv", "--out", made))
    assert "already holds grades (scores.csv, feedback)" in line and (made / "scores.csv").read_bytes() == scores
    assert run("grade", made / "answer-key.csv", "--out", made, "--force").exit_code == 0


def test_bad_answer_sheets(made, tmp_path):
    key = list(csv.reader(open(made / "answer-key.csv", encoding="utf-8")))

    def grade(rows, *extra):
        return error(run("grade", write(tmp_path / "answers.csv", rows), "--out", tmp_path / "out", "--quiz", made,
                         *extra))

    unknown = key + [["zz-9", "Nobody"] + key[1][2:]]
    assert grade(unknown) == ("Error: answers.csv row 5: student 'zz-9' (column 'id') is not in the quiz's roster")
    two_unknown = key[:2] + [["x1", ""] + key[1][2:], ["x2", ""] + key[1][2:]]
    assert "row 3: student 'x1'" in grade(two_unknown) and "(2 unknown students in all, rows 3, 4)" in \
        grade(two_unknown)
    missing = [row[:-2] for row in key]
    assert grade(missing) == ("Error: answers.csv row 1: no column for q7, q8 (the quiz has 8 questions: a column per "
                              "question named q1..q8, Q1 or 'question 1')")
    extra = [key[0] + ["q9"]] + [row + [""] for row in key[1:]]
    assert "column 'q9' is not a question of this quiz (it has 8 questions, q1-q8)" in grade(extra)
    twice = key + [key[1]]
    assert grade(twice) == ("Error: answers.csv row 5: student '00123' has answers in row 2 already (one row per "
                            "student)")
    no_id = [["who"] + key[0][2:]] + [[r[1]] + r[2:] for r in key[1:]]
    assert "answers.csv row 1: no student id column" in grade(no_id)
    empty_id = key[:2] + [[""] + key[2][1:]]
    assert grade(empty_id) == "Error: answers.csv row 3: the student id (id) is empty"
    assert not (tmp_path / "out").exists()


def test_the_quiz_folder_and_secret_are_found_or_clearly_missing(made, tmp_path):
    answers = tmp_path / "elsewhere" / "answers.csv"
    answers.parent.mkdir()
    answers.write_bytes((made / "answer-key.csv").read_bytes())
    line = error(run("grade", answers, "--out", tmp_path / "out"))
    assert "no quiz.json in" in line and "pass --quiz DIR" in line
    line = error(run("grade", answers, "--out", tmp_path / "out", "--quiz", made, "--secret", "guess"))
    assert "the secret from --secret is not the one the quizzes were made with (that came from quiz-secret.txt)" in line
    (made / "quiz-secret.txt").rename(tmp_path / "moved-secret.txt")
    line = error(run("grade", answers, "--out", tmp_path / "out", "--quiz", made))
    assert "no course secret: pass --secret, set GRADER_QUIZ_SECRET, or keep quiz-secret.txt" in line
    secret = (tmp_path / "moved-secret.txt").read_text().strip()
    result = run("grade", answers, "--out", tmp_path / "out", "--quiz", made, env={"GRADER_QUIZ_SECRET": secret})
    assert result.exit_code == 0 and "mean 11.0/11" in result.output


def test_secret_from_the_environment_or_option_writes_no_secret_file(tmp_path):
    roster = write(tmp_path / "roster.csv", ROSTER)
    result = run("make", "--roster", roster, "--out", tmp_path / "q", "--seed", "midterm", "--questions", "12",
                 env={"GRADER_QUIZ_SECRET": "course-secret-2024"})
    assert result.exit_code == 0 and "secret from $GRADER_QUIZ_SECRET" in result.output
    assert not (tmp_path / "q" / "quiz-secret.txt").exists()
    meta = json.loads((tmp_path / "q" / "quiz.json").read_text())
    assert meta["seed"] == "midterm" and len(meta["kinds"]) == 12 and meta["secret"]["source"] == "env"
    quiz = g.build_quiz("456", "course-secret-2024", "midterm", meta["kinds"])
    assert quiz.fingerprint == meta["students"][1]["fingerprint"]           # regenerated exactly
    assert error(run("grade", tmp_path / "q" / "answer-key.csv", "--out", tmp_path / "q")).startswith(
        "Error: no course secret")
    result = run("grade", tmp_path / "q" / "answer-key.csv", "--out", tmp_path / "q", "--secret",
                 "course-secret-2024")
    assert result.exit_code == 0 and f"mean {meta['total_points']}.0/{meta['total_points']}" in result.output


def test_bad_options(tmp_path):
    roster = write(tmp_path / "roster.csv", ROSTER)
    assert "--questions must be between 1 and 18" in error(
        run("make", "--roster", roster, "--out", tmp_path / "q", "--questions", "99"))
    assert "unknown question kind 'fourier'" in error(
        run("make", "--roster", roster, "--out", tmp_path / "q", "--kinds", "conv,fourier"))
    result = run("make", "--roster", roster, "--out", tmp_path / "q", "--kinds", "relu, softmax,concept")
    assert result.exit_code == 0 and json.loads((tmp_path / "q" / "quiz.json").read_text())["kinds"] == [
        "relu", "softmax", "concept"]


def test_help_documents_the_secret_and_lists_every_kind():
    from grader.quiz.cli import KIND_NAMES

    assert KIND_NAMES.split(", ") == list(g.KINDS)
    result = run("--help")
    assert result.exit_code == 0 and all(c in result.output for c in ("make", "grade", "take", "quiz-secret.txt"))
    assert "HMAC" in run("make", "--help").output
    assert "--quiz" in run("grade", "--help").output


# ---------------------------------------------------------------------------------------------------------------
# take

def test_take_gives_feedback_per_answer_and_a_final_score():
    quiz = g.build_quiz("practice", "practice", "42", g.plan(8))
    answers = [key_text(q) for q in quiz.questions]
    answers[1] = "1x1x1"                                              # wrong
    answers[2] = "nonsense\n" + answers[2]                            # unreadable, then right
    answers[7] = ""                                                   # skipped
    result = run("take", "--seed", "42", input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Practice quiz, seed 42" in out and "Question 1/8: Convolution (2 points)" in out
    assert out.count("✓ Correct!") == 6
    assert f"✗ Not this time (wrong). The answer is: {key_text(quiz.questions[1])}" in out
    assert "Could not read that ('nonsense' is not a number); try again" in out
    assert f"✗ Not this time (skipped). The answer is: {quiz.questions[7].answer.value}" in out
    assert "Final score: 9/11 (82%)" in out


def test_take_stops_cleanly_when_the_input_ends():
    result = run("take", "--seed", "7", "--kinds", "relu,relu", input="0 0 0 0; 0 0 0 0; 0 0 0 0\n")
    assert result.exit_code == 0
    assert "Stopped after 1 of 2 questions: 0/2 points." in result.output


def test_take_a_students_quiz_from_a_quiz_folder(made):
    meta = json.loads((made / "quiz.json").read_text())
    secret = (made / "quiz-secret.txt").read_text().strip()
    quiz = g.build_quiz("456", secret, "0", meta["kinds"])
    result = run("take", "--quiz", made, "--id", "456", input="\n".join(key_text(q) for q in quiz.questions) + "\n")
    assert result.exit_code == 0 and f"456's quiz (variant {quiz.code})" in result.output
    assert "Final score: 11/11 (100%)" in result.output
    assert "is not in" in error(run("take", "--quiz", made, "--id", "999"))
    assert "wrong secret" in error(run("take", "--quiz", made, "--id", "456", "--secret", "nope"))


def test_make_in_traditional_chinese_grades_like_the_english_quiz(tmp_path):
    """`grade quiz make --lang zh-TW`: the sheets and keys speak Chinese, the numbers, answers and variants are the
    English quiz's (the fingerprint is language-independent), and its key grades to full marks in English."""
    roster = write(tmp_path / "roster.csv", ROSTER)
    english = run("make", "--roster", roster, "--out", tmp_path / "en", "--secret", "s3cret")
    chinese = run("make", "--roster", roster, "--out", tmp_path / "zh", "--secret", "s3cret", "--lang", "zh-TW")
    assert english.exit_code == 0 and chinese.exit_code == 0, chinese.output
    html = (tmp_path / "zh" / "quizzes.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hant-TW">' in html and "小考：卷積神經網路（CNN）" in html and "卷積核" in html
    assert "請把答案寫在框內" in html and "Convolve the" not in html
    key = (tmp_path / "zh" / "answer-key.md").read_text(encoding="utf-8")
    assert "解答" in key and "**答案：**" in key
    meta_en, meta_zh = (json.loads((tmp_path / d / "quiz.json").read_text()) for d in ("en", "zh"))
    assert [s["fingerprint"] for s in meta_zh["students"]] == [s["fingerprint"] for s in meta_en["students"]]
    assert (tmp_path / "zh" / "answer-key.csv").read_text() == (tmp_path / "en" / "answer-key.csv").read_text()
    graded = run("grade", tmp_path / "zh" / "answer-key.csv", "--out", tmp_path / "zh", "--secret", "s3cret")
    assert graded.exit_code == 0 and "mean 11.0/11 (100%)" in graded.output, graded.output
    # English is what a plain run prints again
    assert "Convolve the" in (tmp_path / "en" / "quizzes.html").read_text(encoding="utf-8")


def test_does_not_fit_may_be_answered_in_chinese():
    from grader.quiz.answers import parse_fit

    assert parse_fit("放不進去") is None and parse_fit("不適合") is None and parse_fit("5") == 5
