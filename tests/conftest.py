"""Shared fixtures: grade a source text as a student's exercise file, in a temporary exercises/ folder."""
from __future__ import annotations

import os
from pathlib import Path

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


def solution_source(number: int) -> str:
    from grader import catalog

    return (SOLUTIONS / catalog.get(number).file).read_text()


def stub_source(number: int) -> str:
    from grader import catalog

    return (EXERCISES / catalog.get(number).file).read_text()


def mutate(source: str, old: str, new: str) -> str:
    """Replace one exact snippet of the reference solution; fails loudly if the snippet is not there once."""
    assert source.count(old) == 1, f"mutant snippet not found exactly once: {old!r}"
    return source.replace(old, new)


@pytest.fixture
def grade_source(tmp_path):
    """grade_source(number, source) -> ExerciseResult for that source saved as the exercise's file."""
    from grader import catalog
    from grader.grading import grade_exercise

    def grade(number: int, source: str | bytes):
        ex = catalog.get(number)
        folder = tmp_path / f"ex{number}-{len(list(tmp_path.iterdir()))}" / "exercises"
        folder.mkdir(parents=True)
        target = folder / ex.file
        if isinstance(source, bytes):
            target.write_bytes(source)
        else:
            target.write_text(source)
        return grade_exercise(ex, folder)
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
