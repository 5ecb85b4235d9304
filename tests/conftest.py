"""Shared fixtures: grade a source text as a student's exercise file, in a temporary exercises/ folder."""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=False)
settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Progress records go to a temporary cache, never the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """Tests compute torch results on tiny tensors, where a second thread only adds synchronisation (milliseconds
    instead of microseconds per call on a busy machine): one thread for the whole session, as the grader uses."""
    from grader.checking import truth

    truth.torch()  # imports torch (lazily: here, not when this file loads) and sets it to one thread


def solution_source(number: int) -> str:
    from grader import course

    return (SOLUTIONS / course.get(number).file).read_text()


def stub_source(number: int) -> str:
    from grader import course

    return (EXERCISES / course.get(number).file).read_text()


def stub_imports(number: int) -> list[str]:
    """The stub's top-level import lines, in order."""
    return [line for line in stub_source(number).splitlines() if line.startswith(("import ", "from "))]


def mutate(source: str, old: str, new: str) -> str:
    """Replace one exact snippet of the reference solution; fails loudly if the snippet is not there once."""
    assert source.count(old) == 1, f"mutant snippet not found exactly once: {old!r}"
    return source.replace(old, new)


COLAB = {"colab": {"provenance": [], "name": "hw2.ipynb", "collapsed_sections": []},
         "kernelspec": {"name": "python3", "display_name": "Python 3"}, "language_info": {"name": "python"},
         "accelerator": "GPU"}


def notebook(*cells, colab: bool = True) -> bytes:
    """A notebook: a str is a code cell, ("md", text) a markdown cell. Colab-style metadata by default (cell ids and
    outputs included), written by nbformat."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    nb = new_notebook(metadata=COLAB if colab else {})
    for i, cell in enumerate(cells):
        if isinstance(cell, tuple):
            nb.cells.append(new_markdown_cell(cell[1]))
        else:
            code = new_code_cell(cell, execution_count=None)
            if colab:
                code.metadata = {"id": f"cell{i}", "colab": {"base_uri": "https://localhost:8080/"},
                                 "outputId": f"out{i}"}
                code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="printed in Colab\n")]
            nb.cells.append(code)
    return nbformat.writes(nb).encode()


def _grade_in(parent: Path, number: int, source: str | bytes):
    """Save ``source`` as exercise ``number``'s file in parent/exercises (a new folder) and grade it."""
    from grader import course
    from grader.grading import grade_exercise

    ex = course.get(number)
    folder = parent / "exercises"
    folder.mkdir(parents=True)
    target = folder / ex.file
    if isinstance(source, bytes):
        target.write_bytes(source)
    else:
        target.write_text(source)
    return grade_exercise(ex, folder)


@pytest.fixture
def grade_source(tmp_path):
    """grade_source(number, source) -> ExerciseResult for that source saved as the exercise's file."""
    def grade(number: int, source: str | bytes):
        return _grade_in(tmp_path / f"ex{number}-{len(list(tmp_path.iterdir()))}", number, source)
    return grade


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """graded(number, source) -> ExerciseResult, like grade_source but graded once per test session: the reference
    or a mutant that several tests (or test files) judge is graded once, keyed by (exercise number, source). Only for
    plain gradings: a test that changes the environment or the options must use grade_source."""
    cache: dict = {}

    def grade(number: int, source: str | bytes):
        key = (number, source)
        if key not in cache:
            cache[key] = _grade_in(tmp_path_factory.mktemp(f"ex{number}-graded"), number, source)
        return cache[key]
    return grade


class Mutant(NamedTuple):
    """A known-wrong version of a reference solution, and what the grader must say about it.

    ``old`` is replaced by ``new`` in the reference (exactly once); the result must fail (at least) the checks in
    ``must_fail`` and score below full marks; with ``mistake`` (an id of the exercise's named mistakes) it must name
    exactly that mistake, on every check in ``shown_on`` and on no check any other.
    """

    name: str
    old: str
    new: str
    must_fail: frozenset = frozenset()
    mistake: str | None = None
    shown_on: frozenset = frozenset()


