"""Replay: the generated cases and the ground truth's answers, computed once and stored, so that grading a
submission that passes needs neither torch nor hypothesis's engine.

A :class:`Store` holds, for one exercise, one grader version and one hidden-input secret:

* ``cases``: for every property a run passed, its generated cases in order, keyed by the property's label
  (exercise, check, place in the check). Generation is seeded and does not depend on the answers, so every
  submission that passes meets exactly these cases, in this order.
* ``answers``: every result of a ground-truth function (:func:`truth_function`), keyed by the function and its
  arguments (or the exception it raised).

``for_all`` replays a property's stored cases; at the first one that fails it hands over to hypothesis, which meets
the same cases first and then shrinks, computing (with torch) the answers the store lacks. So the verdicts are
those of a full run, always. A store is a file in the user's cache (or shipped, prepared, in the student kit and the
Gradescope autograder); it names its grader version, exercise and secret and carries a hash of its content, so a
stale, foreign or damaged file is ignored and made again, never trusted.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import struct
from contextlib import contextmanager
from pathlib import Path

from grader.sandbox import protocol

MAGIC = b"cnn-grader replay 1\n"
_RAISABLE = {exc.__name__: exc for exc in (ValueError, RuntimeError, TypeError, IndexError, ZeroDivisionError,
                                           KeyError, AssertionError, ArithmeticError, OverflowError)}
_MISSING = object()
_ACTIVE: "Store | None" = None


def secret_id(secret: str | None) -> str:
    """A name for the hidden-input secret that does not reveal it ("local" without one)."""
    return "local" if not secret else hashlib.sha256(b"cnn-grader inputs\0" + secret.encode()).hexdigest()[:16]


class Store:
    """The stored cases and answers of one exercise (for one grader version and one secret)."""

    def __init__(self, exercise: int, version: str, secret: str | None):
        self.exercise, self.version, self.secret = exercise, version, secret_id(secret)
        self.cases: dict[str, list] = {}
        self.answers: dict[str, object] = {}
        self.changed = False

    # -- records ---------------------------------------------------------------------------------------------------
    def key(self, name: str, args: tuple, kwargs: dict) -> str | None:
        """The answer key of ``name(*args, **kwargs)``; None when an argument is not plain data."""
        try:
            frame = protocol.encode([name, list(args), {k: kwargs[k] for k in sorted(kwargs)}])
        except (TypeError, ValueError, RecursionError):
            return None
        if b"__unsupported__" in frame:
            return None
        return hashlib.sha256(frame).hexdigest()

    def answer(self, key: str):
        value = self.answers.get(key, _MISSING)
        if isinstance(value, dict) and set(value) == {"__raised__"}:
            kind, message = value["__raised__"]
            raise _RAISABLE[kind](message)
        return _MISSING if value is _MISSING else copy.deepcopy(value)

    def remember(self, key: str, value=None, raised: BaseException | None = None) -> None:
        if raised is not None:
            if type(raised).__name__ not in _RAISABLE or type(raised) is not _RAISABLE[type(raised).__name__]:
                return
            value = {"__raised__": [type(raised).__name__, str(raised)]}
        self.answers[key] = copy.deepcopy(value)
        self.changed = True

    def record_cases(self, label: str, cases: list) -> None:
        self.cases[label] = cases
        self.changed = True

    # -- the file --------------------------------------------------------------------------------------------------
    def meta(self) -> dict:
        return {"version": self.version, "exercise": self.exercise, "secret": self.secret}

    def dumps(self) -> bytes:
        payload = protocol.encode({"cases": self.cases, "answers": self.answers})
        meta = json.dumps(self.meta(), sort_keys=True).encode()
        digest = hashlib.sha256(meta + b"\0" + payload).hexdigest().encode()
        return MAGIC + meta + b"\n" + digest + b"\n" + payload

    @classmethod
    def loads(cls, data: bytes, exercise: int, version: str, secret: str | None) -> "Store | None":
        """The store in ``data``, or None when it is not a whole, undamaged store of this exercise, grader version
        and secret."""
        store = cls(exercise, version, secret)
        try:
            if not data.startswith(MAGIC):
                return None
            meta, digest, payload = data[len(MAGIC):].split(b"\n", 2)
            if json.loads(meta) != store.meta():
                return None
            if hashlib.sha256(meta + b"\0" + payload).hexdigest().encode() != digest:
                return None
            header_len, body_len = struct.unpack("<QQ", payload[:16])
            tree = protocol.decode(payload[16:16 + header_len], payload[16 + header_len:16 + header_len + body_len])
        except (ValueError, struct.error, protocol.ProtocolError):
            return None
        if not (isinstance(tree, dict) and isinstance(tree.get("cases"), dict)
                and isinstance(tree.get("answers"), dict)):
            return None
        store.cases, store.answers = tree["cases"], tree["answers"]
        return store


# -- where stores live -------------------------------------------------------------------------------------------
SHIPPED = Path(__file__).resolve().parent.parent / "replay"   # prepared stores shipped with a kit or autograder


def cache_dir() -> Path:
    """The user's cache for stores: outside the student's folder, like the progress record."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "cnn-grader" / "replay"


