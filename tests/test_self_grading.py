"""The grader grades itself, for every by-hand exercise (1-9; exercise 10 has its own in test_ex10.py): the
reference solution scores full marks, the untouched stub scores zero with "not implemented", and the stub a student
starts from imports numpy alone."""
import pytest

from conftest import assert_full_marks, assert_not_implemented, solution_source, stub_imports, stub_source
from grader import course

BY_HAND = [ex.number for ex in course.EXERCISES if ex.libraries == ("numpy",)]


@pytest.mark.parametrize("n", BY_HAND, ids=[f"ex{n:02d}" for n in BY_HAND])
def test_reference_scores_full_marks(graded, n):
    assert_full_marks(graded(n, solution_source(n)))


@pytest.mark.parametrize("n", BY_HAND, ids=[f"ex{n:02d}" for n in BY_HAND])
def test_stub_scores_zero_not_implemented(graded, n):
    assert_not_implemented(graded(n, stub_source(n)))


@pytest.mark.parametrize("n", BY_HAND, ids=[f"ex{n:02d}" for n in BY_HAND])
def test_stub_imports_only_numpy(n):
    assert stub_imports(n) == ["import numpy as np"]
