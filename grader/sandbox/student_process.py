"""The student process: loads one exercise file and runs calls sent by the grader.

Two ways to start it:

* ``python -B -m grader.sandbox REQ_FD RESP_FD`` -- one fresh interpreter per student file (``grade exercise``);
  the configuration arrives as the first message on REQ_FD.
* ``python -B -m grader.sandbox --zygote SOCK_FD`` -- a *zygote*: a clean process that imports numpy and the wire
  protocol once, never runs student code itself, and forks one child per student file on request (batch grading
  and Gradescope, see :class:`grader.sandbox.zygote.Zygote`). A fork costs milliseconds where a fresh interpreter costs
  0.1-0.2 s.

The grader never imports student code itself: it sends ``{"op": "call", ...}`` requests over a private pipe and gets
plain data back (see :mod:`grader.sandbox.protocol`). Whatever this process says is only data: the grader checks it
against its own ground truth, so a student who tampers with this file (or numpy, or the grader's modules) in its own
process gains nothing but a failed check.

Before student code is loaded the process sets its own limits (address space, file size, CPU seconds, no core
dumps) and points stdout/stderr at a capture file that the grader reads, truncates and shows, but never parses.
Where the machine allows it (see :mod:`grader.sandbox.mode`), both modes then enter the *cage*
(:mod:`grader.sandbox.cage`): namespaces, a read-only view of Python, the grader and the exercise's packages, the
student's own files read-only at /submission, a capped private workspace, the run's own uid; nothing the student
names is imported before that. Without a cage, a zygote child running as root may still be *confined* the older
way: it imports the standard-library modules the file names, ``chroot``s into a copy of the student's files and
drops to an unprivileged uid, with ``no_new_privs`` set and ``RLIMIT_NPROC`` bounding fork bombs. Refused libraries
are refused on every import, by name and by where they live on disk (:class:`_RefusedImports`).
"""
from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.util
import io
import os
import resource
import signal
import sys
import time
import traceback

from grader.i18n import N_
from grader.sandbox import isolation

_LIMITS: dict = {}   # this process's limits, for messages ("out of memory: the sandbox allows ... MB")
# Never imported on the student's behalf before confinement (they start programs or windows).
_NO_PREIMPORT = frozenset({"antigravity", "this", "webbrowser", "turtle", "turtledemo", "tkinter", "idlelib",
                           "pydoc", "__hello__", "__phello__", "ensurepip", "venv", "pip"})


# -- limits and stdio ----------------------------------------------------------------------------------------------
def _limit(limits: dict, *, nproc: bool = True) -> None:
    _LIMITS.update(limits)
    isolation.apply_limits(limits, nproc=nproc)


def _redirect_stdio(capture_path: str) -> None:
    capture = os.open(capture_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0), 0o600)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(capture, 1)
    os.dup2(capture, 2)
    os.close(capture)
    os.close(devnull)
    sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", buffering=0), write_through=True, errors="replace")
    sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", buffering=0), write_through=True, errors="replace")


