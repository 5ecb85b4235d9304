"""The course secret that draws the hidden inputs of `grade batch` and the Gradescope autograder.

With a secret, every check's generated inputs are seeded from the check's name *and* the secret
(:meth:`grader.checking.student.Student.begin_check`), so the inputs a student meets under `grade exercise` on their
own machine are not the ones graded, and a table of answers logged locally earns nothing; the same secret gives the
same inputs, hence the same grades, on every run. Where it comes from, first found wins: ``--secret``, the
environment variable :data:`ENV`, or a file :data:`FILE_NAME` in the output folder, written once (mode 0600) with
a fresh random secret and read back by every later run into that folder (keep it private; give the same secret to
every shard of a class with ``--secret`` or the variable).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ENV = "GRADER_INPUTS_SECRET"
FILE_NAME = "inputs-secret.txt"
HIDDEN_NOTE = ("graded on hidden inputs drawn with the course's secret: they differ from the inputs `grade exercise` "
               "shows on your machine, so only code that is right in general passes")


LOCAL = "local"


class SecretError(Exception):
    pass


def resolve(option: str | None, folder: Path | None) -> tuple[str | None, str]:
    """(secret, where it came from: 'option', 'environment' or the file's path). The value ``local`` turns hidden
    inputs off (secret None: the inputs `grade exercise` shows, e.g. to compare a batch with local runs)."""
    if option:
        return (None, "local") if option == LOCAL else (option, "option")
    if os.environ.get(ENV):
        return (None, "local") if os.environ[ENV] == LOCAL else (os.environ[ENV], "environment")
    if folder is None:
        raise SecretError(f"no course secret: pass --secret or set ${ENV}")
    path = Path(folder) / FILE_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            raise SecretError(f"{path}: cannot read the course secret ({exc.strerror})") from None
        with os.fdopen(fd) as fh:
            value = fh.read().strip()
        if not value:
            raise SecretError(f"{path} is empty: delete it to make a new secret, or pass --secret")
        return value, str(path)
    with os.fdopen(fd, "w") as fh:
        value = secrets.token_hex(16)
        fh.write(value + "\n")
    return value, str(path)
