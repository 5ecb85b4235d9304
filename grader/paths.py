"""Where the grader lives on disk: the package folder and the course repository (or installed kit) around it."""
from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent        # grader/
COURSE_ROOT = PACKAGE_DIR.parent                      # the folder holding grader/, exercises/ (and solutions/)