def file_name(exercise: int, version: str, secret: str) -> str:
    """The store's file name; ``secret`` is the secret's id (:func:`secret_id`)."""
    return f"ex{exercise:02d}-{version.replace('+', '-')}-{secret}.bin"


def _path(folder: Path | None, exercise: int, version: str, secret: str) -> Path:
    """Where a store lives in ``folder`` (default: the user's cache); ``secret`` is the secret's id."""
    return Path(folder or cache_dir()) / file_name(exercise, version, secret)


def load(exercise: int, version: str, secret: str | None, folders=None) -> Store | None:
    """The first valid store in ``folders`` (default: the shipped stores, then the user's cache)."""
    for folder in folders if folders is not None else (SHIPPED, cache_dir()):
        try:
            data = _path(folder, exercise, version, secret_id(secret)).read_bytes()
        except OSError:
            continue
        store = Store.loads(data, exercise, version, secret)
        if store is not None:
            return store
    return None


def save(store: Store, folder: Path | None = None) -> Path | None:
    """Write the store (atomically) into ``folder`` (default: the user's cache); None when it cannot be written."""
    from grader.files import write_atomic

    target = _path(folder, store.exercise, store.version, store.secret)
    try:
        write_atomic(target, store.dumps(), mode=0o600)
    except OSError:
        return None
    store.changed = False
    return target


@contextmanager
def preparing(exercise: int, version: str, secret: str | None, folder: Path | None = None):
    """Hold the lock of one store's file while the block prepares it, so that of several processes that need it at
    once (a batch's workers, two gradings) one prepares it and the others wait, then load it. A folder where no lock
    can be taken is prepared without one."""
    import fcntl

    target = _path(folder, exercise, version, secret_id(secret))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fh = open(str(target) + ".lock", "a")
    except OSError:
        yield
        return
    try:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield
    finally:
        fh.close()


@contextmanager
def active(store: Store | None):
    """Make ``store`` the one ground-truth functions consult while the block runs (one grading at a time)."""
    global _ACTIVE
    previous, _ACTIVE = _ACTIVE, store
    try:
        yield store
    finally:
        _ACTIVE = previous


def truth_function(fn):
    """Mark a ground-truth function: while a store is active, its answers come from the store (computed and stored
    on the first call). Answers are plain data; each call gets its own copy."""
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def answer(*args, **kwargs):
        store = _ACTIVE
        key = store.key(name, args, kwargs) if store is not None else None
        if key is None:
            return fn(*args, **kwargs)
        found = store.answer(key)
        if found is not _MISSING:
            return found
        try:
            value = fn(*args, **kwargs)
        except Exception as exc:
            store.remember(key, raised=exc)
            raise
        store.remember(key, value)
        return value
    answer.computes = fn   # the function itself, for tests
    return answer
