"""The environment of a student process: the grader's private folders, its PYTHONPATH and variables."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading

from grader.paths import PACKAGE_DIR
_PRIVATE: dict[str, str] = {}
_PRIVATE_LOCK = threading.Lock()


def private_dir(kind: str, mode: int = 0o700) -> str:
    """A temporary folder owned by this process, removed at exit: 'capture' (0700) or 'runtime' (0755)."""
    with _PRIVATE_LOCK:
        path = _PRIVATE.get(kind)
        if path is None or not os.path.isdir(path):
            path = tempfile.mkdtemp(prefix=f"grade-{kind}-")
            os.chmod(path, mode)
            _PRIVATE[kind] = path
            atexit.register(shutil.rmtree, path, True)
        return path


def runtime_path() -> str:
    """PYTHONPATH for student processes: a folder holding only a link to the grader package.

    The repository root (where solutions/ lives) is never on the student's sys.path, so ``import solutions`` fails
    there even when the grader runs from a checkout.
    """
    path = private_dir("runtime", 0o755)
    link = os.path.join(path, "grader")
    if not os.path.lexists(link):
        os.symlink(str(PACKAGE_DIR), link)
        compile_student_side()
    return path


STUDENT_SIDE = ("__init__.py", "i18n.py", "paths.py", "sandbox/*.py", "course/__init__.py", "course/*/__init__.py",
                "course/*/driver.py")


def compile_student_side() -> None:
    """Write the bytecode of the grader modules a student process imports, where it is missing or older than the
    source. The student process may write nothing (``-B``, a read-only view), so without this an editable install
    compiles them again at every start; a package folder this process cannot write is left as it is, and so is
    everything when Python was asked to write no bytecode (``-B``, PYTHONDONTWRITEBYTECODE)."""
    import glob
    import sys
    import py_compile
    from importlib.util import cache_from_source

    if sys.flags.dont_write_bytecode:
        return
    for pattern in STUDENT_SIDE:
        for source in glob.glob(os.path.join(PACKAGE_DIR, pattern)):
            try:
                cached = cache_from_source(source)
                if os.path.exists(cached) and os.stat(cached).st_mtime >= os.stat(source).st_mtime:
                    continue
                py_compile.compile(source, cfile=cached, doraise=True)
            except (OSError, py_compile.PyCompileError):
                continue


def base_env(extra: dict | None = None) -> dict:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": runtime_path(), "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8", "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
    }
    env.update(extra or {})
    return env


def capture_file() -> str:
    fd, path = tempfile.mkstemp(prefix="out-", dir=private_dir("capture"))
    os.close(fd)
    return path


