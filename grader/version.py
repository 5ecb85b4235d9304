"""The grader's version: the package version plus a hash of its own source, so that editing a check changes it
(stored results and stored replay cases are keyed on it and are redone)."""
from __future__ import annotations

import functools
import hashlib

from grader import __version__
from grader.paths import PACKAGE_DIR


@functools.lru_cache(maxsize=1)
def source_digest() -> str:
    """sha256 over the grader package's .py files (paths and contents), as 12 hex digits."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(str(path.relative_to(PACKAGE_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def grader_version() -> str:
    return f"{__version__}+{source_digest()}"
