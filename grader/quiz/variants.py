"""Which variant a student gets: HMAC-SHA256 of the student id under the course secret, and a deterministic generator.

A student's quiz is a pure function of (course secret, quiz seed, student id, question plan), so `grade quiz grade`
regenerates exactly the quiz that `grade quiz make` printed. Without the secret nobody can work out a neighbour's
variant from their id, and the quiz seed gives every sitting (a section, a retake) fresh numbers.

The random numbers come from SHA-256 in counter mode rather than from numpy or :mod:`random`, whose streams may
change between versions: the same inputs give the same quiz on any machine and any Python or numpy version.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets as _secrets
from pathlib import Path

import numpy as np

SECRET_ENV = "GRADER_QUIZ_SECRET"
SECRET_FILE = "quiz-secret.txt"
DOMAIN = b"cnn-grader quiz v1"


class Rng:
    """A small deterministic random generator: SHA-256(seed || counter), 64 bits at a time, rejection-sampled."""

    def __init__(self, seed: bytes | str | int):
        if isinstance(seed, int):
            seed = seed.to_bytes(16, "big", signed=True)
        elif isinstance(seed, str):
            seed = seed.encode()
        self._seed = hashlib.sha256(b"rng\0" + seed).digest()
        self._counter = 0
        self._pool: list[int] = []

    def _u64(self) -> int:
        if not self._pool:
            block = hashlib.sha256(self._seed + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
            self._pool = [int.from_bytes(block[i:i + 8], "big") for i in range(0, 32, 8)]
        return self._pool.pop()

    def below(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        if n <= 0:
            raise ValueError("n must be positive")
        limit = (1 << 64) - (1 << 64) % n
        while True:
            x = self._u64()
            if x < limit:
                return x % n

    def randint(self, lo: int, hi: int) -> int:
        """A uniform integer in [lo, hi], both ends included."""
        return lo + self.below(hi - lo + 1)

    def choice(self, seq):
        seq = list(seq)
        return seq[self.below(len(seq))]

    def shuffled(self, seq) -> list:
        out = list(seq)
        for i in range(len(out) - 1, 0, -1):
            j = self.below(i + 1)
            out[i], out[j] = out[j], out[i]
        return out

    def ints(self, shape: tuple[int, int], lo: int, hi: int) -> np.ndarray:
        """A (rows, cols) int64 array of uniform integers in [lo, hi]."""
        rows, cols = shape
        return np.array([[self.randint(lo, hi) for _ in range(cols)] for _ in range(rows)], dtype=np.int64)

    def child(self, label: str) -> "Rng":
        """An independent generator for a named part (changing one part never shifts the numbers of another)."""
        return Rng(self._seed + b"\0" + label.encode())


def student_seed(secret: str, quiz_seed: str | int, student_id: str) -> bytes:
    """The 32-byte variant seed of one student: HMAC-SHA256(secret, domain | quiz seed | student id)."""
    if not secret:
        raise ValueError("the course secret must not be empty")
    message = DOMAIN + b"\0" + str(quiz_seed).encode() + b"\0" + str(student_id).strip().encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def secret_fingerprint(secret: str) -> str:
    """A short public tag of the secret, stored in quiz.json so grading can tell a wrong secret at once."""
    return hmac.new(secret.encode(), DOMAIN + b"\0fingerprint", hashlib.sha256).hexdigest()[:16]


class SecretProblem(Exception):
    """No usable secret (the message says what to do)."""


def read_secret_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SecretProblem(f"cannot read the secret file {path}: {exc.strerror or exc}") from None
    if not text:
        raise SecretProblem(f"the secret file {path} is empty")
    return text


def resolve_secret(option: str | None, folder: Path, create: bool) -> tuple[str, str]:
    """(secret, source): from --secret, else $GRADER_QUIZ_SECRET, else FOLDER/quiz-secret.txt.

    With ``create`` (at `quiz make`) a missing secret file is created with a fresh random secret; an existing one is
    reused, never overwritten, so remaking a quiz into the same folder keeps the variants stable.
    """
    if option is not None:
        if not option.strip():
            raise SecretProblem("--secret must not be empty")
        return option.strip(), "option"
    env = os.environ.get(SECRET_ENV, "").strip()
    if env:
        return env, "env"
    path = Path(folder) / SECRET_FILE
    if path.exists():
        return read_secret_file(path), "file"
    if not create:
        raise SecretProblem(f"no course secret: pass --secret, set {SECRET_ENV}, or keep {SECRET_FILE} (written by "
                            f"`grade quiz make`) in {folder}")
    secret = _secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secret + "\n")
    return secret, "file"
