"""Find the student's exercises/ folder (from the current folder, or an explicit --path), and the file in it that
holds an exercise: its ``exNN_<slug>.py``, a notebook named after it, or any notebook that defines its functions.

Files are only read (ast, nbformat), never run. Which file holds exercise N:

1. ``exNN_<slug>.py`` once it is no longer the untouched stub (a graded function does more than raise
   NotImplementedError);
2. else ``exNN_<slug>.ipynb``;
3. else the notebook in the folder that defines the most of the exercise's functions (ties: the first by name),
   e.g. ``hw2.ipynb`` defining ``conv_forward`` (exercise 4) and ``max_pool`` (exercise 5);
4. else the untouched stub, which grades as "not implemented yet".
"""
from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from grader.course.entry import Exercise
from grader.i18n import gettext as _


class NotFound(Exception):
    """No exercises folder where the user pointed us; the message says what to do."""


def exercises_dir(path: str | Path | None = None) -> Path:
    """The exercises folder: ``path`` itself or its ``exercises/`` child, else the nearest one up from the cwd."""
    if path is not None:
        p = Path(path).expanduser()
        if not p.exists():
            raise NotFound(_("--path {path}: no such folder").format(path=p))
        for candidate in (p / "exercises", p):
            if candidate.is_dir() and (_has_exercises(candidate) or any(candidate.glob("*.ipynb"))):
                return candidate.resolve()
        raise NotFound(_("--path {path}: no exercise files (exNN_*.py) or notebooks (.ipynb) there or in {inside}")
                       .format(path=p, inside=p / "exercises"))
    here = Path.cwd()
    if here.name != "exercises" and _has_exercises(here) and not (here / "exercises").is_dir():
        return here.resolve()  # a flat folder of exercise files, used as the current folder
    for folder in (here, *here.parents):
        candidate = folder if folder.name == "exercises" else folder / "exercises"
        if candidate.is_dir() and (_has_exercises(candidate) or any(candidate.glob("*.ipynb"))):
            return candidate.resolve()
    raise NotFound(_("cannot find an exercises/ folder here or above; run grade from your course folder or pass "
                     "--path DIR"))


def _has_exercises(folder: Path) -> bool:
    return any(folder.glob("ex[0-9][0-9]_*.py")) or any(folder.glob("ex[0-9][0-9]_*.ipynb"))


# -- which file holds an exercise ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExerciseFile:
    """The file that holds an exercise (None: none does), and what the student should know about the choice."""

    path: Path | None
    notes: tuple[str, ...] = ()

    @property
    def notebook(self) -> bool:
        return self.path is not None and self.path.suffix == ".ipynb"


def notebook_name(ex: Exercise) -> str:
    return f"{ex.package}.ipynb"


def choose(ex: Exercise, candidates: Mapping[str, bytes]) -> ExerciseFile:
    """Which of ``candidates`` (file name -> content: the exercise's .py, notebooks) holds ``ex`` (see above); the
    path is that file's name."""
    py = candidates.get(ex.file)
    if py is not None and not untouched_stub(py, ex.functions):
        return ExerciseFile(Path(ex.file))
    if notebook_name(ex) in candidates:
        return ExerciseFile(Path(notebook_name(ex)))
    notes, ranked = [], []
    for name in sorted(n for n in candidates if n.endswith(".ipynb")):
        try:
            defs = notebook_definitions(candidates[name], name)
        except ValueError as exc:   # notebooks.NotebookError
            notes.append(_("{error}; it was not graded").format(error=exc))
            continue
        count = sum(fn in defs for fn in ex.functions)
        if count:
            ranked.append((-count, name))
    if ranked:
        best = min(ranked)[1]
        others = sorted(name for _, name in ranked if name != best)
        if others:
            notes.append(_("exercise {number}'s functions are in {best} and also in {others}; graded {best}").format(
                number=ex.number, best=best, others=", ".join(others)))
        return ExerciseFile(Path(best), tuple(notes))
    return ExerciseFile(Path(ex.file) if py is not None else None, tuple(notes))


def exercise_file(ex: Exercise, folder: Path) -> ExerciseFile:
    """The file in ``folder`` that holds ``ex`` (see the module docstring)."""
    folder = Path(folder)
    candidates = {}
    for path in [folder / ex.file, *sorted(folder.glob("*.ipynb"))]:
        if path.is_file():
            try:
                candidates[path.name] = path.read_bytes()
            except OSError:
                continue
    choice = choose(ex, candidates)
    return ExerciseFile(folder / choice.path if choice.path else None, choice.notes)


def untouched(ex: Exercise, name: str, data: bytes) -> bool:
    """Whether the file ``name`` still holds only the stubs of ``ex`` (every function there raises
    NotImplementedError), judged from the source."""
    if not name.endswith(".ipynb"):
        return untouched_stub(data, ex.functions)
    try:
        defs = notebook_definitions(data, name)
    except ValueError:
        return False
    found = [defs[fn] for fn in ex.functions if fn in defs]
    return bool(found) and all(d.stub for d in found)


def untouched_stub(source: bytes, functions: tuple[str, ...]) -> bool:
    """True when every graded function still raises NotImplementedError (judged from the source, not run)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    bodies = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    for name in functions:
        fn = bodies.get(name)
        if fn is None:
            return False
        raises = [s for s in fn.body if isinstance(s, ast.Raise)]
        try:
            if not raises or not any("NotImplementedError" in ast.unparse(r) for r in raises):
                return False
        except RecursionError:
            return False
    return True


_DEFINITIONS: dict[tuple[bytes, str], dict | ValueError] = {}


def notebook_definitions(data: bytes, name: str) -> dict:
    """The notebook's top-level definitions; NotebookError (a ValueError) if it is not one. Cached by content
    digest (never by the bytes themselves), so each notebook is read once per command even when several exercises
    ask."""
    from grader import notebooks

    key = (hashlib.sha256(data).digest(), name)
    if key not in _DEFINITIONS:
        if len(_DEFINITIONS) > 1024:
            _DEFINITIONS.clear()
        try:
            _DEFINITIONS[key] = notebooks.read(data, name).definitions()
        except notebooks.NotebookError as exc:
            _DEFINITIONS[key] = exc
    found = _DEFINITIONS[key]
    if isinstance(found, ValueError):
        raise notebooks.NotebookError(str(found))
    return found