# -- describing the student's exceptions ---------------------------------------------------------------------------
def _student_traceback(exc: BaseException, student_file: str, limit: int = 8) -> str:
    """Format the traceback frames that are in the student's file only."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == student_file]
    lines = traceback.format_list(frames[-limit:])
    return "".join(lines) + "".join(traceback.format_exception_only(type(exc), exc))


# This process's own texts stay English data here: a description carries the template and its arguments (plain
# strings), and the grader translates the templates of MESSAGES where it shows them (client.clean_error).
OUT_OF_MEMORY = N_("out of memory")
OUT_OF_MEMORY_LIMIT = N_("out of memory (the sandbox allows {mb} MB)")
OUT_OF_MEMORY_BECAUSE = N_("out of memory: {message}")
OUT_OF_MEMORY_LIMIT_BECAUSE = N_("out of memory (the sandbox allows {mb} MB): {message}")
CALLED_EXIT = N_("your code called exit()/sys.exit() (status {status}); return a value or raise instead")
INTERRUPTED = N_("your code raised KeyboardInterrupt")
NUMPY_ALONE = N_("this exercise is to be written with numpy alone: 'import {module}' is not allowed here (the grader "
                 "compares your own implementation with torch)")
MESSAGES = (OUT_OF_MEMORY, OUT_OF_MEMORY_LIMIT, OUT_OF_MEMORY_BECAUSE, OUT_OF_MEMORY_LIMIT_BECAUSE, CALLED_EXIT,
            INTERRUPTED, NUMPY_ALONE)


def refused_import(module: str) -> ImportError:
    """The ImportError for an import this exercise refuses (an ImportError like any other for the student's code;
    its ``grader_template`` lets the grader say it in the student's language)."""
    error = ImportError(NUMPY_ALONE.format(module=module), name=module)
    error.grader_template = NUMPY_ALONE
    return error


def _template(exc: BaseException, message: str) -> tuple[str | None, dict]:
    """(one of MESSAGES, its arguments) for the exceptions this process words itself, else (None, {})."""
    template, args = None, {}
    if isinstance(exc, MemoryError):
        mb = _LIMITS.get("memory_mb")
        template = (OUT_OF_MEMORY_LIMIT_BECAUSE if message else OUT_OF_MEMORY_LIMIT) if mb else \
            (OUT_OF_MEMORY_BECAUSE if message else OUT_OF_MEMORY)
        args = {"mb": str(mb), "message": message[:1800]} if mb else {"message": message[:1800]}
        args = {k: v for k, v in args.items() if "{" + k + "}" in template}
    elif isinstance(exc, SystemExit):
        template, args = CALLED_EXIT, {"status": repr(exc.code)[:200]}
    elif isinstance(exc, KeyboardInterrupt):
        template = INTERRUPTED
    elif isinstance(exc, ImportError) and isinstance(getattr(exc, "grader_template", None), str) and \
            isinstance(exc.name, str):   # a refusal of the grader's (here, or an exercise's driver)
        template, args = exc.grader_template, {"module": exc.name[:200]}
    return template, args


def describe_exception(exc: BaseException, student_file: str) -> dict:
    try:
        message = str(exc)
    except BaseException:
        message = "<unprintable message>"
    try:
        template, args = _template(exc, message)
        if template is not None:
            message = template.format(**args)
    except BaseException:   # a hostile exception's attributes: keep its plain message
        template, args = None, {}
    try:
        tb = _student_traceback(exc, student_file)[-4000:]
    except BaseException:
        tb = ""
    kinds = [k.__name__[:200] for k in type(exc).__mro__ if isinstance(getattr(k, "__name__", None), str)]
    info = {"type": kinds[0] if kinds else "Exception", "kinds": kinds[:20], "message": message[:2000],
            "traceback": tb}
    if template is not None:
        info.update(template=template, args=args)
    if isinstance(exc, SyntaxError):
        info.update(file=str(exc.filename), line=exc.lineno, text=str(exc.text or "").rstrip()[:300])
    else:
        try:
            frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == student_file]
        except BaseException:
            frames = []
        if frames:
            info.update(file=student_file, line=frames[-1].lineno)
    return info


def _load(path: str, module_name: str):
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


class _RefusedImports(importlib.abc.MetaPathFinder):
    """Refuse libraries an exercise must not use (torch in a by-hand exercise), with a clear reason, on every
    import: by name (``names``: every top-level package of their distributions, so ``functorch`` too) and by what
    a module is (``origins``: where those distributions live on disk, so an extension module, a re-export or a copy
    on another ``sys.path`` entry that loads from there is refused whatever it is called)."""

    def __init__(self, names, origins=()):
        self.names = frozenset(names)
        self.origins = tuple(o.rstrip(os.sep) for o in origins if o)
        self._busy = False

    def _refuse(self, fullname):
        raise refused_import(fullname)

    def _forbidden(self, location) -> bool:
        if not isinstance(location, str) or not os.path.isabs(location):
            return False
        real = os.path.realpath(location)
        return any(real == o or real.startswith(o + os.sep) for o in self.origins)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in self.names:
            self._refuse(fullname)
        if not self.origins or self._busy:
            return None
        self._busy = True
        try:
            spec = None
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(fullname, path, target)
                if spec is not None:
                    break
        finally:
            self._busy = False
        if spec is None:
            return None
        if self._forbidden(spec.origin) or any(self._forbidden(p) for p in spec.submodule_search_locations or ()):
            self._refuse(fullname)
        return spec


