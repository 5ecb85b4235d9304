"""The reference solution behind a Sandbox's interface, run in THIS process (trusted code only: solutions/).

Used to prepare replay stores (:mod:`grader.checking.replay`): grading the reference this way records every
property's generated cases and every ground-truth answer, without starting a student process. Arguments and answers
make the same plain-data round trip as through a real sandbox, so the reference meets exactly what a student does.
"""
from __future__ import annotations

import importlib
import importlib.util
import struct
import time
from pathlib import Path

from grader.sandbox import protocol
from grader.sandbox.client import LoadResult, StudentRaised

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"


def _wire(value):
    """``value`` after a trip through the sandbox's pipe: plain data, copied."""
    frame = protocol.encode(value)
    header_len, _ = struct.unpack("<QQ", frame[:16])
    return protocol.decode(frame[16:16 + header_len], frame[16 + header_len:])


class ReferenceBox:
    """``solutions/<file>`` loaded in this process, answering call() and run_driver() like a Sandbox."""

    def __init__(self, path: Path, functions: tuple[str, ...]):
        self.file = Path(path)
        spec = importlib.util.spec_from_file_location(f"reference_{self.file.stem}", self.file)
        self.module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self.module)
        self.functions = tuple(f for f in functions if callable(getattr(self.module, f, None)))
        self.student_seconds = 0.0

    def load(self) -> LoadResult:
        return LoadResult(True, self.functions)

    def call(self, fn: str, *args, return_args: bool = False, timeout=None, **kwargs):
        args, kwargs = _wire(list(args)), _wire(kwargs)
        t0 = time.perf_counter()
        try:
            out = getattr(self.module, fn)(*args, **kwargs)
        except Exception as exc:  # the reference refusing an input, as a student process would report it
            raise StudentRaised({"type": type(exc).__name__, "kinds": [k.__name__ for k in type(exc).__mro__],
                                 "message": str(exc), "traceback": ""}) from None
        finally:
            self.student_seconds += time.perf_counter() - t0
        out = _wire(out)
        return (out, tuple(_wire(args)), _wire(kwargs)) if return_args else out

    def run_driver(self, target: str, *args, timeout=None, wall=None, **kwargs):
        module, _, function = target.partition(":")
        return _wire(getattr(importlib.import_module(module), function)(self.module, *_wire(list(args)),
                                                                        **_wire(kwargs)))
