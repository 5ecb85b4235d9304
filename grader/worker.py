"""The student process: loads one exercise file and runs calls sent by the grader.

Run as ``python -B -m grader.worker REQ_FD RESP_FD``; everything else arrives in the first message. The grader
never imports student code itself: it sends ``{"op": "call", ...}`` requests over a private pipe and gets plain data
back (see :mod:`grader.protocol`). Whatever this process says is only data: the grader checks it against its own
ground truth, so a student who tampers with this file gains nothing but a failed check.

Before student code is loaded the process sets its own limits (address space, file size, CPU seconds, no core
dumps), moves to a private temporary workspace, and points stdout/stderr at a capture file that the grader reads,
truncates and shows, but never parses.
"""
from __future__ import annotations

import importlib.util
import io
import os
import resource
import sys
import time
import traceback


def _apply_limits(limits: dict) -> None:
    def cap(which, value):
        if value is None:
            return
        soft, hard = resource.getrlimit(which)
        value = int(value)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value if hard == resource.RLIM_INFINITY else hard))

    cap(resource.RLIMIT_CORE, 0)
    mb = limits.get("memory_mb")
    cap(resource.RLIMIT_AS, mb * 1024 * 1024 if mb else None)
    out_mb = limits.get("output_mb")
    cap(resource.RLIMIT_FSIZE, out_mb * 1024 * 1024 if out_mb else None)
    cap(resource.RLIMIT_CPU, limits.get("cpu_seconds"))
    cap(resource.RLIMIT_NPROC, limits.get("nproc"))


def _student_traceback(exc: BaseException, student_file: str, limit: int = 8) -> str:
    """Format the traceback frames that are in the student's file only."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == student_file]
    lines = traceback.format_list(frames[-limit:])
    return "".join(lines) + "".join(traceback.format_exception_only(type(exc), exc))


def _describe_exception(exc: BaseException, student_file: str) -> dict:
    try:
        message = str(exc)
    except BaseException:
        message = "<unprintable message>"
    info = {"type": type(exc).__name__, "message": message[:2000],
            "traceback": _student_traceback(exc, student_file)[-4000:]}
    if isinstance(exc, SyntaxError):
        info.update(file=exc.filename, line=exc.lineno, text=(exc.text or "").rstrip()[:300])
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == student_file]
        if frames:
            info.update(file=student_file, line=frames[-1].lineno)
    return info


def _load(path: str, module_name: str):
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    req_fd, resp_fd = int(argv[0]), int(argv[1])
    from grader import protocol  # numpy comes with it, before any student code

    config = protocol.read_message(req_fd)
    _apply_limits(config.get("limits", {}))
    os.chdir(config["workspace"])
    capture = os.open(config["capture"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(capture, 1)
    os.dup2(capture, 2)
    sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", buffering=0), write_through=True, errors="replace")
    sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", buffering=0), write_through=True, errors="replace")
    for extra in config.get("sys_path", []):
        sys.path.insert(0, extra)

    path = config["file"]
    t0 = time.perf_counter()
    try:
        module = _load(path, config["module"])
    except BaseException as exc:  # SyntaxError, ImportError, SystemExit, KeyboardInterrupt at import...
        protocol.write_message(resp_fd, {"loaded": False, "error": _describe_exception(exc, path),
                                         "time": time.perf_counter() - t0})
        return 0
    names = [n for n in config.get("functions", []) if callable(getattr(module, n, None))]
    protocol.write_message(resp_fd, {"loaded": True, "functions": names, "time": time.perf_counter() - t0})

    while True:
        try:
            request = protocol.read_message(req_fd)
        except EOFError:
            return 0
        op = request.get("op")
        if op == "exit":
            return 0
        t0 = time.perf_counter()
        try:
            if op == "call":
                fn = getattr(module, request["fn"])
                result = fn(*request.get("args", []), **request.get("kwargs", {}))
                reply = {"ok": result}
                if request.get("return_args"):
                    reply["args"] = request.get("args", [])
                    reply["kwargs"] = request.get("kwargs", {})
            elif op == "harness":
                # Grader-owned driver code that runs inside this (untrusted) process, e.g. a training loop that
                # calls the student's build_model/train; its result is plain data that the grader checks itself.
                mod_name, _, fn_name = request["target"].partition(":")
                harness = getattr(importlib.import_module(mod_name), fn_name)
                reply = {"ok": harness(module, *request.get("args", []), **request.get("kwargs", {}))}
            else:
                reply = {"error": {"type": "ProtocolError", "message": f"unknown op {op!r}", "traceback": ""}}
        except BaseException as exc:  # the student's exceptions, SystemExit and KeyboardInterrupt included
            reply = {"error": _describe_exception(exc, path)}
        reply["time"] = time.perf_counter() - t0
        try:
            protocol.write_message(resp_fd, reply)
        except (TypeError, ValueError) as exc:
            protocol.write_message(resp_fd, {"error": {"type": "EncodeError", "message": str(exc)[:500],
                                                       "traceback": ""}, "time": reply["time"]})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
