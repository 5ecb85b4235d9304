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

Notebooks (``.ipynb``, up to :data:`MAX_NOTEBOOK_BYTES`) are taken too, in every layout
(``smithjane_12345_67890_hw2.ipynb`` is Canvas's name for smithjane's ``hw2.ipynb``); which file holds each
exercise is then decided exactly as ``grade exercise`` decides it (:func:`grader.locate.choose`), and a notebook
that cannot be read gets one note in that student's feedback.

Archives are read member by member in memory: absolute paths, ``..`` components and symlinks are refused (and
noted in the student's feedback), and no member larger than :data:`MAX_FILE_BYTES` is read. Folders are walked
without following symlinks. Only the course's exercise files and notebooks are ever taken.
"""
from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.i18n import gettext as _

MAX_FILE_BYTES = 1 << 20        # an exercise file larger than 1 MB is refused
MAX_NOTEBOOK_BYTES = 16 << 20   # notebooks carry their outputs (plots): up to 16 MB
MAX_NOTEBOOKS = 20              # notebooks taken per student
MAX_DEPTH = 3                   # folders between the student's root and an exercise file
MAX_ARCHIVE_MEMBERS = 20000
MAX_MODULES = 64                # the student's own other .py files (helpers, packages, other exercises) kept
MAX_MODULE_BYTES = 4 << 20      # ... in all
_SKIP_DIRS = {"__MACOSX", "__pycache__", ".git", ".ipynb_checkpoints", "node_modules", ".venv", "venv"}
_CANVAS = re.compile(r"^(?P<name>[^_]+?)_(?:(?P<late>LATE)_)?(?P<uid>\d+)_(?P<sid>\d+)_(?P<rest>.+)$")
_RESUBMIT = re.compile(r"^(?P<stem>.+?)-(?P<n>\d+)(?P<ext>\.[A-Za-z0-9]+)$")


@dataclass
class Submission:
    """One student's files: exercise number -> source bytes (``names``: the file's name where it is a notebook),
    the notebooks found (name -> bytes), plus what was odd about the submission."""

    student: str
    files: dict[int, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    late: bool = False
    sources: list[str] = field(default_factory=list)
    slug: str = ""
    notebooks: dict[str, bytes] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    modules: dict[str, bytes] = field(default_factory=dict)   # "relative/path.py" -> bytes (see stage())
    homes: dict[int, str] = field(default_factory=dict)       # exercise -> relative path of the file kept
    _rank: dict[int | str, tuple] = field(default_factory=dict, repr=False)

    def offer_module(self, rel: str, data: bytes) -> None:
        """Keep one of the student's other .py files (a helper module, a package's file, another exercise), so
        that an exercise file importing it works in batch as it does under ``grade exercise``."""
        if rel in self.modules:
            return
        if len(self.modules) >= MAX_MODULES or sum(map(len, self.modules.values())) + len(data) > MAX_MODULE_BYTES:
            template = _("more than {count} other .py files (or {mb} MB of them): {file} was not kept")
            limits = {"count": MAX_MODULES, "mb": MAX_MODULE_BYTES >> 20}
            head = template.split("{file}")[0].format(**limits)   # one such note per submission
            if not any(n.startswith(head) for n in self.notes):
                self.notes.append(template.format(file=rel, **limits))
            return
        self.modules[rel] = data

    def module_files(self) -> dict[str, bytes]:
        """The other .py files, relative to the folder that holds the exercise files (as the student's own
        ``exercises/`` folder, which ``grade exercise`` puts first on the import path)."""
        homes = [os.path.dirname(p) for p in self.homes.values()]
        home = max(sorted(set(homes)), key=homes.count) if homes else ""
        out: dict[str, bytes] = {}
        for rel, data in sorted(self.modules.items()):
            if home:
                if not rel.startswith(home + "/"):
                    continue
                rel = rel[len(home) + 1:]
            if rel and ".." not in rel.split("/"):
                out.setdefault(rel, data)
        return out

    def digest_extra(self) -> bytes:
        """The other .py files as bytes for the content hash (empty when there are none)."""
        files = self.module_files()
        return b"".join(name.encode("utf-8", "surrogateescape") + b"\0" + data + b"\0"
                        for name, data in sorted(files.items()))

    def stage(self, folder, exercises) -> None:
        """Write the student's files for grading into ``folder``: the other .py files at their places, then the
        exercise files (which win over a module of the same name)."""
        from pathlib import Path as _Path

        folder = _Path(folder)
        for name, data in self.module_files().items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for ex in exercises:
            if ex.number in self.files:
                (folder / self.file_name(ex)).write_bytes(self.files[ex.number])

    def offer(self, key: int | str, data: bytes, rank: tuple, home: str | None = None) -> None:
        """Keep the better candidate for an exercise (``key`` its number) or a notebook (``key`` its name):
        ``rank`` = (depth, -re-upload number, where); smaller wins."""
        store = self.files if isinstance(key, int) else self.notebooks
        what = _("exercise {number}").format(number=key) if isinstance(key, int) else key
        if key in store:
            old = self._rank[key]
            better, worse = (rank, old) if rank < old else (old, rank)
            self.notes.append(_("several files for {what}: graded {better}, ignored {worse}").format(
                what=what, better=better[-1], worse=worse[-1]))
            if not rank < old:
                return
        elif not isinstance(key, int) and len(store) >= MAX_NOTEBOOKS:
            self.notes.append(_("more than {count} notebooks: {file} was not read").format(count=MAX_NOTEBOOKS,
                                                                                            file=rank[-1]))
            return
        store[key] = data
        self._rank[key] = rank
        if isinstance(key, int) and home is not None:
            self.homes[key] = home

    def file_name(self, ex) -> str:
        """The name to stage exercise ``ex``'s file under: its own, or the notebook's that holds it."""
        return self.names.get(ex.number, ex.file)

    def resolve(self, exercises) -> None:
        """Decide, for each exercise, which of the files found holds it (as ``grade exercise`` would)."""
        from grader import locate

        if not self.notebooks:   # then each exercise's own file holds it
            return
        used = set()
        for ex in exercises:
            candidates = dict(self.notebooks)
            if ex.number in self.files:
                candidates[ex.file] = self.files[ex.number]
            choice = locate.choose(ex, candidates)
            self.notes += [n for n in choice.notes if n not in self.notes]
            if choice.notebook:
                name = choice.path.name
                self.files[ex.number], self.names[ex.number] = self.notebooks[name], name
                used.add(name)
        for name in sorted(set(self.notebooks) - used):
            try:
                defs = locate.notebook_definitions(self.notebooks[name], name)
            except ValueError as exc:   # notebooks.NotebookError: one line
                note = _("{error}; it was not graded").format(error=exc)
            else:
                note = (_("{name} was not graded: the exercises it defines are graded from their .py files")
                        if any(fn in defs for ex in exercises for fn in ex.functions) else
                        _("{name} defines none of the graded functions; it was not graded")).format(name=name)
            if note not in self.notes:
                self.notes.append(note)


def display(name: str) -> str:
    """A file name as readable text (undecodable bytes become U+FFFD)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def slugify(name: str) -> str:
    """The safe characters of a name (a notebook's file name)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", display(name)).strip("._-")
    return slug[:80] or "student"


def student_slug(name: str) -> str:
    """A file name for a student's feedback: the name itself where it is already a safe file name, else the safe
    characters plus a short hash of the exact name, so that ``a b`` and ``a_b`` never share ``feedback/a_b.md``, in
    one run or across runs into the same DIR."""
    slug = slugify(name)
    if slug != name:
        slug += "-" + hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return slug


def _exercise_names(exercises) -> dict[str, int]:
    return {ex.file: ex.number for ex in exercises}


def _match_file(basename: str, names: dict[str, int], allow_resubmit: bool) -> tuple[int | str | None, int]:
    """(exercise number, re-upload number) for a file name, (notebook name, 0) for a notebook, or (None, 0)."""
    if basename.lower().endswith(".ipynb"):
        return slugify(basename[:-len(".ipynb")]) + ".ipynb", 0
    if basename in names:
        return names[basename], 0
    if allow_resubmit:
        m = _RESUBMIT.match(basename)
        if m and m["stem"] + m["ext"] in names:
            return names[m["stem"] + m["ext"]], int(m["n"])
    return None, 0


def _cap(key: int | str) -> int:
    return MAX_FILE_BYTES if isinstance(key, int) else MAX_NOTEBOOK_BYTES


class NotAFile(OSError):
    """The name is (now) a link, a folder or a device: nothing was read."""


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


def open_no_follow(name, dir_fd: int | None = None) -> int:
    """A descriptor for a regular file, opened without following a link at the last component (O_NOFOLLOW) and
    checked through the descriptor (fstat): whatever the name points to after the scan looked at it, only a
    regular file that was never a link is read. Raises :class:`NotAFile` or OSError."""
    try:
        fd = os.open(name, _OPEN_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotAFile(f"{name} is a symbolic link") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotAFile(f"{name} is not a regular file")
    return fd


def _read_fd(fd: int, limit: int) -> bytes | None:
    chunks, got = [], 0
    with os.fdopen(fd, "rb") as fh:
        while got <= limit:
            chunk = fh.read(limit + 1 - got)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    data = b"".join(chunks)
    return None if len(data) > limit else data


def _read_capped(path: Path, limit: int = MAX_FILE_BYTES, dir_fd: int | None = None) -> bytes | None:
    """At most ``limit`` bytes of a regular file (None when it is larger), read through a descriptor opened with
    O_NOFOLLOW (see :func:`open_no_follow`)."""
    return _read_fd(open_no_follow(path, dir_fd), limit)


def scan_folder(root: Path, sub: Submission, names: dict[str, int], allow_resubmit: bool = True) -> None:
    """Take the exercise files under ``root`` (depth <= MAX_DEPTH), never following symlinks: folders are walked
    through descriptors (os.fwalk, which refuses a folder swapped for a link during the walk) and every file is
    opened relative to its folder's descriptor with O_NOFOLLOW and read through that descriptor."""
    for dirpath, dirnames, filenames, dir_fd in os.fwalk(root, follow_symlinks=False):
        depth = len(Path(dirpath).parts) - len(Path(root).parts)
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")
                             and depth < MAX_DEPTH)
        for name in sorted(filenames):
            number, resub = _match_file(name, names, allow_resubmit)
            if number is None:
                if name.endswith(".py") and name.isascii() and name[:-3].isidentifier():
                    try:
                        data = _read_capped(name, MAX_FILE_BYTES, dir_fd=dir_fd)
                    except OSError:
                        continue
                    if data is not None:
                        sub.offer_module(str((Path(dirpath) / name).relative_to(root)), data)
                continue
            path = Path(dirpath) / name
            rel = display(str(path.relative_to(root)))
            try:
                data = _read_capped(name, _cap(number), dir_fd=dir_fd)
            except NotAFile as exc:
                if "link" in str(exc):
                    sub.notes.append(_("{file} is a symbolic link; links are never followed, so it was not graded")
                                     .format(file=rel))
                continue
            except OSError as exc:
                sub.notes.append(_("{file} could not be read ({error}); it was not graded").format(
                    file=rel, error=exc.strerror or exc))
                continue
            if data is None:
                sub.notes.append(_("{file} is larger than {mb} MB; it was not graded").format(
                    file=rel, mb=_cap(number) >> 20))
                continue
            sub.offer(number, data, (depth, -resub, rel), home=str(path.relative_to(root)))