def mutant(name, old, new, must_fail=(), mistake=None, shown_on=()) -> Mutant:
    return Mutant(name, old, new, frozenset(must_fail), mistake, frozenset(shown_on))


def mutant_params(mutants):
    """pytest.mark.parametrize arguments for a table of Mutants, one test id per mutant."""
    return pytest.mark.parametrize("m", mutants, ids=[m.name for m in mutants])


def check_mutant(graded, number: int, m: Mutant):
    """Grade the mutant ``m`` of exercise ``number``'s reference and assert what its entry says."""
    result = graded(number, mutate(solution_source(number), m.old, m.new))
    assert_loses_points(result, m.must_fail | m.shown_on, m.name)
    if m.mistake is not None:
        assert_misconception(result, m.mistake, m.shown_on)
    return result


@pytest.fixture
def grade_mutant(graded, request):
    """grade_mutant(name) -> ExerciseResult of the mutant called ``name`` in the test module's MUTANTS table
    (exercise ``N`` of that module), via ``graded``."""
    number, mutants = request.module.N, request.module.MUTANTS

    def grade(name: str):
        m = next(m for m in mutants if m.name == name)
        return graded(number, mutate(solution_source(number), m.old, m.new))
    return grade


def failed_checks(result) -> dict[str, object]:
    return {c.name: c for c in result.checks if not c.passed}


def assert_full_marks(result):
    failed = failed_checks(result)
    assert not failed, {n: (c.message, c.details[:2]) for n, c in failed.items()}
    assert result.score == result.max_score and result.status == "passed"


def assert_not_implemented(result):
    assert result.score == 0
    assert result.status == "not implemented", result.status
    assert all("not implemented" in c.message for c in result.checks), [c.message for c in result.checks]


def assert_loses_points(result, must_fail, name: str = "") -> dict[str, object]:
    """A wrong version fails (at least) the checks named in ``must_fail`` and scores below full marks; returns the
    failed checks by name."""
    failed = failed_checks(result)
    assert set(must_fail) <= set(failed), (name, sorted(failed))
    assert result.score < result.max_score
    return failed


def misconception_ids(number: int) -> list[str]:
    """The ids of exercise ``number``'s named mistakes, in order."""
    from grader import course

    mistakes = course.get(number).mistakes()
    return [entry.id for entry in mistakes.entries] if mistakes else []


def mistake_by_id(ident: str):
    """The named mistake with id ``ident`` (ids start with the exercise: "ex04-bias-missing")."""
    from grader import course

    return course.get(int(ident[2:4])).mistakes().by_id(ident)


def assert_misconception(result, ident: str | None, shown_on=(), *, on_every_failure: bool = False):
    """The mutant's result names exactly the named mistake ``ident``, and no other.

    ``ident`` None: no check names any misconception. Otherwise the entry's message is on every check named in
    ``shown_on`` (each of which failed), on at least one failed check (on every failed check with
    ``on_every_failure``), and no check shows any other message.
    """
    failed = failed_checks(result)
    seen = {c.name: c.misconception for c in result.checks if c.misconception}
    if ident is None:
        assert not seen, seen
        return
    message = mistake_by_id(ident).message
    for name in shown_on:
        assert name in failed, (ident, name, sorted(failed))
        check = failed[name]
        assert check.misconception == message, (ident, name, check.misconception, check.message, check.details[:2])
    named = {n: (c.message, c.misconception) for n, c in failed.items()}
    assert any(c.misconception == message for c in failed.values()), (ident, named)
    if on_every_failure:
        assert all(c.misconception == message for c in failed.values()), (ident, named)
    assert set(seen.values()) <= {message}, (ident, seen)


