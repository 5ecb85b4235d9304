"""The exercise table is consistent with the files: every check exists, stubs and solutions match, stubs teach."""
import ast
import inspect

import pytest

from conftest import EXERCISES, SOLUTIONS
from grader import catalog
from grader.misconceptions import CATALOG as MISCONCEPTIONS

IDS = [f"ex{ex.number:02d}" for ex in catalog.EXERCISES]


def functions_of(path):
    tree = ast.parse(path.read_text())
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def signature(fn: ast.FunctionDef) -> str:
    return ast.unparse(fn.args)


def test_numbers_are_1_to_10_and_unique():
    assert [ex.number for ex in catalog.EXERCISES] == list(range(1, 11))


@pytest.mark.parametrize("ex", catalog.EXERCISES, ids=IDS)
def test_every_check_names_a_function_and_has_points(ex):
    assert ex.checks and ex.hints
    names = [c.name for c in ex.checks]
    assert len(set(names)) == len(names)
    for check in ex.checks:
        assert check.points > 0
        assert callable(ex.check_function(check)), check.run


@pytest.mark.parametrize("ex", catalog.EXERCISES, ids=IDS)
def test_stub_and_solution_have_the_same_signatures(ex):
    stub, sol = functions_of(EXERCISES / ex.file), functions_of(SOLUTIONS / ex.file)
    for name in ex.functions:
        assert name in stub and name in sol, name
        assert signature(stub[name]) == signature(sol[name]), name


@pytest.mark.parametrize("ex", catalog.EXERCISES, ids=IDS)
def test_stub_teaches_formula_shapes_example_and_todo(ex):
    source = (EXERCISES / ex.file).read_text()
    tree = ast.parse(source)
    doc = ast.get_docstring(tree) or ""
    assert len(doc) > 300, "the module docstring should give the formula, the shapes and a worked example"
    assert "TODO" in source
    for name, fn in functions_of(EXERCISES / ex.file).items():
        if name in ex.functions:
            assert ast.get_docstring(fn), f"{name} has no docstring"
            assert any(isinstance(s, ast.Raise) and "NotImplementedError" in ast.unparse(s) for s in fn.body), name


def test_misconceptions_are_unique_and_point_at_graded_functions():
    ids = [m.id for m in MISCONCEPTIONS]
    assert len(ids) == len(set(ids))
    assert len(MISCONCEPTIONS) >= 15
    for m in MISCONCEPTIONS:
        ex = catalog.get(m.exercise)
        assert m.function in ex.functions, m.id
        assert m.message and "\n" not in m.message and len(m.message) < 300, m.id
        wrong_params = list(inspect.signature(m.wrong).parameters)
        stub_params = [a.arg for a in functions_of(EXERCISES / ex.file)[m.function].args.args]
        assert wrong_params == stub_params, (m.id, wrong_params, stub_params)


def test_every_misconception_is_exercised_by_a_mutant_test():
    """Each catalog entry is named in some test (the mutant that must trigger exactly its message)."""
    from pathlib import Path

    text = "".join(p.read_text() for p in Path(__file__).parent.glob("test_ex*.py"))
    text += "".join(p.read_text() for p in Path(__file__).parent.glob("test_misconceptions_*.py"))
    assert [m.id for m in MISCONCEPTIONS if f'"{m.id}"' not in text] == []
