"""Run one student file in a separate, limited process and call its functions with plain data.

    with Sandbox(path, functions=("conv2d",), limits=Limits()) as box:
        box.load()                         # -> LoadResult (syntax/import errors with file and line)
        out = box.call("conv2d", image, kernel, stride=2)

``call`` returns the decoded value or raises one of:
  * :class:`StudentRaised` -- the student's function raised (NotImplementedError included);
  * :class:`SandboxFailure` -- the process timed out, crashed, exited or spoke garbage. The process is gone; the
    next ``call`` starts a fresh one (and re-loads the file), so one hang costs one property, not the exercise.
"""
from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader import protocol

GRADER_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Limits:
    """Resource limits for one student process."""

    call_seconds: float = 10.0       # wall time for one call
    load_seconds: float = 20.0       # wall time for starting the process and importing the file
    memory_mb: int | None = 1024     # address space (RLIMIT_AS)
    output_mb: int = 8               # largest file the process may write, its captured output included
    cpu_seconds: int | None = 300    # CPU seconds over the process's life
    nproc: int | None = None         # RLIMIT_NPROC (not enforced for root)
    show_output_chars: int = 2000    # captured output shown to the student


class StudentRaised(Exception):
    """The student's code raised an exception (carried as plain data)."""

    def __init__(self, info: dict):
        self.info = info
        self.type_name = info.get("type", "Exception")
        self.message = info.get("message", "")
        super().__init__(f"{self.type_name}: {self.message}")

    @property
    def not_implemented(self) -> bool:
        return self.type_name == "NotImplementedError"


class SandboxFailure(Exception):
    """The student process itself failed: timeout, crash, exit, memory, or a garbled reply."""

    def __init__(self, message: str, kind: str):
        self.kind = kind
        super().__init__(message)


@dataclass
class LoadResult:
    ok: bool
    functions: tuple[str, ...] = ()
    error: dict | None = None
    failure: str | None = None

    def describe(self) -> str:
        if self.failure:
            return self.failure
        if not self.error:
            return ""
        err = self.error
        where = ""
        if err.get("file"):
            where = f"{Path(err['file']).name}, line {err.get('line')}: "
        text = f"\n    {err['text']}" if err.get("text") else ""
        return f"{where}{err['type']}: {err['message']}{text}"


@dataclass
class CallRecord:
    fn: str
    args: tuple
    kwargs: dict
    result: object = None


_SIGNALS = {getattr(signal, n): n for n in ("SIGSEGV", "SIGKILL", "SIGXCPU", "SIGXFSZ", "SIGABRT", "SIGBUS",
                                              "SIGFPE", "SIGILL", "SIGTERM")}


def _signal_text(sig: int) -> str:
    name = _SIGNALS.get(sig, f"signal {sig}")
    why = {"SIGSEGV": "a segmentation fault", "SIGXCPU": "its CPU time limit", "SIGXFSZ": "its output/file size limit",
           "SIGKILL": "being killed (often the memory limit)", "SIGABRT": "an abort"}.get(name, name)
    return f"{name} ({why})"