def _refuse_imports(names, origins=()) -> None:
    if not names and not origins:
        return
    finder = _RefusedImports(names, origins)
    for loaded in [m for m in sys.modules if m.partition(".")[0] in finder.names]:
        del sys.modules[loaded]  # loaded before (it never should be): the finder decides instead
    sys.meta_path.insert(0, finder)


# -- the request loop (shared by both modes) -----------------------------------------------------------------------
def serve(config: dict, req_fd: int, resp_fd: int, extra_reply: dict | None = None) -> int:
    """Import the student's file, report it, then answer requests until told to exit or the pipe closes."""
    from grader.sandbox import protocol

    _refuse_imports(config.get("refuse_imports", ()), config.get("refuse_origins", ()))
    path = config["file"]
    t0 = time.perf_counter()
    try:
        module = _load(path, config["module"])
    except BaseException as exc:  # SyntaxError, ImportError, SystemExit, KeyboardInterrupt at import...
        protocol.write_message(resp_fd, {"loaded": False, "error": describe_exception(exc, path),
                                         "time": time.perf_counter() - t0, **(extra_reply or {})})
        return 0
    names = [n for n in config.get("functions", []) if callable(getattr(module, n, None))]
    protocol.write_message(resp_fd, {"loaded": True, "functions": names, "time": time.perf_counter() - t0,
                                     **(extra_reply or {})})

    while True:
        try:
            request = protocol.read_message(req_fd)
        except EOFError:
            return 0
        op = request.get("op")
        if op == "exit":
            _quit()
        t0 = time.perf_counter()
        try:
            if op == "call":
                fn = getattr(module, request["fn"])
                result = fn(*request.get("args", []), **request.get("kwargs", {}))
                reply = {"ok": result}
                if request.get("return_args"):
                    reply["args"] = request.get("args", [])
                    reply["kwargs"] = request.get("kwargs", {})
            elif op == "driver":
                # Grader-owned driver code that runs inside this (untrusted) process, e.g. a training loop that
                # calls the student's build_model/train; its result is plain data that the grader checks itself.
                mod_name, _, fn_name = request["target"].partition(":")
                try:
                    driver = getattr(importlib.import_module(mod_name), fn_name)
                except (ImportError, AttributeError) as exc:  # the grader's fault (e.g. not preloaded before chroot)
                    reply = {"error": {"type": "GraderError", "message": f"the grader's driver {request['target']} "
                                       f"is not available in the sandbox ({exc}); please report this grader bug",
                                       "traceback": ""}}
                else:
                    reply = {"ok": driver(module, *request.get("args", []), **request.get("kwargs", {}))}
            else:
                reply = {"error": {"type": "ProtocolError", "message": f"unknown op {op!r}", "traceback": ""}}
        except BaseException as exc:  # the student's exceptions, SystemExit and KeyboardInterrupt included
            reply = {"error": describe_exception(exc, path)}
        reply["time"] = time.perf_counter() - t0
        try:
            protocol.write_message(resp_fd, reply)
        except (TypeError, ValueError, RecursionError) as exc:
            protocol.write_message(resp_fd, {"error": {"type": "EncodeError", "message": str(exc)[:500],
                                                       "traceback": ""}, "time": reply["time"]})