def _safe_module_member(info, parts) -> bool:
    """A zip member that may be kept as one of the student's other .py files: a plain, small, unencrypted .py file
    with a safe relative path of Python names, not deeper than an exercise file may be."""
    raw = info.filename.replace("\\", "/")
    return (parts[-1].endswith(".py") and parts[-1].isascii() and parts[-1][:-3].isidentifier()
            and not raw.startswith("/") and ".." not in parts and not re.match(r"^[A-Za-z]:", raw)
            and not any(p in _SKIP_DIRS or p.startswith(".") for p in parts[:-1])
            and not stat.S_ISLNK(info.external_attr >> 16) and not info.flag_bits & 0x1
            and len(parts) - 1 <= MAX_DEPTH + 2 and info.file_size <= MAX_FILE_BYTES)


def scan_zip(path: Path, sub: Submission, names: dict[str, int], allow_resubmit: bool = True) -> None:
    """Take the exercise files from an archive, member by member, refusing unsafe members."""
    label = display(path.name)
    fh = None
    try:
        fh = os.fdopen(open_no_follow(path), "rb")
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        if fh is not None:
            fh.close()
        sub.notes.append(_("{file} could not be opened as a zip archive ({error}); nothing in it was graded").format(
            file=label, error=exc))
        return
    with fh, zf:
        infos = zf.infolist()
        if len(infos) > MAX_ARCHIVE_MEMBERS:
            sub.notes.append(_("{file} has {count} members; only the first {limit} were read").format(
                file=label, count=len(infos), limit=MAX_ARCHIVE_MEMBERS))
            infos = infos[:MAX_ARCHIVE_MEMBERS]
        for info in sorted(infos, key=lambda i: i.filename):
            raw = info.filename.replace("\\", "/")
            parts = [p for p in raw.split("/") if p not in ("", ".")]
            if not parts or info.is_dir():
                continue
            number, resub = _match_file(parts[-1], names, allow_resubmit)
            if number is None:
                if _safe_module_member(info, parts):
                    try:
                        with zf.open(info) as fh:
                            data = fh.read(MAX_FILE_BYTES + 1)
                    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
                        continue
                    if len(data) <= MAX_FILE_BYTES:
                        sub.offer_module("/".join(parts), data)
                continue
            shown = display(raw)
            if raw.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", raw):
                sub.notes.append(_("{file}: member {member} has an unsafe path (absolute or with '..'); it was not "
                                   "graded").format(file=label, member=repr(shown)))
                continue
            if any(p in _SKIP_DIRS or p.startswith(".") for p in parts[:-1]):
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                sub.notes.append(_("{file}: member {member} is a symbolic link; it was not graded").format(
                    file=label, member=repr(shown)))
                continue
            depth = len(parts) - 1
            if depth > MAX_DEPTH:
                continue
            if info.flag_bits & 0x1:
                sub.notes.append(_("{file}: member {member} is encrypted; it was not graded").format(
                    file=label, member=repr(shown)))
                continue
            if info.file_size > _cap(number):
                sub.notes.append(_("{file}: member {member} is larger than {mb} MB; it was not graded").format(
                    file=label, member=repr(shown), mb=_cap(number) >> 20))
                continue
            try:
                with zf.open(info) as fh:
                    data = fh.read(_cap(number) + 1)
            except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError) as exc:
                sub.notes.append(_("{file}: member {member} could not be read ({error}); it was not graded").format(
                    file=label, member=repr(shown), error=exc))
                continue
            if len(data) > _cap(number):
                sub.notes.append(_("{file}: member {member} is larger than {mb} MB; it was not graded").format(
                    file=label, member=repr(shown), mb=_cap(number) >> 20))
                continue
            sub.offer(number, data, (depth, -resub, f"{label}/{shown}"), home="/".join(parts))


