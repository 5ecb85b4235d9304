"""The kernel calls that confine a student process, in one place: resource limits, the privilege drop, the
parent-death signal, and killing a process group. Standard library only (both sides of the sandbox import it).
"""
from __future__ import annotations

import os
import pwd
import resource
import signal
import subprocess

PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 36, 38


def prctl(option: int, arg: int) -> bool:
    """prctl(2) through libc; False where it is not available or fails."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, arg, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def die_with_parent() -> bool:
    """SIGKILL this process when its parent dies. Call it after a uid change: setuid clears it."""
    return prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def become_subreaper() -> bool:
    """Orphaned descendants are re-parented to this process (so they can be found and killed)."""
    return prctl(PR_SET_CHILD_SUBREAPER, 1)


def no_new_privileges() -> bool:
    return prctl(PR_SET_NO_NEW_PRIVS, 1)


def drop_privileges(uid: int) -> None:
    """setgroups([]), setgid(uid), setuid(uid); raises OSError unless the process then runs as ``uid`` alone."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError("could not drop privileges")


def apply_limits(limits: dict, *, nproc: bool = True) -> None:
    """RLIMIT_CORE 0, RLIMIT_AS (memory_mb), RLIMIT_FSIZE (output_mb), RLIMIT_CPU (cpu_seconds), RLIMIT_NPROC."""
    def cap(which, value):
        if value is None:
            return
        soft, hard = resource.getrlimit(which)
        value = int(value)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        try:
            resource.setrlimit(which, (value, value if hard == resource.RLIM_INFINITY else hard))
        except (ValueError, OSError):
            pass

    cap(resource.RLIMIT_CORE, 0)
    mb = limits.get("memory_mb")
    cap(resource.RLIMIT_AS, mb * 1024 * 1024 if mb else None)
    out_mb = limits.get("output_mb")
    cap(resource.RLIMIT_FSIZE, out_mb * 1024 * 1024 if out_mb else None)
    cap(resource.RLIMIT_CPU, limits.get("cpu_seconds"))
    if nproc:
        cap(resource.RLIMIT_NPROC, limits.get("nproc"))
    # Python ignores SIGXFSZ, so a print past the output limit would raise OSError inside the student's code (which
    # it may catch and retry forever). Dying from the signal gives the grader one clear verdict instead.
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)


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


def kill_uid(uid: int) -> None:
    """Kill every process of ``uid``: a throw-away child takes the uid and signals -1, which reaches exactly the
    processes that uid owns."""
    pid = os.fork()
    if pid == 0:
        try:
            drop_privileges(uid)
            for _ in range(3):
                os.kill(-1, signal.SIGKILL)
        except BaseException:  # noqa: BLE001
            pass
        os._exit(0)
    os.waitpid(pid, 0)


# -- the unprivileged uid -------------------------------------------------------------------------------------------
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
            drop_privileges(uid)
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
