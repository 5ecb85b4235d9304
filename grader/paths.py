"""Where the grader lives on disk: the package folder and the course repository (or installed kit) around it."""
from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent        # grader/
COURSE_ROOT = PACKAGE_DIR.parent                      # the folder holding grader/, exercises/ (and solutions/)

# Folders of the package a student process never sees (the cage mounts an empty folder over each): the MNIST files
# exercise 10's held-out images come from, and replay stores of generated cases with their answers.
PRIVATE_DIRS = (PACKAGE_DIR / "course" / "ex10_train" / "mnist", PACKAGE_DIR / "replay")