def _quit() -> None:
    """End the process at once, after the grader's "exit": what the student printed is flushed to the capture file;
    the interpreter's teardown (a tenth of a second with numpy loaded, and the student's atexit hooks) is skipped."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - the student may have replaced or closed it
            pass
    os._exit(0)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--zygote":
        return zygote_main(int(argv[1]))
    req_fd, resp_fd = int(argv[0]), int(argv[1])
    import numpy  # noqa: F401 - loaded before any student code runs

    from grader.sandbox import protocol

    config = protocol.read_message(req_fd)
    _limit(config.get("limits", {}), nproc=not config.get("cage"))
    _redirect_stdio(config["capture"])
    if config.get("cage"):
        isolation.die_with_parent()
        _enter_cage(config, (req_fd, resp_fd))
        _clean_sys_path(config)
        return serve(config, req_fd, resp_fd, {"isolation": {"cage": "namespaces", "uid": str(os.getuid())}})
    os.chdir(config["workspace"])
    _clean_sys_path(config)
    return serve(config, req_fd, resp_fd)


def _enter_cage(config: dict, keep_fds) -> None:
    """Namespaces, the read-only view and the workspace (see :mod:`grader.sandbox.cage`); returns in the caged
    child, under its uid, with RLIMIT_NPROC set and every other descriptor closed."""
    from grader.sandbox import cage

    spec = config["cage"]
    cage.enter(spec)                      # the caller stays behind as the keeper; this is pid 1 of the namespace
    os.environ.clear()
    os.environ.update(config.get("env", {}))
    cage.finish_in_child(spec)
    limits = config.get("limits", {})
    if limits.get("nproc") is not None and not spec.get("userns"):
        try:
            resource.setrlimit(resource.RLIMIT_NPROC, (int(limits["nproc"]), int(limits["nproc"])))
        except (ValueError, OSError):
            pass
    _close_fds(keep_fds)
    os.chdir(cage.WORKSPACE)


def _clean_sys_path(config: dict) -> None:
    """The student's folder first; never the repository root (where solutions/ lives) or the current folder."""
    hidden = set(config.get("hide_paths", []))
    sys.path[:] = [p for p in sys.path if p and p not in hidden and os.path.realpath(p) not in hidden]
    for extra in reversed(config.get("sys_path", [])):
        sys.path.insert(0, extra)


# -- zygote mode ---------------------------------------------------------------------------------------------------
# Modules a confined child can import without a file system: the usual standard library, numpy's sub-packages.
PRELOAD = (
    "numpy", "numpy.linalg", "numpy.fft", "numpy.random", "numpy.polynomial", "numpy.lib.stride_tricks",
    "numpy.ma", "numpy.testing", "abc", "array", "bisect", "cmath", "collections", "collections.abc", "contextlib",
    "copy", "dataclasses", "decimal", "enum", "fractions", "functools", "heapq", "inspect", "itertools", "json",
    "math", "numbers", "operator", "pprint", "random", "re", "statistics", "string", "struct", "textwrap", "time",
    "types", "typing", "warnings", "unicodedata", "weakref", "traceback", "linecache", "tokenize", "ctypes",
    "encodings.latin_1", "encodings.ascii", "encodings.utf_16", "encodings.utf_32", "encodings.cp1252",
    "encodings.idna", "encodings.raw_unicode_escape", "encodings.unicode_escape",
)

def _preload(names) -> None:
    for name in names:
        try:
            importlib.import_module(name)
        except BaseException:  # noqa: BLE001 - a missing optional module is not an error
            pass