@dataclass
class Sandbox:
    """One student file, one process at a time (restarted after a failure)."""

    file: Path
    functions: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    extra_env: dict = field(default_factory=dict)
    sys_path: tuple[str, ...] = ()

    def __post_init__(self):
        self.file = Path(self.file).resolve()
        self.proc: subprocess.Popen | None = None
        self.student_seconds = 0.0
        self.calls = 0
        self.last_call: CallRecord | None = None
        self._workspace: str | None = None
        self._req_w = self._resp_r = None
        self._load_result: LoadResult | None = None
        self._output_chunks: list[str] = []

    # -- process life -------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Spawn the process and send it its configuration; returns at once (loading proceeds in parallel)."""
        if self.proc is not None:
            return
        self._workspace = tempfile.mkdtemp(prefix="grade-ws-")
        capture = os.path.join(self._workspace, ".output")
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self._workspace, "TMPDIR": self._workspace,
            "PYTHONPATH": str(GRADER_ROOT), "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONIOENCODING": "utf-8", "LANG": "C.UTF-8",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
        }
        env.update(self.extra_env)
        self.proc = subprocess.Popen(
            [sys.executable, "-B", "-m", "grader.worker", str(req_r), str(resp_w)],
            pass_fds=(req_r, resp_w), cwd=self._workspace, env=env, start_new_session=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(req_r)
        os.close(resp_w)
        self._req_w, self._resp_r = req_w, resp_r
        self._load_result = None
        config = {
            "file": str(self.file), "module": self.file.stem, "functions": list(self.functions),
            "workspace": self._workspace, "capture": capture,
            "sys_path": [str(self.file.parent), *self.sys_path],
            "limits": {"memory_mb": self.limits.memory_mb, "output_mb": self.limits.output_mb,
                       "cpu_seconds": self.limits.cpu_seconds, "nproc": self.limits.nproc},
        }
        try:
            protocol.write_message(self._req_w, config)
        except OSError:
            pass  # the process died at once; load() reports it

    def load(self) -> LoadResult:
        """Wait for the file to be imported; report syntax/import errors with file and line."""
        if self._load_result is not None:
            return self._load_result
        self.start()
        try:
            reply = self._read(self.limits.load_seconds, during="loading the file")
        except SandboxFailure as exc:
            self._load_result = LoadResult(False, failure=str(exc))
            return self._load_result
        self.student_seconds += float(reply.get("time", 0.0))
        if reply.get("loaded"):
            self._load_result = LoadResult(True, tuple(reply.get("functions", ())))
        else:
            self._load_result = LoadResult(False, error=reply.get("error") or {"type": "Error", "message": "?"})
            self._stop()
        return self._load_result

    def call(self, fn: str, *args, return_args: bool = False, timeout: float | None = None, **kwargs):
        """Call ``fn(*args, **kwargs)`` in the student process and return its decoded result."""
        self.last_call = CallRecord(fn, args, kwargs)
        return self._request({"op": "call", "fn": fn, "args": list(args), "kwargs": kwargs,
                              "return_args": return_args}, timeout, during=f"{fn}()", keep_args=return_args)

    def harness(self, target: str, *args, timeout: float | None = None, **kwargs):
        """Run grader-owned driver code ``module:function`` inside the student process (see worker)."""
        return self._request({"op": "harness", "target": target, "args": list(args), "kwargs": kwargs},
                             timeout, during=target.rpartition(":")[2])

    def _request(self, message: dict, timeout: float | None, during: str, keep_args: bool = False):
        load = self.load()
        if not load.ok:
            raise SandboxFailure(f"the file could not be loaded: {load.describe()}", "load")
        self.calls += 1
        try:
            protocol.write_message(self._req_w, message)
        except OSError:
            raise self._died(during) from None
        reply = self._read(timeout or self.limits.call_seconds, during=during)
        self.student_seconds += float(reply.get("time", 0.0)) if isinstance(reply.get("time"), float) else 0.0
        if "error" in reply:
            raise StudentRaised(reply["error"] if isinstance(reply["error"], dict) else {"message": "?"})
        if "ok" not in reply:
            raise SandboxFailure(f"the student process sent a malformed reply during {during}", "protocol")
        if self.last_call is not None and message.get("op") == "call":
            self.last_call.result = reply["ok"]
        if keep_args:
            return reply["ok"], tuple(reply.get("args", ())), reply.get("kwargs", {})
        return reply["ok"]

    def _read(self, timeout: float, during: str):
        deadline = time.monotonic() + timeout
        try:
            header_len, body_len = self._read_until(16, deadline, during, sizes=True)
            header = self._read_until(header_len, deadline, during)
            body = self._read_until(body_len, deadline, during)
            reply = protocol.decode(header, body)
        except protocol.ProtocolError as exc:
            self._stop()
            raise SandboxFailure(f"the student process sent garbage during {during}: {exc}", "protocol") from None
        if not isinstance(reply, dict):
            self._stop()
            raise SandboxFailure(f"the student process sent a malformed reply during {during}", "protocol")
        return reply

    def _read_until(self, n: int, deadline: float, during: str, sizes: bool = False):
        buf = bytearray()
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._timed_out(during, deadline)
            ready, _, _ = select.select([self._resp_r], [], [], left)
            if not ready:
                raise self._timed_out(during, deadline)
            chunk = os.read(self._resp_r, min(n - len(buf), 1 << 20))
            if not chunk:
                raise self._died(during)
            buf += chunk
        if sizes:
            import struct
            header_len, body_len = struct.unpack("<QQ", bytes(buf))
            if header_len + body_len > protocol.MAX_MESSAGE_BYTES:
                self._stop()
                raise SandboxFailure(f"the reply during {during} was over {protocol.MAX_MESSAGE_BYTES >> 20} MB",
                                     "protocol")
            return header_len, body_len
        return bytes(buf)

    def _timed_out(self, during: str, deadline: float) -> SandboxFailure:
        self._stop()
        return SandboxFailure(f"timed out: {during} did not finish within the time limit "
                              f"(an endless loop, or far too slow)", "timeout")

    def _died(self, during: str) -> SandboxFailure:
        code = None
        if self.proc is not None:
            try:
                code = self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
        self._stop()
        if code is not None and code < 0:
            why = f"the process was killed by {_signal_text(-code)}"
        elif code is not None:
            why = f"the process exited with status {code} (exit(), os._exit() or sys.exit() in your code?)"
        else:
            why = "the process closed its channel"
        return SandboxFailure(f"crashed during {during}: {why}", "crash")

    def _collect_output(self) -> None:
        if not self._workspace:
            return
        path = os.path.join(self._workspace, ".output")
        try:
            with open(path, "rb") as fh:
                data = fh.read(self.limits.show_output_chars * 4 + 1)
            if data:
                self._output_chunks.append(data.decode("utf-8", errors="replace"))
        except OSError:
            pass

    def _stop(self) -> None:
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            self.proc = None
        for fd in (self._req_w, self._resp_r):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._req_w = self._resp_r = None
        self._collect_output()
        if self._workspace:
            shutil.rmtree(self._workspace, ignore_errors=True)
            self._workspace = None
        if self._load_result is not None and self._load_result.ok:
            self._load_result = None  # a fresh process re-loads on the next call

    def output(self) -> str:
        """What the student's code printed (all processes so far), truncated for display."""
        text = "".join(self._output_chunks)
        limit = self.limits.show_output_chars
        return text if len(text) <= limit else text[:limit] + f"\n... ({len(text) - limit} more characters cut)"

    def close(self) -> None:
        if self.proc is not None and self._req_w is not None:
            try:
                protocol.write_message(self._req_w, {"op": "exit"})
                self.proc.wait(timeout=0.5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._stop()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()
