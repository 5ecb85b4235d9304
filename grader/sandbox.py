"""Run one student file in a separate, limited process and call its functions with plain data.

    with Sandbox(path, functions=("conv2d",), limits=Limits()) as box:
        box.load()                         # -> LoadResult (syntax/import errors with file and line)
        out = box.call("conv2d", image, kernel, stride=2)

``call`` returns the decoded value or raises one of:
  * :class:`StudentRaised` -- the student's function raised (NotImplementedError included);
  * :class:`SandboxFailure` -- the process timed out, crashed, exited or spoke garbage. The process is gone; the
    next ``call`` starts a fresh one (and re-loads the file), so one hang costs one property, not the exercise.

By default each sandbox starts a fresh interpreter (``grade exercise``: one student, on their own machine). Batch
grading passes a :class:`Zygote` as ``spawner``: a clean process that imported numpy once and forks a child per
student file (milliseconds instead of 0.1-0.2 s). Zygote children always get a private copy of the student's file
in an empty workspace; when the grader runs as root they also drop to an unprivileged uid and, with
``confine=True``, ``chroot`` into that workspace (see :mod:`grader.worker`).
"""
from __future__ import annotations

import atexit
import os
import pwd
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
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
    nproc: int | None = None         # RLIMIT_NPROC (not enforced for root; zygote children under a dropped uid
                                     # get DEFAULT_SANDBOX_NPROC when this is None)
    show_output_chars: int = 2000    # captured output shown to the student


DEFAULT_SANDBOX_NPROC = 64


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
            where = f"{Path(str(err['file'])).name}, line {err.get('line')}: "
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


# -- private folders of this grader process ---------------------------------------------------------------------
_PRIVATE: dict[str, str] = {}
_PRIVATE_LOCK = threading.Lock()


def _private_dir(kind: str, mode: int = 0o700) -> str:
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
    path = _private_dir("runtime", 0o755)
    link = os.path.join(path, "grader")
    if not os.path.lexists(link):
        os.symlink(str(GRADER_ROOT / "grader"), link)
    return path


def _base_env(extra: dict | None = None) -> dict:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": runtime_path(), "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8", "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
    }
    env.update(extra or {})
    return env


def _capture_file() -> str:
    fd, path = tempfile.mkstemp(prefix="out-", dir=_private_dir("capture"))
    os.close(fd)
    return path


# -- the zygote ----------------------------------------------------------------------------------------------------
def sandbox_uid(slot: int = 0) -> int | None:
    """The unprivileged uid for sandbox slot ``slot`` when running as root, else None.

    Each concurrent slot gets its own uid (GRADER_SANDBOX_UID_BASE, default 61000, plus the slot), so students
    graded at the same time cannot signal or read each other; uids that belong to an account are skipped.
    GRADER_SANDBOX_UID=none turns the privilege drop off.
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or os.environ.get("GRADER_SANDBOX_UID", "").lower() == "none":
        return None
    base = int(os.environ.get("GRADER_SANDBOX_UID_BASE", "61000"))
    uid = base + slot
    for _ in range(100):
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
        uid += 1000
    return None


_READABLE: dict[int, bool] = {}


def python_readable_by(uid: int) -> bool:
    """Whether ``uid`` can read this Python installation (stdlib and site-packages); root only, cached.

    An unconfined sandbox child (an exercise that needs torch) imports lazily after dropping to ``uid``; when the
    interpreter lives somewhere private (e.g. pyenv under /root), those imports fail, so such exercises are refused
    with a clear message instead of being run as root.
    """
    if uid in _READABLE:
        return _READABLE[uid]
    import sysconfig

    paths = {sysconfig.get_paths()[k] for k in ("stdlib", "purelib", "platlib")}
    pid = os.fork()
    if pid == 0:
        ok = False
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            ok = all(os.access(p, os.R_OK | os.X_OK) and os.listdir(p) is not None for p in paths)
        except BaseException:  # noqa: BLE001
            ok = False
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    _READABLE[uid] = os.waitstatus_to_exitcode(status) == 0
    return _READABLE[uid]


def unreadable_python_message(uid: int) -> str:
    import sysconfig

    return (f"cannot run this exercise under the unprivileged sandbox uid {uid}: it needs the full Python "
            f"installation ({sysconfig.get_paths()['stdlib']}), which that uid cannot read. Install Python where "
            "every user can read it (/usr, /opt, a venv outside /root), or set GRADER_SANDBOX_UID=none to run "
            "student code as root (not safe for untrusted code)")


def kill_group(proc, timeout: float = 5.0) -> None:
    """SIGKILL a process's whole process group (it was started in a session of its own) and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass


