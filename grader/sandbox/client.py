"""Run one student file in a separate, limited process and call its functions with plain data.

    with Sandbox(path, functions=("conv2d",), limits=Limits()) as box:
        box.load()                         # -> LoadResult (syntax/import errors with file and line)
        out = box.call("conv2d", image, kernel, stride=2)

``call`` returns the decoded value or raises one of:
  * :class:`StudentRaised` -- the student's function raised (NotImplementedError included);
  * :class:`SandboxFailure` -- the process timed out, crashed, exited or spoke garbage. The process is gone; the
    next ``call`` starts a fresh one (and re-loads the file), so one hang costs one property, not the exercise.

Time limits count the CPU time of the student's process tree (:mod:`grader.sandbox.cputime`): a call may use
``Limits.call_seconds`` of it, loading ``Limits.load_seconds``; a wall-clock safety net of ``Limits.wall_factor``
times that still ends a process that sleeps or blocks. :meth:`Sandbox.cpu_used` is the total over every process.

By default each sandbox starts a fresh interpreter (``grade exercise``: one student, on their own machine). Batch
grading passes a :class:`grader.sandbox.zygote.Zygote` as ``spawner``: a clean process that imported numpy once and
forks a child per student file (milliseconds instead of 0.1-0.2 s).
"""
from __future__ import annotations

import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from grader.i18n import N_, gettext as _
from grader.paths import COURSE_ROOT
from grader.sandbox import cputime, protocol
from grader.sandbox.environment import base_env, capture_file
from grader.sandbox.isolation import kill_group
from grader.sandbox.limits import DEFAULT_SANDBOX_NPROC, Limits
from grader.sandbox.mode import WORKSPACE, cage_mode
from grader.sandbox.zygote import ForkedProcess, Zygote, ZygoteError


# Every text that comes from the student process is cut to these sizes (characters) and cleaned of what UTF-8
# cannot encode (protocol.clean_text) before the grader uses it: a 40 MB exception name or a lone surrogate in a
# message can never reach results.jsonl, the feedback or the grader's memory whole.
MAX_TYPE_CHARS, MAX_MESSAGE_CHARS, MAX_TRACEBACK_CHARS, MAX_SOURCE_LINE_CHARS = 200, 2000, 4000, 300


def worded(info: dict, templates) -> str:
    """A message the student process sent, in the student's language when grader code running there worded it as
    one of ``templates`` (its English template and plain-string arguments); anything else as the text it sent."""
    template, args = info.get("template"), info.get("args")
    if template in templates and isinstance(args, dict) and \
            all(isinstance(k, str) and isinstance(v, str) for k, v in args.items()):
        try:
            return _(template).format(**args)
        except (KeyError, IndexError, ValueError):
            pass
    return str(info.get("message", ""))


def student_message(info: dict) -> str:
    """The message of an error report of the student process (out of memory, exit(), a refused import: one of
    student_process.MESSAGES), worded as :func:`worded` says."""
    from grader.sandbox.student_process import MESSAGES

    return worded(info, MESSAGES)


def clean_error(info) -> dict:
    """The error report of the student process, with only known fields, each cut to size and cleaned (its message
    in the student's language where the student process worded it: :func:`student_message`)."""
    if not isinstance(info, dict):
        return {"type": "Exception", "message": "?", "traceback": ""}
    text = protocol.clean_text
    out = {"type": text(info.get("type", "Exception"), MAX_TYPE_CHARS),
           "message": text(student_message(info), MAX_MESSAGE_CHARS),
           "traceback": text(info.get("traceback", "") or "", MAX_TRACEBACK_CHARS)}
    kinds = info.get("kinds")
    if isinstance(kinds, list):
        out["kinds"] = [text(k, MAX_TYPE_CHARS) for k in kinds[:20]]
    if info.get("file") is not None:
        out["file"] = text(info["file"], MAX_SOURCE_LINE_CHARS)
    if info.get("text") is not None:
        out["text"] = text(info["text"], MAX_SOURCE_LINE_CHARS)
    if isinstance(info.get("line"), int) and not isinstance(info.get("line"), bool):
        out["line"] = info["line"]
    return out


class StudentRaised(Exception):
    """The student's code raised an exception (carried as plain data)."""

    def __init__(self, info: dict):
        self.info = info = clean_error(info)
        self.type_name = info["type"]
        self.message = info["message"]
        kinds = info.get("kinds")
        # the exception's class and its bases, as the student process reported them ("ShapeError", "ValueError")
        self.kinds = tuple(kinds) if kinds else (self.type_name,)
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
            where = _("{file}, line {line}: ").format(file=Path(str(err["file"])).name, line=err.get("line"))
        text = f"\n    {err['text']}" if err.get("text") else ""
        return f"{where}{err['type']}: {err['message']}{text}"




