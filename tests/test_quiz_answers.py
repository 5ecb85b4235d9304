"""Reading written answers: lenient where a person would be, strict where the answer would change."""
import numpy as np
import pytest

from grader.quiz import generators as g
from grader.quiz.answers import (Unreadable, check, format_value, parse_choice, parse_fit, parse_matrix,
                                 parse_number, parse_shape, parse_vector)
from grader.quiz.generators import Answer, Question


@pytest.mark.parametrize("text,value", [
    ("18496", 18496), ("18,496", 18496), ("18 496", 18496), ("18_496", 18496), ("1'199'882", 1199882),
    ("1,199,882 parameters", 1199882), ("p = 2", 2), ("2 pixels", 2), ("answer: 7", 7), ("  -3 ", -3),
    ("\u22123", -3), ("0.511", 0.511), ("0,511", 0.511), (".5", 0.5), ("2.", 2), ("9/4", 2.25), ("1.2e3", 1200),
    ("about 0.51", 0.51), ("- 3", -3), ("≈ 0.51", 0.51), ("[42]", 42), ("∂L/∂F12 = -7", -7),
])
def test_numbers(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "1 2", "3 and 4", "1/0", "12%"])
def test_unreadable_numbers(text):
    with pytest.raises(Unreadable):
        parse_number(text)


MATRIX = [[2, 1, -1], [-1, 1, 3]]


@pytest.mark.parametrize("text", [
    "[[2, 1, -1], [-1, 1, 3]]", "2 1 -1; -1 1 3", "2 1 -1\n-1 1 3", "2,1,-1\n-1,1,3", "(2 1 -1) (-1 1 3)",
    "[2 1 -1]\n[-1 1 3]", "2 1 -1 -1 1 3", "2, 1, -1, -1, 1, 3", "2 | 1 | -1\n-1 | 1 | 3", "out = [2 1 -1; -1 1 3]",
    "2 1 \u22121; \u22121 1 3", " 2  1 -1 ;\r\n -1 1  3 ; ", "{{2,1,-1},{-1,1,3}}", "2 1 -1 || -1 1 3",
])
def test_matrices(text):
    np.testing.assert_array_equal(parse_matrix(text, (2, 3)), MATRIX)


def test_fractions_and_decimals_in_matrices():
    np.testing.assert_array_equal(parse_matrix("9/4 1.5; 2 3.25", (2, 2)), [[2.25, 1.5], [2, 3.25]])


@pytest.mark.parametrize("text,why", [("", "no answer"), ("a b; c d", "not a number"),
                                      ("1 2 3; 4 5", "different lengths")])
def test_unreadable_matrices(text, why):
    with pytest.raises(Unreadable, match=why):
        parse_matrix(text, (2, 3))


def test_vectors_shapes_choices_fits():
    assert parse_vector("0.659, 0.242, 0.099") == pytest.approx([0.659, 0.242, 0.099])
    assert parse_vector("[0.659 0.242 0.099]") == pytest.approx([0.659, 0.242, 0.099])
    assert parse_vector("0,659; 0,242; 0,099") == pytest.approx([0.659, 0.242, 0.099])
    assert parse_vector("65.9%, 24.2%, 9.9%") == pytest.approx([0.659, 0.242, 0.099])
    for text in ["32x32x10", "32 × 32 × 10", "(32, 32, 10)", "32*32*10", "32 by 32 by 10", "32X32X10"]:
        assert parse_shape(text) == (32, 32, 10), text
    options = ("alpha", "beta", "gamma", "delta")
    for text, letter in [("B", "B"), ("b", "B"), ("b)", "B"), ("(b)", "B"), ("B. beta", "B"), ("beta", "B"),
                         ("Beta.", "B"), ("2", "B"), ("option c", "C"), (" d ", "D")]:
        assert parse_choice(text, options) == letter, text
    for text in ["E", "because", "b or c"]:
        with pytest.raises(Unreadable):
            parse_choice(text, options)
    for text in ["does not fit", "doesn't fit", "Doesn’t fit", "no", "No, 2.33", "not", "N", "x", "none"]:
        assert parse_fit(text) is None, text
    for text in ["5", "yes, 5", "yes 5", "fits: 5", "5x5"[:1]]:
        assert parse_fit(text) == 5, text
    with pytest.raises(Unreadable):
        parse_fit("yes")


def q_of(answer, choices=(), points=1):
    return Question(kind="t", title="t", prompt="p", answer=answer, how="h", explanation="e", points=points,
                    choices=choices)


