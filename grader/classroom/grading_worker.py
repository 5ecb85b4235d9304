"""One grading worker of ``grade batch`` (``python -m grader.classroom.grading_worker SLOT``, started by
:mod:`grader.classroom.batch`): it imports torch, hypothesis and every exercise's checks once, starts its zygote,
then grades the jobs the coordinator sends on stdin, one at a time, and answers each with a result on stdout.

Every frame on stdin and stdout is :mod:`grader.sandbox.protocol`; anything a library prints goes to stderr (the
worker's log), never into the channel.
"""
from __future__ import annotations

import os
import resource
import signal
import sys
import time
from pathlib import Path

from grader import course
from grader.sandbox import isolation, protocol


def main(slot: int) -> int:
    """Import everything once, then grade the jobs sent on stdin."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    out_fd = os.dup(1)
    os.dup2(2, 1)           # nothing but protocol frames on the channel, whatever a library prints
    in_fd = 0
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the coordinator decides when to stop
    isolation.die_with_parent()

    from grader.checking import truth
    from grader.classroom.secret import HIDDEN_NOTE
    from grader.grading import grade_exercise
    from grader.sandbox.zygote import Zygote

    truth.warm_up()
    for ex in course.EXERCISES:  # import every checks module now, not in the middle of a student's time budget
        for check in ex.checks:
            try:
                ex.check_function(check)
                ex.mistakes()
            except Exception:  # noqa: BLE001 - grade_exercise reports it per check
                pass
    from grader.sandbox.mode import run_uid

    zygote = Zygote(uid=run_uid()).start()   # a uid leased for this worker alone (root), never a fixed one
    protocol.write_message(out_fd, {"ready": True, "isolation": zygote.describe(), "pid": os.getpid()})
    try:
        while True:
            try:
                job = protocol.read_message(in_fd)
            except EOFError:
                return 0
            if job.get("op") == "exit":
                return 0
            ex = course.get(int(job["exercise"])).with_limits(**(job.get("overrides") or {}))
            t0 = time.perf_counter()
            try:
                result = grade_exercise(ex, Path(job["dir"]), options=job.get("options") or None, spawner=zygote,
                                        replays=Path(job["replays"]) if job.get("replays") else None,
                                        secret=job.get("secret") or None)
                if job.get("secret") and not ex.uses_torch:
                    result.notes.append(HIDDEN_NOTE)
                reply = {"job": job["job"], "result": result.to_dict()}
            except Exception as exc:  # noqa: BLE001 - never lose the worker over one job
                reply = {"job": job["job"], "crash": f"{type(exc).__name__}: {exc}"}
            reply["seconds"] = time.perf_counter() - t0
            reply["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            reply["zygote_rss_mb"] = _peak_rss_mb(zygote.proc.pid) if zygote.proc else 0.0
            protocol.write_message(out_fd, reply)
    finally:
        zygote.close()


def _peak_rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: python -m grader.classroom.grading_worker SLOT (started by `grade batch`)")
    sys.exit(main(int(sys.argv[1])))
