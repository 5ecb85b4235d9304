"""`grade kit --out DIR`: the student kit -- the exercise stubs and the grader, without solutions/.

The grader needs no reference solutions: every check compares the student's answers with PyTorch (ground truth
computed in the grader process) and with answers pinned in the checks. The kit is what students install
(``pip install -e DIR``) and what the Gradescope autograder ships (:mod:`grader.classroom.gradescope`).
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from grader.paths import COURSE_ROOT

KIT_TREES = ("grader", "exercises")
KIT_FILES = ("pyproject.toml", "README.md", "LICENSE")
_SKIP_NAMES = {"__pycache__", ".pytest_cache", ".hypothesis", ".DS_Store", "replay"}
_SKIP_SUFFIXES = (".pyc", ".pyo", ".orig", ".rej", ".swp")
FORBIDDEN = ("solutions",)


MINIMAL_README = ("# CNN course exercises\n\nInstall with `pip install -e .`, then run `grade list`, "
                  "`grade exercise 1`, `grade hint 1`.\n")


def torch_requirement(root: Path = COURSE_ROOT) -> str:
    """The kit's torch pin from pyproject.toml (``torch==2.13.0``), what installers put before the package: pip
    must take torch from the CPU wheel index, or it pulls gigabytes of CUDA libraries."""
    text = (root / "pyproject.toml").read_text() if (root / "pyproject.toml").is_file() else ""
    m = re.search(r'"(torch\s*[=<>!~][^"]*)"', text)
    return m.group(1).replace(" ", "") if m else "torch"


class KitError(Exception):
    """A usage problem (the target folder is not empty); the message says what to do."""


def kit_files(root: Path = COURSE_ROOT) -> list[tuple[Path, str]]:
    """(source path, path inside the kit) for every file the kit ships, in a stable order."""
    files: list[tuple[Path, str]] = []
    for tree in KIT_TREES:
        base = root / tree
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            rel = path.relative_to(root)
            if any(p in _SKIP_NAMES or p in FORBIDDEN for p in rel.parts) or path.suffix in _SKIP_SUFFIXES:
                continue
            if path.is_file() and not path.is_symlink():
                files.append((path, rel.as_posix()))
    for name in KIT_FILES:
        if (root / name).is_file():
            files.append((root / name, name))
    return files


def entries(root: Path = COURSE_ROOT) -> list[tuple[str, bytes]]:
    """(path inside the kit, content) of every file of the kit, a README included (pyproject.toml names one, and
    pip install fails without it): what the kit folder and the Gradescope zip both hold."""
    out = [(rel, src.read_bytes()) for src, rel in kit_files(root)]
    if "README.md" not in {rel for rel, _ in out}:
        out.append(("README.md", MINIMAL_README.encode()))
    return out


def replay_entries(exercises=None, secret: str | None = None) -> list[tuple[str, bytes]]:
    """(path inside the kit, content) of the replay stores prepared from the reference solutions here, so that the
    kit (or the autograder) grades a passing submission without torch from the first run."""
    import tempfile

    from grader import course
    from grader.grading import prepare_replays

    with tempfile.TemporaryDirectory(prefix="grade-replays-") as tmp:
        files = prepare_replays(Path(tmp), exercises or course.EXERCISES, secret)
        return [(f"grader/replay/{p.name}", p.read_bytes()) for p in files]


def build_kit(out: Path, *, force: bool = False, root: Path = COURSE_ROOT) -> list[str]:
    """Copy the kit into ``out``; refuses a non-empty ``out`` unless ``force`` (then the kit's paths are replaced)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise KitError(f"{out} exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not force:
        raise KitError(f"{out} is not empty; choose another --out or pass --force to overwrite the kit there")
    if out.resolve() == root.resolve() or root.resolve() in out.resolve().parents:
        raise KitError(f"{out} is inside the course repository; choose a folder outside it")
    out.mkdir(parents=True, exist_ok=True)
    if force:
        for name in (*KIT_TREES, *KIT_FILES):
            target = out / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
    written = []
    for rel, data in entries(root) + replay_entries():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(rel)
    leaked = [p for p in out.rglob("*") if any(part in FORBIDDEN for part in p.relative_to(out).parts)]
    if leaked:  # pragma: no cover - kit_files never lists them; this guards future edits
        raise KitError(f"refusing to ship {leaked[0]}")
    return written
