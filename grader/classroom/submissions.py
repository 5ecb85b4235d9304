"""Find each student's exercise files in a folder of submissions, safely (no code is run, nothing is extracted).

Layouts understood (one SUBMISSIONS folder may mix them):

* one sub-folder per student: ``alice/ex01_conv2d.py``, ``alice/exercises/ex01_conv2d.py`` or one level deeper
  (``alice/cnn-course/exercises/ex01_conv2d.py``); the student is the folder's name;
* one ``.zip`` per student, with the same layouts inside; the student is the archive's name without ``.zip``;
* a flat LMS download where the student is part of each file name. Canvas names files
  ``<name>_<user id>_<submission id>_<original name>``, with ``LATE_`` after the name for late submissions and
  ``-1``, ``-2`` ... before the extension for re-uploads: ``smithjane_LATE_12345_67890_ex04_conv_forward-1.py`` is
  student ``smithjane_12345`` (late), exercise 4. Canvas archives (``..._submission.zip``) count as that student's
  zip. Other LMS exports work when the file name ends with the exercise's file name: ``alice_ex01_conv2d.py`` or
  ``alice-ex01_conv2d.py`` is student ``alice``.

Archives are read member by member in memory: absolute paths, ``..`` components and symlinks are refused (and
noted in the student's feedback), and no member larger than :data:`MAX_FILE_BYTES` is read. Folders are walked
without following symlinks. Only the course's exercise files are ever taken.
"""
from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 1 << 20        # an exercise file larger than 1 MB is refused
MAX_DEPTH = 3                   # folders between the student's root and an exercise file
MAX_ARCHIVE_MEMBERS = 20000
_SKIP_DIRS = {"__MACOSX", "__pycache__", ".git", ".ipynb_checkpoints", "node_modules", ".venv", "venv"}
_CANVAS = re.compile(r"^(?P<name>[^_]+?)_(?:(?P<late>LATE)_)?(?P<uid>\d+)_(?P<sid>\d+)_(?P<rest>.+)$")
_RESUBMIT = re.compile(r"^(?P<stem>.+?)-(?P<n>\d+)(?P<ext>\.[A-Za-z0-9]+)$")