def _flat_owner(name: str, names: dict[str, int]) -> tuple[str, bool, str] | None:
    """(student, late, original file name) for a flat LMS file name, or None when it names no student."""
    m = _CANVAS.match(name)
    if m:
        return f"{m['name']}_{m['uid']}", bool(m["late"]), m["rest"]
    notebooks = [os.path.splitext(n)[0] + ".ipynb" for n in names]   # alice_ex04_conv_forward.ipynb
    for ex_file in sorted([*names, *notebooks], key=len, reverse=True):
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
            warnings.append(_("{file}: a symbolic link; skipped (links are never followed)").format(
                file=display(name)))
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
            if name.endswith((".py", ".ipynb")):
                warnings.append(_("{file}: cannot tell whose file this is (expected a student folder, a zip, or an "
                                  "LMS file name like name_12345_67890_ex01_conv2d.py); skipped").format(
                                      file=display(name)))
            continue
        student, late, original = owner
        number, resub = _match_file(original, names, allow_resubmit=True)
        if isinstance(number, str) and (again := _RESUBMIT.match(original)):   # Canvas's hw2-1.ipynb
            number, resub = slugify(again["stem"]) + ".ipynb", int(again["n"])
        if number is None:
            warnings.append(_("{file}: not an exercise file of this course; skipped").format(file=display(name)))
            continue
        sub = get(display(student))
        sub.late |= late
        sub.sources.append(display(name))
        try:
            data = _read_capped(Path(entry.path), _cap(number))
        except NotAFile:
            continue
        except OSError as exc:
            sub.notes.append(_("{file} could not be read ({error})").format(file=display(name), error=exc))
            continue
        if data is None:
            sub.notes.append(_("{file} is larger than {mb} MB; it was not graded").format(
                file=display(name), mb=_cap(number) >> 20))
            continue
        sub.offer(number, data, (0, -resub, display(name)))

    subs = sorted(by_student.values(), key=lambda s: s.student)
    used: set[str] = set()
    for sub in subs:
        sub.resolve(exercises)
        slug, i = student_slug(sub.student), 2
        while slug.lower() in used:
            slug, i = f"{student_slug(sub.student)}-{i}", i + 1
        used.add(slug.lower())
        sub.slug = slug
        if len(sub.sources) > 1:
            sub.notes.append(_("collected from ") + ", ".join(sub.sources))
    return subs, warnings


def find_submission(root: Path, exercises) -> Submission:
    """One student's folder (e.g. Gradescope's /autograder/submission) as a :class:`Submission`: its ``files``
    (exercise number -> bytes, named by :meth:`Submission.file_name`) and ``notes``.

    Zip archives directly inside the folder are read as well (students sometimes upload one).
    """
    sub = Submission("student")
    names = _exercise_names(exercises)
    scan_folder(Path(root), sub, names)
    for entry in sorted(Path(root).glob("*.zip")):
        if not entry.is_symlink() and entry.is_file():
            scan_zip(entry, sub, names)
    sub.resolve(exercises)
    return sub
