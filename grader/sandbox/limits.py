"""Resource limits for one student process (plain data: importing this loads nothing else).

Time budgets count the CPU time of the student's process tree (measured by the grader from /proc, see
:mod:`grader.sandbox.cputime`), not wall-clock time: what runs beside a student cannot change their grade. A
wall-clock safety net of ``wall_factor`` times each budget still ends a process that sleeps or blocks for ever.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Resource limits for one student process."""

    call_seconds: float = 10.0       # CPU time for one call
    load_seconds: float = 20.0       # CPU time for starting the process and importing the file
    wall_factor: float = 4.0         # wall-clock safety net: a call (a load, an exercise) ends after this many times
                                     # its CPU budget in wall-clock time, even if it used little CPU
    memory_mb: int | None = 1024     # address space (RLIMIT_AS)
    output_mb: int = 8               # largest file the process may write, its captured output included
    cpu_seconds: int | None = 300    # CPU seconds over the process's life
    nproc: int | None = None         # RLIMIT_NPROC (not enforced for root; zygote children under a dropped uid
                                     # get DEFAULT_SANDBOX_NPROC when this is None)
    show_output_chars: int = 2000    # captured output shown to the student
    workspace_mb: int = 64           # the caged process's private tmpfs workspace: bytes ...
    workspace_files: int = 1024      # ... and files (inodes): no disk can be filled


DEFAULT_SANDBOX_NPROC = 64