def _trusted_origin(spec) -> bool:
    """A module of the standard library (never site-packages: a dead ``import torch`` in the file must not load
    torch, nor ``import matplotlib`` write its caches as root), never from the student."""
    origin = getattr(spec, "origin", None)
    if origin in ("built-in", "frozen"):
        return True
    if not isinstance(origin, str):
        return False
    import sysconfig

    paths = sysconfig.get_paths()
    stdlib = {os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib") if paths.get(k)}
    site = {os.path.realpath(paths[k]) for k in ("purelib", "platlib") if paths.get(k)}
    real = os.path.realpath(origin)
    inside = lambda roots: any(real.startswith(r + os.sep) for r in roots)  # noqa: E731
    return inside(stdlib) and not inside(site) and "site-packages" not in real and "dist-packages" not in real


def _static_imports(path: str) -> list[str]:
    """Every absolute module name the file imports anywhere (read with ast; the file is not run)."""
    try:
        with open(path, "rb") as fh:
            tree = ast.parse(fh.read(512 * 1024))
    except BaseException:  # noqa: BLE001 - a syntax error is reported when the file is loaded
        return []
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
            names += [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
    return names


def _import_for_student(names) -> None:
    """Import (before confinement) what the student's file will import, from trusted locations only."""
    for name in names:
        if not isinstance(name, str) or name.split(".")[0] in _NO_PREIMPORT or name in sys.modules:
            continue
        try:
            parent = name.rpartition(".")[0]
            if parent and parent not in sys.modules:
                continue  # its parent failed or was refused
            spec = importlib.util.find_spec(name)
            if spec is None or not (_trusted_origin(spec) or name.partition(".")[0] == "numpy"):
                continue
            importlib.import_module(name)
        except BaseException:  # noqa: BLE001 - the student's own import reports it later
            pass


def _close_fds(keep) -> None:
    keep = sorted(set(keep) | {0, 1, 2})
    low = 0
    for fd in keep:
        if fd > low:
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 65536)


def _child(config: dict, req_fd: int, resp_fd: int) -> int:
    """Runs in a fresh fork of the zygote: confine this process, then serve the student's file."""
    os.setsid()
    isolation.die_with_parent()  # the zygote; set again after the uid change, which clears it
    for sig in (signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _redirect_stdio(config["capture"])
    os.environ.clear()
    os.environ.update(config.get("env", {}))
    limits = config.get("limits", {})
    _limit(limits, nproc=False)
    if config.get("cage"):
        # nothing the student names is imported before this point: the view holds what the exercise may use
        _preload(config.get("preimport", []))   # the grader's own modules (an exercise's driver)
        _enter_cage(config, (req_fd, resp_fd))
        _clean_sys_path(config)
        return serve(config, req_fd, resp_fd, {"isolation": {"cage": "namespaces", "uid": str(os.getuid())}})
    workspace = config["workspace"]
    os.chdir(workspace)
    confined = {"chroot": False, "uid": None}
    uid = config.get("uid")
    if config.get("chroot") or uid is not None:
        # After the chroot (or the privilege drop, where the Python installation is not world-readable) new modules
        # may not be importable: import what the file and the grader's drivers will need now, from trusted places.
        saved = sys.path[:]
        sys.path[:] = [p for p in sys.path if p and os.path.isabs(p) and p != workspace]
        _preload(config.get("preimport", []))   # the grader's own modules (an exercise's driver)
        _import_for_student(_static_imports(config["host_file"]))
        sys.path[:] = saved
    if config.get("chroot"):
        os.chroot(workspace)  # errors propagate: the grader asked for it, so no silent fallback
        os.chdir("/")
        confined["chroot"] = True
    if uid is not None:
        isolation.drop_privileges(uid)
        isolation.die_with_parent()
        confined["uid"] = uid
    isolation.no_new_privileges()
    if limits.get("nproc") is not None:
        try:
            resource.setrlimit(resource.RLIMIT_NPROC, (int(limits["nproc"]), int(limits["nproc"])))
        except (ValueError, OSError):
            pass
    _close_fds((req_fd, resp_fd))
    _clean_sys_path(config)
    return serve(config, req_fd, resp_fd, {"isolation": confined})


def _reap(statuses: dict) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        statuses[pid] = os.waitstatus_to_exitcode(status)
        if len(statuses) > 4096:
            statuses.pop(next(iter(statuses)))


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    task_dir = f"/proc/{pid}/task"
    try:
        tids = os.listdir(task_dir)
    except OSError:
        return kids
    for tid in tids:
        try:
            with open(f"{task_dir}/{tid}/children") as fh:
                kids += [int(x) for x in fh.read().split()]
        except (OSError, ValueError):
            pass
    return kids


def _sweep(statuses: dict, keep=frozenset()) -> int:
    """Kill every descendant of the zygote except the live sandboxes in ``keep`` (and their own processes).

    The zygote is a child subreaper, so a student's orphans (daemons, double forks, fork bombs) are re-parented
    here and stay findable after the student's process is gone.
    """
    me = os.getpid()
    killed = 0
    for _ in range(50):
        _reap(statuses)
        todo, seen = [p for p in _children(me) if p not in keep], set()
        while todo:
            pid = todo.pop()
            if pid in seen:
                continue
            seen.add(pid)
            todo += _children(pid)
        if not seen:
            return killed
        for pid in seen:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
        time.sleep(0.002)
    _reap(statuses)
    return killed


def _probe(config: dict) -> dict:
    """Fork a throw-away child that tries the confinement it was asked for; report what works."""
    result = {"chroot": False, "uid": False}
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(r)
            if config.get("chroot_dir"):
                try:
                    os.chroot(config["chroot_dir"])
                    os.chdir("/")
                    code |= 1
                except OSError:
                    pass
            uid = config.get("uid")
            if uid is not None:
                try:
                    isolation.drop_privileges(uid)
                    code |= 2
                except OSError:
                    pass
        finally:
            os.write(w, bytes([code]))
            os._exit(0)
    os.close(w)
    data = os.read(r, 1)
    os.close(r)
    os.waitpid(pid, 0)
    code = data[0] if data else 0
    result["chroot"], result["uid"] = bool(code & 1), bool(code & 2)
    if result["uid"]:
        isolation.kill_uid(config["uid"])
    return result


def zygote_main(sock_fd: int) -> int:
    import socket

    from grader.sandbox import protocol

    isolation.die_with_parent()                 # the grader
    subreaper = isolation.become_subreaper()    # orphans of students come back here, to be swept
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _preload(PRELOAD)
    sock = socket.socket(fileno=sock_fd)
    statuses: dict[int, int] = {}
    active: set[int] = set()

    def reply(value) -> None:
        sock.sendall(protocol.encode(value))

    while True:
        try:
            message, fds = _recv_message(sock)
        except (EOFError, OSError):
            return 0
        _reap(statuses)
        op = message.get("op")
        if op == "spawn":
            if len(fds) != 2:
                for fd in fds:
                    os.close(fd)
                reply({"error": "spawn needs two file descriptors"})
                continue
            pid = os.fork()
            if pid == 0:  # the child: never returns into this loop
                code = 70
                try:
                    sock.close()
                    code = _child(message["config"], fds[0], fds[1])
                except BaseException as exc:  # noqa: BLE001 - setup failed; tell the grader if we still can
                    try:
                        protocol.write_message(fds[1], {"loaded": False, "error": {
                            "type": "SandboxSetupError", "message": f"{type(exc).__name__}: {exc}",
                            "traceback": ""}})
                    except BaseException:  # noqa: BLE001
                        pass
                finally:
                    os._exit(code if isinstance(code, int) else 0)
            for fd in fds:
                os.close(fd)
            active.add(pid)
            reply({"pid": pid})
        elif op == "wait":
            pid, deadline = int(message["pid"]), time.monotonic() + float(message.get("timeout", 0))
            while pid not in statuses and time.monotonic() < deadline:
                time.sleep(0.002)
                _reap(statuses)
            reply({"status": statuses.pop(pid, None)})
        elif op == "sweep":
            active.discard(int(message.get("pid", 0)))
            killed = _sweep(statuses, frozenset(active))
            if message.get("pid"):
                from grader.sandbox import cage

                cage.remove_cgroups(cage.cgroup_folders(cage.cgroup_name(os.getpid(), int(message["pid"]))))
            if not active and not subreaper and isinstance(message.get("uid"), int):
                isolation.kill_uid(message["uid"])  # without a subreaper, orphans are not ours to find: kill by uid
            reply({"killed": killed})
        elif op == "probe":
            for fd in fds:
                os.close(fd)
            reply({**_probe(message), "subreaper": subreaper, "pid": os.getpid()})
        elif op == "exit":
            _sweep(statuses)
            return 0
        else:
            reply({"error": f"unknown op {op!r}"})


def _recv_message(sock):
    """One protocol frame from a Unix socket, with any file descriptors sent along (SCM_RIGHTS)."""
    import socket
    import struct

    from grader.sandbox import protocol

    data, fds, _flags, _addr = socket.recv_fds(sock, 1 << 16, 8)
    if not data:
        raise EOFError
    buf = bytearray(data)
    while len(buf) < 16:
        more = sock.recv(1 << 16)
        if not more:
            raise EOFError
        buf += more
    header_len, body_len = struct.unpack("<QQ", bytes(buf[:16]))
    total = 16 + header_len + body_len
    while len(buf) < total:
        more = sock.recv(min(1 << 20, total - len(buf)))
        if not more:
            raise EOFError
        buf += more
    return protocol.decode(bytes(buf[16:16 + header_len]), bytes(buf[16 + header_len:total])), list(fds)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