_SIGNALS = {getattr(signal, n): n for n in ("SIGSEGV", "SIGKILL", "SIGXCPU", "SIGXFSZ", "SIGABRT", "SIGBUS",
                                              "SIGFPE", "SIGILL", "SIGTERM")}


def _signal_text(sig: int) -> str:
    name = _SIGNALS.get(sig, f"signal {sig}")
    why = {"SIGSEGV": N_("a segmentation fault"), "SIGXCPU": N_("its CPU time limit"),
           "SIGXFSZ": N_("its output/file size limit"), "SIGKILL": N_("being killed (often the memory limit)"),
           "SIGABRT": N_("an abort")}.get(name, name)
    return f"{name} ({_(why)})"


# -- the sandbox ---------------------------------------------------------------------------------------------------
@contextmanager
def _interrupt_deferred():
    """Hold back SIGINT (Ctrl-C) until the block ends, then act on it as the handler in place would have."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught and callable(previous):
            previous(signal.SIGINT, caught[0])


@dataclass
class Sandbox:
    """One student file, one process at a time (restarted after a failure).

    ``spawner``: a :class:`Zygote` to fork from (batch mode) instead of starting a fresh interpreter.
    ``confine``: without a cage (:func:`grader.sandbox.mode.cage_mode`), with a spawner that can, chroot the child
    into a copy of the student's files (only the standard-library modules its file imports, the zygote's
    :data:`grader.sandbox.student_process.PRELOAD` and ``preload`` can be imported there).
    ``libraries``: the third-party packages the cage's view holds (the exercise's declaration).
    ``preload``: grader modules to import in the child before confinement (an exercise's driver).
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
    libraries: tuple[str, ...] = ("numpy",)   # the third-party packages the caged process's view holds

    def __post_init__(self):
        self.file = Path(self.file).resolve()
        self.proc: subprocess.Popen | ForkedProcess | None = None
        self.student_seconds = 0.0
        self._cpu_done = 0.0      # CPU seconds of the processes that ended (measured before they were stopped)
        self._last_sample: tuple[int, float, float] | None = None   # (pid, monotonic time, CPU seconds)
        self.calls = 0
        self.processes = 0
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
        self._capture = capture_file()
        self._load_result = None
        self.processes += 1
        if self.spawner is not None:
            try:
                self._start_forked()
            except (ZygoteError, OSError) as exc:
                self._stop()
                self._load_result = LoadResult(False, failure=_("the sandbox could not be started: {error}").format(
                    error=exc))
            return
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        mode = cage_mode()
        inner = WORKSPACE if mode.ok else self._workspace
        env = base_env({"HOME": inner, "TMPDIR": inner})
        env.update(self.extra_env)
        with _interrupt_deferred():   # a Ctrl-C inside Popen would leave its child running, untracked
            self.proc = subprocess.Popen(
                [sys.executable, "-B", "-m", "grader.sandbox", str(req_r), str(resp_w)],
                pass_fds=(req_r, resp_w), cwd=self._workspace, env=env, start_new_session=True,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            os.close(req_r)
            os.close(resp_w)
            self._req_w, self._resp_r = req_w, resp_r
        config = {
            "file": str(self.file), "module": self.file.stem, "functions": list(self.functions),
            "workspace": self._workspace, "capture": self._capture,
            "sys_path": [str(self.file.parent), *self.sys_path], "hide_paths": [str(COURSE_ROOT)],
            "limits": self._limits_dict(mode.uid), **self._refusals(mode.ok),
        }
        if mode.ok:
            config.update(self._cage_config(mode.uid, mode.userns))
            config["env"] = env
        try:
            protocol.write_message(self._req_w, config, timeout=self.limits.load_seconds * self.limits.wall_factor)
        except OSError:
            pass  # the process died at once (or hung); load() reports it

    def _refusals(self, caged: bool = False) -> dict:
        """The refused libraries by name and by where they live on disk. Caged, their files are not in the view at
        all: the quick origins (each name's own folder) suffice; uncaged, every top-level package of their
        distributions (read from their metadata, about 0.5 s once per process)."""
        from grader.sandbox.view import quick_origins, refused_names, refused_origins

        if not self.refuse_imports:
            return {"refuse_imports": []}
        if caged:
            return {"refuse_imports": list(self.refuse_imports), "refuse_origins": quick_origins(self.refuse_imports)}
        return {"refuse_imports": refused_names(self.refuse_imports),
                "refuse_origins": refused_origins(self.refuse_imports)}

    def _cage_config(self, uid: int | None, userns: bool) -> dict:
        """What changes when the process is caged: its file is the submission's, read-only at /submission."""
        from grader.sandbox import cage
        from grader.sandbox.view import cage_spec

        spec = cage_spec(self.libraries, self._submission_folder(uid), uid=uid, userns=userns,
                         workspace_mb=self.limits.workspace_mb, workspace_files=self.limits.workspace_files)
        spec["root"] = self._workspace
        nproc = self.limits.nproc or DEFAULT_SANDBOX_NPROC
        memory = self.limits.memory_mb + self.limits.workspace_mb if self.limits.memory_mb else None
        spec["cgroups"] = {"memory_mb": memory, "pids": nproc}
        return {"cage": spec, "file": f"{cage.SUBMISSION}/{self.file.name}",
                "sys_path": [cage.SUBMISSION, *self.sys_path]}

    def _submission_folder(self, uid: int | None) -> str:
        """The folder to show read-only at /submission: the file's own, or, where the sandbox uid could not read it
        (a private temporary folder), a readable copy of its Python files made for this process."""
        folder = str(self.file.parent)
        if uid is None or os.stat(folder).st_mode & 0o005 == 0o005:
            return folder
        copy = self._workspace + "-files"
        shutil.copytree(folder, copy, symlinks=True, dirs_exist_ok=True,
                        ignore=lambda d, names: [n for n in names if os.path.islink(os.path.join(d, n))])
        for path, dirs, files in os.walk(copy):
            os.chmod(path, 0o755)
            for name in files:
                os.chmod(os.path.join(path, name), 0o644)
        return copy

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
        ws = self._workspace
        if zygote.cage:
            env = base_env({"HOME": WORKSPACE, "TMPDIR": WORKSPACE})
            env.update(self.extra_env)
            config = {"module": self.file.stem, "functions": list(self.functions), "workspace": ws,
                      "capture": self._capture, "hide_paths": [], "env": env, "limits": self._limits_dict(uid),
                      "uid": uid, "preimport": list(self.preload), **self._refusals(True),
                      **self._cage_config(uid, zygote.userns)}
            self._spawn(zygote, config)
            return
        chroot = bool(self.confine and zygote.can_chroot)
        host_file = os.path.join(ws, self.file.name)
        # the student's own folder (the staged copy: their exercise files and other .py files), never the original
        shutil.copytree(self.file.parent, ws, dirs_exist_ok=True, symlinks=True,
                        ignore=lambda d, names: [n for n in names if os.path.islink(os.path.join(d, n))])
        shutil.copyfile(self.file, host_file)
        os.chmod(host_file, 0o644)
        if uid is not None:
            os.chown(ws, uid, uid)
        os.chmod(ws, 0o700)
        inner = "/" if chroot else ws
        env = base_env({"HOME": inner, "TMPDIR": inner})
        env.update(self.extra_env)
        config = {
            "file": os.path.join(inner, self.file.name), "host_file": host_file, "module": self.file.stem,
            "functions": list(self.functions), "workspace": ws, "capture": self._capture,
            "sys_path": [inner, *self.sys_path], "hide_paths": [str(COURSE_ROOT)], "env": env,
            "limits": self._limits_dict(uid), "uid": uid, "chroot": chroot, "preimport": list(self.preload),
            **self._refusals(),
        }
        self._spawn(zygote, config)

    def _spawn(self, zygote: Zygote, config: dict) -> None:
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
            # from the process's start: what starting the interpreter and importing the file cost
            reply = self._read(self.limits.load_seconds, during=_("loading the file"), start_cpu=0.0)
        except SandboxFailure as exc:
            self._load_result = LoadResult(False, failure=str(exc))
            return self._load_result
        if isinstance(reply.get("time"), float):
            self.student_seconds += reply["time"]
        if isinstance(reply.get("isolation"), dict):
            self.isolation = {protocol.clean_text(k, 40): protocol.clean_text(v, 200)
                              for k, v in list(reply["isolation"].items())[:20]}
        if reply.get("loaded") is True:
            functions = reply.get("functions", ())
            self._load_result = LoadResult(True, tuple(f for f in functions if isinstance(f, str)
                                                       and f in self.functions)
                                           if isinstance(functions, (list, tuple)) else ())
        elif isinstance(reply.get("error"), dict):
            self._load_result = LoadResult(False, error=clean_error(reply["error"]))
            self._stop()
        else:
            self._load_result = LoadResult(False, failure=_("the student process sent a malformed reply while "
                                                            "loading the file (does your code replace parts of "
                                                            "numpy or the grader?)"))
            self._stop()
        return self._load_result

    def call(self, fn: str, *args, return_args: bool = False, timeout: float | None = None, **kwargs):
        """Call ``fn(*args, **kwargs)`` in the student process and return its decoded result."""
        return self._request({"op": "call", "fn": fn, "args": list(args), "kwargs": kwargs,
                              "return_args": return_args}, timeout, during=f"{fn}()", keep_args=return_args)

    def run_driver(self, target: str, *args, timeout: float | None = None, wall: float | None = None, **kwargs):
        """Run grader-owned driver code ``module:function`` inside the student process: it gets the student's module
        and plain data, and returns plain data (see :mod:`grader.sandbox.student_process`). ``timeout``: its CPU
        budget (default ``Limits.call_seconds``); ``wall``: its wall-clock limit (default ``Limits.wall_factor``
        times the budget)."""
        return self._request({"op": "driver", "target": target, "args": list(args), "kwargs": kwargs},
                             timeout, during=target.rpartition(":")[2], wall=wall)

    def _request(self, message: dict, timeout: float | None, during: str, keep_args: bool = False,
                 wall: float | None = None):
        load = self.load()
        if not load.ok:
            raise SandboxFailure(_("the file could not be loaded: {error}").format(error=load.describe()), "load")
        self.calls += 1
        budget = timeout or self.limits.call_seconds
        wall = wall or budget * self.limits.wall_factor
        # from before the request: the call's own CPU time (give or take a recent sample's age: see _recent_cpu)
        clock = cputime.Budget(budget, wall, self._tree_cpu, self._recent_cpu())
        try:
            protocol.write_message(self._req_w, message, timeout=wall)
        except protocol.WriteTimeout:
            raise self._timed_out(during, cputime.Exceeded("wall", wall, wall)) from None
        except OSError:
            raise self._died(during) from None
        reply = self._read(budget, during=during, clock=clock)
        self.student_seconds += float(reply.get("time", 0.0)) if isinstance(reply.get("time"), float) else 0.0
        if "error" in reply:
            raise StudentRaised(reply["error"])
        if "ok" not in reply:
            raise SandboxFailure(_("the student process sent a malformed reply during {during}").format(during=during),
                                 "protocol")
        if keep_args:
            args = reply.get("args", ())
            kwargs = reply.get("kwargs", {})
            return (reply["ok"], tuple(args) if isinstance(args, (list, tuple)) else (),
                    kwargs if isinstance(kwargs, dict) else {})
        return reply["ok"]

    def _read(self, timeout: float, during: str, clock: cputime.Budget | None = None, start_cpu: float = -1.0):
        """One reply, within the CPU budget ``timeout`` (or ``clock``, begun earlier) and its wall-clock net."""
        if clock is None:
            start = start_cpu if cputime.available() else None   # None: no CPU clock, the budget is wall-clock
            clock = cputime.Budget(timeout, timeout * self.limits.wall_factor, self._tree_cpu, start)
        try:
            header_len, body_len = self._read_until(16, clock, during, sizes=True)
            header = self._read_until(header_len, clock, during)
            body = self._read_until(body_len, clock, during)
            reply = protocol.decode(header, body)
        except protocol.ProtocolError as exc:
            self._stop()
            raise SandboxFailure(_("the student process sent garbage during {during}: {error}").format(
                during=during, error=exc), "protocol") from None
        if not isinstance(reply, dict):
            self._stop()
            raise SandboxFailure(_("the student process sent a malformed reply during {during}").format(during=during),
                                 "protocol")
        return reply

    def _read_until(self, n: int, clock: cputime.Budget, during: str, sizes: bool = False):
        buf = bytearray()
        while len(buf) < n:
            try:
                left = clock.wait()
            except cputime.Exceeded as over:
                raise self._timed_out(during, over) from None
            ready = select.select([self._resp_r], [], [], left)[0]
            if not ready:
                continue
            chunk = os.read(self._resp_r, min(n - len(buf), 1 << 20))
            if not chunk:
                raise self._died(during)
            buf += chunk
        if sizes:
            header_len, body_len = struct.unpack("<QQ", bytes(buf))
            if header_len + body_len > protocol.MAX_MESSAGE_BYTES:
                self._stop()
                raise SandboxFailure(_("the student process sent a reply over {mb} MB during {during} (a far too "
                                       "large result, or a corrupted channel)").format(
                    mb=protocol.MAX_MESSAGE_BYTES >> 20, during=during), "protocol")
            return header_len, body_len
        return bytes(buf)

    def _timed_out(self, during: str, over: cputime.Exceeded) -> SandboxFailure:
        self._stop()
        if over.clock == "cpu":
            return SandboxFailure(_("timed out: {during} used {used:.1f} s of CPU time, budget {limit:g} s (an "
                                    "endless loop, or far too slow)").format(during=during, used=over.used,
                                                                             limit=over.limit), "timeout")
        return SandboxFailure(_("timed out: {during} did not finish within {limit:g} s of wall-clock time (the safety "
                                "net beside its CPU budget: waiting, sleeping, or a process that stopped reading its "
                                "requests)").format(during=during, limit=over.limit), "timeout")

    def _died(self, during: str) -> SandboxFailure:
        code = None
        if self.proc is not None:
            try:
                code = self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
        self._stop()
        if code is not None and code < 0 and -code == getattr(signal, "SIGXFSZ", -1):
            return SandboxFailure(_("crashed during {during}: your code printed or wrote more than {mb} MB (the "
                                    "output limit)").format(during=during, mb=self.limits.output_mb), "output")
        if code is not None and code < 0:
            why = _("the process was killed by {signal}").format(signal=_signal_text(-code))
        elif code is not None:
            why = _("the process exited with status {code} (exit(), os._exit() or sys.exit() in your code?)").format(
                code=code)
        else:
            why = _("the process closed its channel")
        return SandboxFailure(_("crashed during {during}: {why}").format(during=during, why=why), "crash")

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
                    text += "\n" + _("... ({count} more bytes of output)").format(count=size - len(data))
                self._output_chunks.append(text)
        except OSError:
            pass

    def _stop(self) -> None:
        if self.proc is not None:
            self._cpu_done += self._tree_cpu() or 0.0
            pid = self.proc.pid
            kill_group(self.proc)
            if isinstance(self.proc, ForkedProcess):
                self.proc.zygote.sweep(pid)
            elif cage_mode().ok:
                from grader.sandbox import cage

                cage.remove_cgroups(cage.cgroup_folders(cage.cgroup_name(os.getpid(), pid)))
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
            shutil.rmtree(self._workspace + "-files", ignore_errors=True)
            self._workspace = None
        if self._load_result is not None and self._load_result.ok:
            self._load_result = None  # a fresh process re-loads on the next call

    def _tree_cpu(self) -> float | None:
        """CPU seconds the live student process and everything it started have used so far, as the kernel counts
        them (:func:`grader.sandbox.cputime.tree_seconds`); None when there is no process or no /proc."""
        if self.proc is None:
            return None
        value = cputime.tree_seconds(self.proc.pid)
        if value is not None:
            self._last_sample = (self.proc.pid, time.monotonic(), value)
        return value

    def _recent_cpu(self) -> float | None:
        """Where a call's CPU budget starts: the tree's CPU seconds now, or a sample taken at most
        :data:`grader.sandbox.cputime.REUSE_SECONDS` ago (a quick call then costs no /proc walk; the call is charged
        at most that long times the cores of its predecessor's time, never less than its own). None: no CPU clock
        here, the budget counts wall-clock time."""
        if not cputime.available():
            return None
        last = self._last_sample
        if last is not None and self.proc is not None and last[0] == self.proc.pid \
                and time.monotonic() - last[1] <= cputime.REUSE_SECONDS:
            return last[2]
        return self._tree_cpu()

    def cpu_used(self) -> float | None:
        """CPU seconds used by every process of this sandbox so far (the ended ones and the live one); None where
        this machine has no CPU clock (/proc)."""
        if not cputime.available():
            return None
        return self._cpu_done + (self._tree_cpu() or 0.0)

    def output(self) -> str:
        """What the student's code printed (all processes so far), truncated for display."""
        text = "".join(self._output_chunks)
        limit = self.limits.show_output_chars
        return text if len(text) <= limit else \
            text[:limit] + "\n" + _("... ({count} more characters cut)").format(count=len(text) - limit)

    def close(self) -> None:
        if self.proc is not None and self._req_w is not None:
            try:
                protocol.write_message(self._req_w, {"op": "exit"}, timeout=0.5)
                self.proc.wait(timeout=0.5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._stop()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