class _ForkedProcess:
    """The part of subprocess.Popen that Sandbox uses, for a child of a zygote."""

    def __init__(self, zygote: "Zygote", pid: int):
        self.zygote, self.pid, self.returncode = zygote, pid, None

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            status = self.zygote._wait(self.pid, 5.0 if timeout is None else timeout)
            if status is None:
                raise subprocess.TimeoutExpired(f"sandbox {self.pid}", timeout)
            self.returncode = status
        return self.returncode


class ZygoteError(Exception):
    """The zygote process failed (it is restarted on the next spawn)."""


class Zygote:
    """A clean process that imported numpy and the protocol once and forks one child per student file.

    ``uid``: drop each child to this uid (root only; see :func:`sandbox_uid`). ``chroot``: allow confined children
    (``Sandbox(confine=True)``) to chroot into their workspace. What actually works is probed at start:
    :attr:`can_chroot`, :attr:`uid`, :meth:`describe`. Not thread-safe per instance beyond its own lock: use one
    zygote per grading worker; it serves any number of sandboxes, one after another or at once.
    """

    def __init__(self, uid: int | None = None, chroot: bool | None = None):
        self.requested_uid = uid
        # GRADER_SANDBOX_CHROOT=none turns confinement off (e.g. to compare, or where chroot misbehaves)
        self.want_chroot = chroot if chroot is not None else \
            os.environ.get("GRADER_SANDBOX_CHROOT", "").lower() not in ("none", "0", "no", "off")
        self.uid: int | None = None
        self.can_chroot = False
        self.subreaper = False
        self.proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self.spawned = 0

    # -- life ---------------------------------------------------------------------------------------------------
    def start(self) -> "Zygote":
        if self.proc is not None and self.proc.poll() is None:
            return self
        self._shutdown()
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        cwd = _private_dir("capture")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-B", "-m", "grader.worker", "--zygote", str(child.fileno())],
                pass_fds=(child.fileno(),), cwd=cwd, env=_base_env(), start_new_session=True,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        finally:
            child.close()
        self._sock = parent
        probe_dir = tempfile.mkdtemp(prefix="grade-probe-")
        try:
            caps = self._request({"op": "probe", "uid": self.requested_uid,
                                  "chroot_dir": probe_dir if self.want_chroot and os.geteuid() == 0 else None},
                                 timeout=60.0)
        finally:
            shutil.rmtree(probe_dir, ignore_errors=True)
        self.uid = self.requested_uid if caps.get("uid") else None
        self.can_chroot = bool(caps.get("chroot"))
        self.subreaper = bool(caps.get("subreaper"))
        return self

    def close(self) -> None:
        with self._lock:
            if self._sock is not None and self.proc is not None and self.proc.poll() is None:
                try:
                    self._sock.sendall(protocol.encode({"op": "exit"}))
                    self.proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            self._shutdown()

    def _shutdown(self) -> None:
        if self.proc is not None:
            kill_group(self.proc)
            self.proc = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def describe(self) -> str:
        """One line on the isolation this zygote gives (for the batch summary and the README's caveats)."""
        parts = ["a forked process per exercise file, private workspace, resource limits"]
        if self.uid is not None:
            parts.append(f"unprivileged uid {self.uid}")
        else:
            why = "not root" if os.geteuid() != 0 else "disabled or not possible"
            parts.append(f"NO privilege drop ({why}): student code runs as this user")
        parts.append("chroot into the workspace" if self.can_chroot else "no chroot")
        if not self.subreaper:
            parts.append("leftover processes may escape the sweep")
        return "; ".join(parts)

    # -- requests -----------------------------------------------------------------------------------------------
    def _request(self, message: dict, fds: tuple[int, ...] = (), timeout: float = 30.0) -> dict:
        with self._lock:
            if self._sock is None:
                raise ZygoteError("the zygote is not running")
            frame = protocol.encode(message)
            try:
                if fds:
                    sent = socket.send_fds(self._sock, [frame], list(fds))
                    if sent < len(frame):
                        self._sock.sendall(frame[sent:])
                else:
                    self._sock.sendall(frame)
                return self._read_reply(timeout)
            except (OSError, EOFError, protocol.ProtocolError) as exc:
                self._shutdown()
                raise ZygoteError(f"the zygote failed: {exc}") from None

    def _read_reply(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        buf = bytearray()
        need = 16
        sizes = None
        while len(buf) < need:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._sock], [], [], left)[0]:
                raise OSError("the zygote did not answer in time")
            chunk = self._sock.recv(max(need - len(buf), 1 << 16))
            if not chunk:
                raise EOFError("the zygote closed its socket")
            buf += chunk
            if sizes is None and len(buf) >= 16:
                sizes = struct.unpack("<QQ", bytes(buf[:16]))
                need = 16 + sizes[0] + sizes[1]
        reply = protocol.decode(bytes(buf[16:16 + sizes[0]]), bytes(buf[16 + sizes[0]:need]))
        if not isinstance(reply, dict):
            raise protocol.ProtocolError("malformed zygote reply")
        return reply

    def spawn(self, config: dict, fds: tuple[int, int]) -> _ForkedProcess:
        """Fork a child that serves ``config`` over the pipes ``fds`` = (request read end, response write end)."""
        for attempt in (1, 2):
            try:
                self.start()
                reply = self._request({"op": "spawn", "config": config}, fds)
                if "pid" not in reply:
                    raise ZygoteError(str(reply.get("error", "spawn failed")))
                self.spawned += 1
                return _ForkedProcess(self, int(reply["pid"]))
            except ZygoteError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _wait(self, pid: int, timeout: float) -> int | None:
        try:
            return self._request({"op": "wait", "pid": pid, "timeout": timeout}, timeout=timeout + 30).get("status")
        except ZygoteError:
            return None

    def sweep(self, pid: int) -> int:
        """Kill whatever the sandbox ``pid`` left running (its children, daemons, orphans), then forget it."""
        try:
            return int(self._request({"op": "sweep", "pid": pid, "uid": self.uid}).get("killed", 0))
        except ZygoteError:
            return 0


