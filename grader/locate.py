"""Find the student's exercises/ folder from the current folder (or an explicit --path)."""
from __future__ import annotations

from pathlib import Path


class NotFound(Exception):
    """No exercises folder where the user pointed us; the message says what to do."""


def exercises_dir(path: str | Path | None = None) -> Path:
    """The exercises folder: ``path`` itself or its ``exercises/`` child, else the nearest one up from the cwd."""
    if path is not None:
        p = Path(path).expanduser()
        if not p.exists():
            raise NotFound(f"--path {p}: no such folder")
        for candidate in (p / "exercises", p):
            if candidate.is_dir() and any(candidate.glob("ex[0-9][0-9]_*.py")):
                return candidate.resolve()
        raise NotFound(f"--path {p}: no exercise files (exNN_*.py) there or in {p / 'exercises'}")
    here = Path.cwd()
    if here.name != "exercises" and _has_exercises(here) and not (here / "exercises").is_dir():
        return here.resolve()  # a flat folder of exercise files, used as the current folder
    for folder in (here, *here.parents):
        candidate = folder if folder.name == "exercises" else folder / "exercises"
        if candidate.is_dir() and _has_exercises(candidate):
            return candidate.resolve()
    raise NotFound("cannot find an exercises/ folder here or above; run grade from your course folder "
                   "or pass --path DIR")


def _has_exercises(folder: Path) -> bool:
    return any(folder.glob("ex[0-9][0-9]_*.py"))