def load_module(number: int, folder: Path):
    """Import exercise ``number``'s file from ``folder`` (EXERCISES or SOLUTIONS) as a fresh module."""
    import importlib.util

    from grader import course

    spec = importlib.util.spec_from_file_location(f"ex{number:02d}_{folder.name}", folder / course.get(number).file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- trivial submissions: code that computes nothing useful must earn nothing --------------------------------------
TRIVIAL_BODIES = {
    "returns None": "return None",
    "returns 0": "return 0",
    "returns zeros like its first argument": "return np.zeros_like({first})",
    "returns its first argument": "return {first}",
    "always raises ValueError": "raise ValueError('invalid input')",
}


def trivial_source(number: int, body: str) -> str:
    """Exercise ``number``'s stub with every function's ``raise NotImplementedError`` replaced by ``body``
    (``{first}`` is the function's first parameter), e.g. "return np.zeros_like({first})"."""
    import ast

    from grader import course

    source = stub_source(number)
    lines = source.splitlines()
    for fn in ast.parse(source).body:
        if isinstance(fn, ast.FunctionDef) and fn.name in course.get(number).functions:
            stmt = next(s for s in fn.body if isinstance(s, ast.Raise) and "NotImplementedError" in ast.unparse(s))
            indent = lines[stmt.lineno - 1][:stmt.col_offset]
            lines[stmt.lineno - 1] = indent + body.format(first=fn.args.args[0].arg)
    return "\n".join(lines) + "\n"


def assert_earns_nothing(result):
    """A trivial submission scores 0, every hygiene check says what would earn it, and no mistake is named."""
    from grader import course

    checks = course.get(result.number).checks
    assert result.score == 0, [(c.name, c.points) for c in result.checks if c.passed]
    for check, got in zip(checks, result.checks):
        if check.hygiene:
            assert "earned once" in got.message, (check.name, got.message)
    assert not [c.misconception for c in result.checks if c.misconception], \
        {c.name: c.misconception for c in result.checks if c.misconception}


def with_reference_functions(number: int, functions, source: str | None = None) -> str:
    """Exercise ``number``'s stub (or ``source``) with the reference's code of each of ``functions`` in place of its
    own: from ``def fn(`` to the next function the exercise declares (or the end)."""
    from grader import course

    source, reference = source or stub_source(number), solution_source(number)
    names = course.get(number).functions

    def block(text: str, fn: str) -> str:
        start = text.index(f"def {fn}(")
        later = [text.index(f"def {g}(") for g in names if text.index(f"def {g}(") > start]
        return text[start:min(later)] if later else text[start:]
    for fn in functions:
        source = source.replace(block(source, fn), block(reference, fn))
    return source


def assert_earns_its_own_points_only(result, fn: str):
    """A submission where only ``fn`` is finished passes exactly fn's checks, scores their points, and every other
    check says "not implemented"."""
    from grader import course

    checks = course.get(result.number).checks
    mine = {c.name for c in checks if c.function == fn}
    assert {c.name for c in result.checks if c.passed} == mine
    assert result.score == sum(c.points for c in checks if c.function == fn)
    assert all("not implemented" in c.message for c in result.checks if c.name not in mine)


def assert_one_function_per_check(number: int, points: int):
    """Every check of exercise ``number`` judges one of its functions and has a hint of its own; every function has
    a value check; the total stays ``points``."""
    from grader import course

    ex = course.get(number)
    assert ex.points == points   # the total of the exercise before the checks were split per function
    for fn in ex.functions:
        assert any(not c.hygiene for c in ex.checks if c.function == fn), fn
    assert all(c.function in ex.functions and c.hint for c in ex.checks)
    assert len({c.hint for c in ex.checks}) == len(ex.checks)


def generated_cases(number: int) -> dict:
    """Every check's generated cases, as the reference meets them (the same for every submission that passes), by
    check name."""
    from grader import course
    from grader.checking import replay
    from grader.grading import prepare

    store = replay.Store(number, "cases", None)
    prepare(course.get(number), store, None)
    cases: dict = {}
    for label, drawn in store.cases.items():
        cases.setdefault(label.split("|")[1], []).extend(drawn)
    return cases