# -- the sandbox ---------------------------------------------------------------------------------------------------
@dataclass
class Sandbox:
    """One student file, one process at a time (restarted after a failure).

    ``spawner``: a :class:`Zygote` to fork from (batch mode) instead of starting a fresh interpreter.
    ``confine``: with a spawner that can, chroot the child into its workspace (only the modules its file imports,
    the zygote's :data:`grader.worker.PRELOAD` and ``preload`` can be imported there).
    ``preload``: grader modules to import in the child before confinement (e.g. harness modules).
    ``refuse_imports``: top-level packages whose import in the child fails with a clear ImportError.
    """

    file: Path
    functions: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    extra_env: dict = field(default_factory=dict)
    sys_path: tuple[str, ...] = ()
    spawner: Zygote | None = None
    confine: bool = False
    preload: tuple[str, ...] = ()
    refuse_imports: tuple[str, ...] = ()   # top-level packages the student's file may not import (e.g. torch)

    def __post_init__(self):
        self.file = Path(self.file).resolve()
        self.proc: subprocess.Popen | _ForkedProcess | None = None
        self.student_seconds = 0.0
        self.calls = 0
        self.processes = 0
        self.last_call: CallRecord | None = None
        self.isolation: dict = {}
        self._workspace: str | None = None
        self._capture: str | None = None
        self._req_w = self._resp_r = None
        self._load_result: LoadResult | None = None
        self._output_chunks: list[str] = []

    # -- process life -------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the process and send it its configuration; returns at once (loading proceeds in parallel)."""
        if self.proc is not None or (self._load_result is not None and not self._load_result.ok):
            return
        self._workspace = tempfile.mkdtemp(prefix="grade-ws-")
        self._capture = _capture_file()
        self._load_result = None
        self.processes += 1
        if self.spawner is not None:
            try:
                self._start_forked()
            except (ZygoteError, OSError) as exc:
                self._stop()
                self._load_result = LoadResult(False, failure=f"the sandbox could not be started: {exc}")
            return
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        env = _base_env({"HOME": self._workspace, "TMPDIR": self._workspace})
        env.update(self.extra_env)
        self.proc = subprocess.Popen(
            [sys.executable, "-B", "-m", "grader.worker", str(req_r), str(resp_w)],
            pass_fds=(req_r, resp_w), cwd=self._workspace, env=env, start_new_session=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(req_r)
        os.close(resp_w)
        self._req_w, self._resp_r = req_w, resp_r
        config = {
            "file": str(self.file), "module": self.file.stem, "functions": list(self.functions),
            "workspace": self._workspace, "capture": self._capture,
            "sys_path": [str(self.file.parent), *self.sys_path], "hide_paths": [str(GRADER_ROOT)],
            "limits": self._limits_dict(None), "refuse_imports": list(self.refuse_imports),
        }
        try:
            protocol.write_message(self._req_w, config)
        except OSError:
            pass  # the process died at once; load() reports it

    def _limits_dict(self, uid: int | None) -> dict:
        nproc = self.limits.nproc
        if nproc is None and uid is not None:
            nproc = DEFAULT_SANDBOX_NPROC
        return {"memory_mb": self.limits.memory_mb, "output_mb": self.limits.output_mb,
                "cpu_seconds": self.limits.cpu_seconds, "nproc": nproc}

    def _start_forked(self) -> None:
        zygote = self.spawner
        zygote.start()
        uid = zygote.uid
        chroot = bool(self.confine and zygote.can_chroot)
        ws = self._workspace
        host_file = os.path.join(ws, self.file.name)
        shutil.copyfile(self.file, host_file)   # the child never needs the submission's own folder
        os.chmod(host_file, 0o644)
        if uid is not None:
            os.chown(ws, uid, uid)
        os.chmod(ws, 0o700)
        inner = "/" if chroot else ws
        env = _base_env({"HOME": inner, "TMPDIR": inner})
        env.update(self.extra_env)
        config = {
            "file": os.path.join(inner, self.file.name), "host_file": host_file, "module": self.file.stem,
            "functions": list(self.functions), "workspace": ws, "capture": self._capture,
            "sys_path": [inner, *self.sys_path], "hide_paths": [str(GRADER_ROOT)], "env": env,
            "limits": self._limits_dict(uid), "uid": uid, "chroot": chroot, "preimport": list(self.preload),
            "refuse_imports": list(self.refuse_imports),
        }
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        try:
            self.proc = zygote.spawn(config, (req_r, resp_w))
        except ZygoteError:
            for fd in (req_w, resp_r):
                os.close(fd)
            self.proc = None
            raise
        finally:
            os.close(req_r)
            os.close(resp_w)
        self._req_w, self._resp_r = req_w, resp_r

    def load(self) -> LoadResult:
        """Wait for the file to be imported; report syntax/import errors with file and line."""
        if self._load_result is not None:
            return self._load_result
        self.start()
        if self._load_result is not None:
            return self._load_result
        try:
            reply = self._read(self.limits.load_seconds, during="loading the file")
        except SandboxFailure as exc:
            self._load_result = LoadResult(False, failure=str(exc))
            return self._load_result
        if isinstance(reply.get("time"), float):
            self.student_seconds += reply["time"]
        if isinstance(reply.get("isolation"), dict):
            self.isolation = reply["isolation"]
        if reply.get("loaded") is True:
            functions = reply.get("functions", ())
            self._load_result = LoadResult(True, tuple(f for f in functions if isinstance(f, str))
                                           if isinstance(functions, (list, tuple)) else ())
        elif isinstance(reply.get("error"), dict):
            self._load_result = LoadResult(False, error=reply["error"])
            self._stop()
        else:
            self._load_result = LoadResult(False, failure="the student process sent a malformed reply while "
                                           "loading the file (does your code replace parts of numpy or the grader?)")
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
            args = reply.get("args", ())
            kwargs = reply.get("kwargs", {})
            return (reply["ok"], tuple(args) if isinstance(args, (list, tuple)) else (),
                    kwargs if isinstance(kwargs, dict) else {})
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
            header_len, body_len = struct.unpack("<QQ", bytes(buf))
            if header_len + body_len > protocol.MAX_MESSAGE_BYTES:
                self._stop()
                raise SandboxFailure(f"the student process sent a reply over {protocol.MAX_MESSAGE_BYTES >> 20} MB "
                                     f"during {during} (a far too large result, or a corrupted channel)", "protocol")
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
        if code is not None and code < 0 and -code == getattr(signal, "SIGXFSZ", -1):
            return SandboxFailure(f"crashed during {during}: your code printed or wrote more than "
                                  f"{self.limits.output_mb} MB (the output limit)", "output")
        if code is not None and code < 0:
            why = f"the process was killed by {_signal_text(-code)}"
        elif code is not None:
            why = f"the process exited with status {code} (exit(), os._exit() or sys.exit() in your code?)"
        else:
            why = "the process closed its channel"
        return SandboxFailure(f"crashed during {during}: {why}", "crash")

    def _collect_output(self) -> None:
        if not self._capture:
            return
        try:
            fd = os.open(self._capture, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
            try:
                data = os.read(fd, self.limits.show_output_chars * 4 + 1)
                size = os.fstat(fd).st_size
            finally:
                os.close(fd)
            if data:
                text = data.decode("utf-8", errors="replace")
                if size > len(data):
                    text += f"\n... ({size - len(data)} more bytes of output)"
                self._output_chunks.append(text)
        except OSError:
            pass

    def _stop(self) -> None:
        if self.proc is not None:
            pid = self.proc.pid
            kill_group(self.proc)
            if isinstance(self.proc, _ForkedProcess):
                self.proc.zygote.sweep(pid)
            self.proc = None
        for fd in (self._req_w, self._resp_r):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._req_w = self._resp_r = None
        self._collect_output()
        if self._capture:
            try:
                os.unlink(self._capture)
            except OSError:
                pass
            self._capture = None
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
