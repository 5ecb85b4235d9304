"""Exercise 1's misconception entries: each realistic mutant (from tests/test_ex01.py's MUTANTS, plus a few more here)
is named by exactly its catalog message on the checks it fails, and the right answer never matches any entry."""
import numpy as np
import pytest

from conftest import assert_misconception, misconception_ids, mutate, solution_source
from grader import truth
from grader.misconceptions import by_id, diagnose
from grader.sandbox import CallRecord
from test_ex01 import MUTANTS

N = 1
BY_NAME = {m[0]: m for m in MUTANTS}

# (name, old, new, checks that must show the message, misconception id). The first three reuse test_ex01's MUTANTS
# snippets by name, so the two files cannot drift apart.
CASES = [
    ("flipped kernel", *BY_NAME["flipped kernel"][1:3], {"matches torch on random shapes", "stride", "padding"},
     "ex01-kernel-flipped"),
    ("padding on one side only", *BY_NAME["padding on one side only"][1:3], {"padding"}, "ex01-pad-one-side"),
    ("stride ignored in the window", *BY_NAME["stride ignored in the window"][1:3], {"stride"},
     "ex01-window-ignores-stride"),
    ("padding before the image only", "padded = np.pad(image, padding)",
     "padded = np.pad(image, ((padding, 0), (padding, 0)))", {"padding"}, "ex01-pad-one-side-before"),
    ("stride ignored everywhere", "    h_out = (h - kh) // stride + 1\n    w_out = (w - kw) // stride + 1\n",
     "    stride = 1\n    h_out = (h - kh) // stride + 1\n    w_out = (w - kw) // stride + 1\n", {"stride"},
     "ex01-stride-ignored"),
]


@pytest.mark.parametrize("name,old,new,shows,ident", CASES, ids=[c[0] for c in CASES])
def test_mutant_triggers_exactly_its_message(graded, name, old, new, shows, ident):
    assert_misconception(graded(N, mutate(solution_source(N), old, new)), ident, shows)


def test_every_ex01_misconception_has_a_mutant():
    assert set(misconception_ids(N)) <= {c[4] for c in CASES}


@pytest.mark.parametrize("kwargs", [
    dict(image=np.arange(25.0).reshape(5, 5), kernel=np.array([[1.0, 2.0], [3.0, 5.0]])),
    dict(image=np.arange(30.0).reshape(5, 6), kernel=np.array([[1.0, -2.0, 0.5]]), stride=2),
    dict(image=np.arange(12.0).reshape(3, 4), kernel=np.array([[1.0, 2.0], [0.0, -1.0]]), padding=1),
    dict(image=np.arange(49.0).reshape(7, 7), kernel=np.arange(9.0).reshape(3, 3), stride=3, padding=2),
])
def test_the_right_answer_matches_no_entry(kwargs):
    call = CallRecord("conv2d", (), kwargs, truth.conv2d_single(**kwargs))
    assert diagnose(N, call) is None


def test_entries_name_the_wrong_answers_they_describe():
    image, kernel = np.arange(36.0).reshape(6, 6), np.array([[1.0, 2.0], [3.0, 4.0]])
    flipped = truth.conv2d_single(image, kernel[::-1, ::-1], stride=2, padding=1)
    call = CallRecord("conv2d", (image, kernel), dict(stride=2, padding=1), flipped)
    assert diagnose(N, call) == by_id("ex01-kernel-flipped").message
    stride_one = truth.conv2d_single(image, kernel, stride=1, padding=0)
    call = CallRecord("conv2d", (image, kernel), dict(stride=2), stride_one)
    assert diagnose(N, call) == by_id("ex01-stride-ignored").message