def test_check_gives_points_reasons_and_never_raises():
    q = q_of(Answer("matrix", ((2, 1, -1), (-1, 1, 3))), points=2)
    assert check(q, "2 1 -1; -1 1 3").points == 2
    v = check(q, "2 1 -1; -1 1 4")
    assert (v.correct, v.points, v.note) == (False, 0, "1 of 6 entries are wrong")
    assert check(q, "2 1; -1 1").note == "expected a 2×3 matrix, got 2×2"
    assert check(q, "").blank and check(q, "  ").note == "no answer"
    v = check(q, "what?")
    assert v.unreadable and not v.correct and "could not read" in v.note

    number = q_of(Answer("number", 0.5108, tolerance=0.01, decimals=3))
    assert check(number, "0.511").correct and check(number, "0.52").correct and not check(number, "0.222").correct
    assert check(number, "0,511").correct
    assert parse_number("1,484") == 1484 and check(q_of(Answer("number", 1.484, 0.01)), "1,484").correct
    assert "accepted: 0.501 to 0.521" in check(number, "0.6").note

    integer = q_of(Answer("integer", 18496))
    assert check(integer, "18,496").correct and not check(integer, "18494").correct
    assert not check(integer, "18496.5").correct

    shape = q_of(Answer("shape", (32, 32, 10)))
    assert check(shape, "32x32x10").correct
    v = check(shape, "10x32x32")                 # PyTorch's channels-first order
    assert v.correct and "channels-first" in v.note
    assert not check(shape, "32x32").correct and not check(shape, "28x28x10").correct

    vector = q_of(Answer("vector", (0.659, 0.242, 0.099), tolerance=0.002, decimals=3))
    assert check(vector, "0.66, 0.24, 0.1").correct                 # each within 0.002
    assert not check(vector, "0.66, 0.238, 0.1").correct            # 0.238 is 0.004 away
    assert check(vector, "0.660, 0.241, 0.099").correct
    assert check(vector, "0.659, 0.242").note == "expected 3 numbers, got 2"

    fit = q_of(Answer("fit", None))
    assert check(fit, "does not fit").correct and not check(fit, "2").correct
    fits = q_of(Answer("fit", 3))
    assert check(fits, "3").correct and check(fits, "yes, 3").correct and not check(fits, "no").correct

    choice = q_of(Answer("choice", "C"), choices=("a", "b", "c", "d"))
    assert check(choice, "c").correct and not check(choice, "A").correct and check(choice, "Z").unreadable


def test_format_value_reads_back():
    for answer in [Answer("matrix", ((2.25, 1), (0.5, -3))), Answer("integer", 1199882),
                   Answer("number", 0.51082, tolerance=0.01, decimals=3), Answer("shape", (7, 7, 4)),
                   Answer("vector", (0.1234, 0.5, 0.3766), tolerance=0.002, decimals=3), Answer("fit", None),
                   Answer("fit", 5), Answer("choice", "B")]:
        q = q_of(answer, choices=("w", "x", "y", "z"))
        assert check(q, format_value(answer, answer.value)).correct, answer


def test_every_kind_accepts_typical_typed_variants_of_its_key():
    """The key reformatted the ways people type it still scores, for every question of a default quiz."""
    quiz = g.build_quiz("s1", "secret", "0", g.plan(g.MAX_QUESTIONS))
    for q in quiz.questions:
        a = q.answer
        if a.type == "matrix":
            rows = np.array(a.value, dtype=float).tolist()
            variants = [str(rows), "\n".join(", ".join(g.num(v) for v in r) for r in rows),
                        " ".join(g.num(v) for r in rows for v in r)]
        elif a.type == "shape":
            variants = [" × ".join(map(str, a.value)), str(tuple(a.value))]
        elif a.type == "vector":
            variants = ["[" + " ".join(f"{v:.3f}" for v in a.value) + "]", "; ".join(f"{v:.3f}" for v in a.value)]
        elif a.type in ("integer", "number"):
            variants = [f"= {a.value:,}" if a.type == "integer" else f"{a.value:.3f}".replace(".", ",")]
        elif a.type == "choice":
            variants = [a.value.lower() + ")", q.choices["ABCD".index(a.value)]]
        else:
            variants = ["doesn't fit" if a.value is None else f"yes, {a.value}"]
        for text in variants:
            assert check(q, text).correct, (q.kind, text)