@dataclass
class Submission:
    """One student's files: exercise number -> source bytes, plus what was odd about the submission."""

    student: str
    files: dict[int, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    late: bool = False
    sources: list[str] = field(default_factory=list)
    slug: str = ""
    _rank: dict[int, tuple] = field(default_factory=dict, repr=False)

    def offer(self, number: int, data: bytes, rank: tuple) -> None:
        """Keep the better candidate for an exercise: ``rank`` = (depth, -re-upload number, where); smaller wins."""
        if number in self.files:
            old = self._rank[number]
            better, worse = (rank, old) if rank < old else (old, rank)
            self.notes.append(f"several files for exercise {number}: graded {better[-1]}, ignored {worse[-1]}")
            if not rank < old:
                return
        self.files[number] = data
        self._rank[number] = rank


def display(name: str) -> str:
    """A file name as readable text (undecodable bytes become U+FFFD)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def slugify(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", display(name)).strip("._-")
    return slug[:80] or "student"


def _exercise_names(exercises) -> dict[str, int]:
    return {ex.file: ex.number for ex in exercises}


def _match_file(basename: str, names: dict[str, int], allow_resubmit: bool) -> tuple[int | None, int]:
    """(exercise number, re-upload number) for a file name, or (None, 0)."""
    if basename in names:
        return names[basename], 0
    if allow_resubmit:
        m = _RESUBMIT.match(basename)
        if m and m["stem"] + m["ext"] in names:
            return names[m["stem"] + m["ext"]], int(m["n"])
    return None, 0


def _read_capped(path: Path) -> bytes | None:
    with open(path, "rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    return None if len(data) > MAX_FILE_BYTES else data


def scan_folder(root: Path, sub: Submission, names: dict[str, int], allow_resubmit: bool = True) -> None:
    """Take the exercise files under ``root`` (depth <= MAX_DEPTH), never following symlinks."""
    root_depth = len(Path(root).parts)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        depth = len(Path(dirpath).parts) - root_depth
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")
                             and depth < MAX_DEPTH)
        for name in sorted(filenames):
            number, resub = _match_file(name, names, allow_resubmit)
            if number is None:
                continue
            path = Path(dirpath) / name
            rel = display(str(path.relative_to(root)))
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                sub.notes.append(f"{rel} is a symbolic link; links are never followed, so it was not graded")
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            data = _read_capped(path)
            if data is None:
                sub.notes.append(f"{rel} is larger than {MAX_FILE_BYTES >> 20} MB; it was not graded")
                continue
            sub.offer(number, data, (depth, -resub, rel))


def scan_zip(path: Path, sub: Submission, names: dict[str, int], allow_resubmit: bool = True) -> None:
    """Take the exercise files from an archive, member by member, refusing unsafe members."""
    label = display(path.name)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        sub.notes.append(f"{label} could not be opened as a zip archive ({exc}); nothing in it was graded")
        return
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ARCHIVE_MEMBERS:
            sub.notes.append(f"{label} has {len(infos)} members; only the first {MAX_ARCHIVE_MEMBERS} were read")
            infos = infos[:MAX_ARCHIVE_MEMBERS]
        for info in sorted(infos, key=lambda i: i.filename):
            raw = info.filename.replace("\\", "/")
            parts = [p for p in raw.split("/") if p not in ("", ".")]
            if not parts or info.is_dir():
                continue
            number, resub = _match_file(parts[-1], names, allow_resubmit)
            if number is None:
                continue
            shown = display(raw)
            if raw.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", raw):
                sub.notes.append(f"{label}: member {shown!r} has an unsafe path (absolute or with '..'); "
                                 "it was not graded")
                continue
            if any(p in _SKIP_DIRS or p.startswith(".") for p in parts[:-1]):
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                sub.notes.append(f"{label}: member {shown!r} is a symbolic link; it was not graded")
                continue
            depth = len(parts) - 1
            if depth > MAX_DEPTH:
                continue
            if info.flag_bits & 0x1:
                sub.notes.append(f"{label}: member {shown!r} is encrypted; it was not graded")
                continue
            if info.file_size > MAX_FILE_BYTES:
                sub.notes.append(f"{label}: member {shown!r} is larger than {MAX_FILE_BYTES >> 20} MB; "
                                 "it was not graded")
                continue
            try:
                with zf.open(info) as fh:
                    data = fh.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError) as exc:
                sub.notes.append(f"{label}: member {shown!r} could not be read ({exc}); it was not graded")
                continue
            if len(data) > MAX_FILE_BYTES:
                sub.notes.append(f"{label}: member {shown!r} is larger than {MAX_FILE_BYTES >> 20} MB; "
                                 "it was not graded")
                continue
            sub.offer(number, data, (depth, -resub, f"{label}/{shown}"))


def _flat_owner(name: str, names: dict[str, int]) -> tuple[str, bool, str] | None:
    """(student, late, original file name) for a flat LMS file name, or None when it names no student."""
    m = _CANVAS.match(name)
    if m:
        return f"{m['name']}_{m['uid']}", bool(m["late"]), m["rest"]
    for ex_file in sorted(names, key=len, reverse=True):
        stem, ext = os.path.splitext(ex_file)
        m2 = re.match(rf"^(?P<who>.+?)[ _.-]+{re.escape(stem)}(?:-\d+)?{re.escape(ext)}$", name)
        if m2:
            return m2["who"], False, name[len(m2["who"]):].lstrip(" _.-")
    return None


def discover(root: Path, exercises, skip=()) -> tuple[list[Submission], list[str]]:
    """All submissions under ``root``, sorted by student; plus warnings about entries that were skipped.

    ``skip``: paths that are not submissions even if they sit in ``root`` (e.g. the output folder).
    """
    root = Path(root)
    skipped = {os.path.realpath(p) for p in skip}
    names = _exercise_names(exercises)
    by_student: dict[str, Submission] = {}
    warnings: list[str] = []

    def get(student: str) -> Submission:
        if student not in by_student:
            by_student[student] = Submission(student)
        return by_student[student]

    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        name = entry.name
        if name.startswith(".") or name in _SKIP_DIRS or os.path.realpath(entry.path) in skipped:
            continue
        if entry.is_symlink():
            warnings.append(f"{display(name)}: a symbolic link; skipped (links are never followed)")
            continue
        if entry.is_dir(follow_symlinks=False):
            sub = get(display(name))
            sub.sources.append(display(name) + "/")
            scan_folder(Path(entry.path), sub, names)
            continue
        if not entry.is_file(follow_symlinks=False):
            continue
        owner = _flat_owner(name, names)
        if name.lower().endswith(".zip"):
            student, late = (owner[0], owner[1]) if owner and _CANVAS.match(name) else (display(name[:-4]), False)
            sub = get(student)
            sub.late |= late
            sub.sources.append(display(name))
            scan_zip(Path(entry.path), sub, names)
            continue
        if owner is None:
            if name.endswith(".py"):
                warnings.append(f"{display(name)}: cannot tell whose file this is (expected a student folder, "
                                "a zip, or an LMS file name like name_12345_67890_ex01_conv2d.py); skipped")
            continue
        student, late, original = owner
        number, resub = _match_file(original, names, allow_resubmit=True)
        if number is None:
            warnings.append(f"{display(name)}: not an exercise file of this course; skipped")
            continue
        sub = get(display(student))
        sub.late |= late
        sub.sources.append(display(name))
        try:
            st = os.lstat(entry.path)
            data = _read_capped(Path(entry.path)) if stat.S_ISREG(st.st_mode) else None
        except OSError as exc:
            sub.notes.append(f"{display(name)} could not be read ({exc})")
            continue
        if data is None:
            sub.notes.append(f"{display(name)} is larger than {MAX_FILE_BYTES >> 20} MB; it was not graded")
            continue
        sub.offer(number, data, (0, -resub, display(name)))

    subs = sorted(by_student.values(), key=lambda s: s.student)
    used: set[str] = set()
    for sub in subs:
        slug, i = slugify(sub.student), 2
        while slug.lower() in used:
            slug, i = f"{slugify(sub.student)}-{i}", i + 1
        used.add(slug.lower())
        sub.slug = slug
        if len(sub.sources) > 1:
            sub.notes.append("collected from " + ", ".join(sub.sources))
    return subs, warnings


def find_exercise_files(root: Path, exercises) -> tuple[dict[int, bytes], list[str]]:
    """One student's folder (e.g. Gradescope's /autograder/submission): exercise number -> bytes, plus notes.

    Zip archives directly inside the folder are read as well (students sometimes upload one).
    """
    sub = Submission("student")
    names = _exercise_names(exercises)
    scan_folder(Path(root), sub, names)
    for entry in sorted(Path(root).glob("*.zip")):
        if not entry.is_symlink() and entry.is_file():
            scan_zip(entry, sub, names)
    return sub.files, sub.notes
