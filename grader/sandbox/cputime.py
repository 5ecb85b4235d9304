"""The CPU time of a student's process tree, as the kernel counts it, read by the grader (standard library only).

Time budgets count CPU time, not wall-clock time, so that whatever runs beside a student (forty spinning processes
in a classmate's cage, another batch) cannot change their grade: a slow but correct file needs the same CPU seconds
on a busy machine as on an idle one. The grader measures it from outside, so the student's code cannot lie about it:

    tree = sum over the live processes P under ``pid`` (``pid`` included, every thread counted) of
           utime(P) + stime(P) + cutime(P) + cstime(P)

read from ``/proc/P/stat`` (clock ticks); the children are found through ``/proc/P/task/T/children``. A process
that ended and was reaped by its parent is in that parent's ``cutime``/``cstime``, so nothing a caged student starts
escapes the sum: inside the cage's pid namespace every orphan is adopted by the namespace's pid 1, which belongs to
the tree. (Without a cage, an orphan adopted outside the tree escapes the count; the wall-clock safety net of
:class:`grader.sandbox.limits.Limits` still ends it.)

Where there is no /proc (macOS), :func:`tree_seconds` returns None and budgets fall back to wall-clock time.
"""
from __future__ import annotations

import functools
import os
import time

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
MAX_PROCESSES = 4096   # a fork bomb's tree is capped by the pids limit; this only bounds the walk
REUSE_SECONDS = 0.02   # a call's budget may start from a sample this recent: it overcounts by at most CPUS x this


def _read(path: str) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        return os.read(fd, 4096)
    except OSError:
        return None
    finally:
        os.close(fd)


def _stat(pid: int) -> tuple[int, int] | None:
    """(utime + stime + cutime + cstime in ticks, number of threads) of ``pid``; None when it is gone."""
    data = _read(f"/proc/{pid}/stat")
    try:
        fields = data.rsplit(b")", 1)[1].split()
        return sum(int(v) for v in fields[11:15]), int(fields[17])
    except (AttributeError, IndexError, ValueError):
        return None


def _children(pid: int, threads: int) -> list[int]:
    """The children of every thread of ``pid`` (a single-threaded process has one: itself)."""
    try:
        tasks = [str(pid)] if threads == 1 else os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    out: list[int] = []
    for tid in tasks:
        data = _read(f"/proc/{pid}/task/{tid}/children")
        if not data:
            continue
        try:
            out.extend(int(c) for c in data.split())
        except ValueError:
            continue
    return out


def tree_seconds(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by process ``pid`` and everything it started; None when ``pid`` is
    gone or this machine has no /proc."""
    own = _stat(pid)
    if own is None:
        return None
    total, todo, seen = own[0], _children(pid, own[1]), {pid}
    while todo and len(seen) < MAX_PROCESSES:
        child = todo.pop()
        if child in seen:
            continue
        seen.add(child)
        stat = _stat(child)
        if stat is not None:
            total += stat[0]
            todo.extend(_children(child, stat[1]))
    return total / _TICK


@functools.lru_cache(maxsize=None)
def available() -> bool:
    """Whether :func:`tree_seconds` works here (a Linux /proc with children lists)."""
    return os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")


def _cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


CPUS = _cpus()   # a process tree started from here gains at most this many CPU seconds per wall-clock second


class Exceeded(Exception):
    """A budget ran out: ``clock`` is "cpu" (``used`` CPU seconds over ``limit``) or "wall" (``used`` wall-clock
    seconds over ``limit``: the safety net, or the budget itself where there is no CPU clock)."""

    def __init__(self, clock: str, used: float, limit: float):
        self.clock, self.used, self.limit = clock, used, limit
        super().__init__(f"{clock}: {used:.1f} s of {limit:g} s")


class Budget:
    """One CPU-time budget and its wall-clock safety net, watched from outside the student's process tree.

    ``sample()`` gives the tree's CPU seconds now (None: unknown, e.g. no /proc); ``start`` is its value when the
    budget began (default: sampled now; None: no CPU clock here, so the budget counts wall-clock time). The tree
    gains at most :data:`CPUS` CPU seconds per wall-clock second, so :meth:`wait` samples /proc only when the budget
    could have run out: a call that answers quickly costs no measurement at all.
    """

    def __init__(self, cpu: float, wall: float, sample, start: float | None = -1.0):
        self.cpu, self.wall, self.sample = float(cpu), float(wall), sample
        self.t0 = self.checked = time.monotonic()
        self.start = sample() if start is not None and start < 0 else start
        self.used = 0.0

    def wait(self) -> float:
        """Seconds the caller may block before calling again; raises :class:`Exceeded` once a budget ran out."""
        now = time.monotonic()
        elapsed = now - self.t0
        if elapsed >= self.wall:
            raise Exceeded("wall", elapsed, self.wall)
        if self.start is None:   # no CPU clock: the budget is wall-clock time
            if elapsed >= self.cpu:
                raise Exceeded("wall", elapsed, self.cpu)
            return min(self.wall, self.cpu) - elapsed
        bound = self.used + CPUS * (now - self.checked)
        if bound >= self.cpu:
            value = self.sample()
            if value is not None:
                self.used = max(self.used, value - self.start)
            self.checked, bound = now, self.used
            if self.used > self.cpu:
                raise Exceeded("cpu", self.used, self.cpu)
        return max(0.005, min(self.wall - elapsed, (self.cpu - bound) / CPUS))
