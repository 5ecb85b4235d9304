"""`grade batch SUBMISSIONS --out DIR`: grade a whole class in parallel, safely, resumably.

Runner only: discovery lives in :mod:`grader.classroom.submissions`, the results file and the exports in
:mod:`grader.classroom.gradebook`, the student-facing Markdown in :mod:`grader.classroom.feedback`, the grading
worker process in :mod:`grader.classroom.grading_worker`.

How it runs:

* the coordinator (this process) finds the submissions, copies each student's exercise files into a private
  staging folder (``DIR/.work``, mode 0700), and keeps a queue of (student, exercise) jobs: only those whose row in
  ``results.jsonl`` is missing or stale (different content hash or grader version) are graded;
* N grading workers (``python -m grader.classroom.grading_worker SLOT``) each import torch, hypothesis and the
  checks once and grade job after job with :func:`grader.grading.grade_exercise`, exactly as ``grade exercise N``
  does, except that every student file runs in a child forked from the worker's
  :class:`grader.sandbox.zygote.Zygote`, in the cage (:mod:`grader.sandbox.cage`: namespaces, a read-only view
  holding that student's staged files at /submission, a capped workspace, as root a uid leased for this worker);
  inputs are drawn with the course secret (:mod:`grader.classroom.secret`); the stored cases every student's
  properties replay (:mod:`grader.checking.replay`) are prepared by the first worker that needs them, while the
  others wait, and are kept in ``DIR/replay`` (mode 0700: they hold the hidden inputs) for the next run;
* each finished exercise is appended to ``results.jsonl`` (fsync'ed) at once; a worker that hangs past the job's
  deadline or dies is killed and replaced, and its job is retried once, then recorded as an error;
* at the end (or on Ctrl-C / SIGTERM) grades.csv, feedback/ and the summary are regenerated from results.jsonl.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from grader import course, version
from grader.classroom.gradebook import (ResultsStore, content_hash, grades_csv, histogram_png, summarize,
                                        text_histogram)
from grader.files import write_atomic
from grader.i18n import N_, gettext as _
from grader.results import ExerciseResult, missing_result, not_graded_result
from grader.sandbox import protocol
from grader.sandbox.isolation import kill_group


class BatchError(Exception):
    """A usage problem (bad folder, DIR locked by another run); the message says what to do."""


# -- the grader's version -----------------------------------------------------------------------------------------
def grader_version(extra: dict | None = None) -> str:
    """The grader's version (:mod:`grader.version`), plus a hash of grading options that change results."""
    if not extra:
        return version.grader_version()
    options = hashlib.sha256(json.dumps(extra, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return f"{version.grader_version()}.{options}"


# -- the coordinator -----------------------------------------------------------------------------------------------
@dataclass
class Job:
    id: int
    student: str
    slug: str
    exercise: int
    dir: str
    digest: str
    late: bool
    deadline_seconds: float
    attempts: int = 0


@dataclass
class _Worker:
    slot: int
    proc: subprocess.Popen
    log: object
    ready: bool = False
    job: Job | None = None
    started: float = 0.0
    buf: bytearray = field(default_factory=bytearray)
    isolation: str = ""
    maxrss_mb: float = 0.0
    zygote_rss_mb: float = 0.0

    @property
    def fd(self) -> int:
        return self.proc.stdout.fileno()


@dataclass
class BatchReport:
    out: Path
    graded: int
    skipped: int
    total_jobs: int
    wall_seconds: float
    interrupted: bool
    summary: dict
    isolation: str
    warnings: list[str]
    worker_maxrss_mb: float
    zygote_rss_mb: float
    png: bool


class _Stop(Exception):
    pass


def run_batch(submissions: Path, out: Path, *, jobs: int = 2, exercises: tuple[int, ...] | None = None,
              options: dict | None = None, overrides: dict | None = None, console=None,
              progress: bool = True, shard=None, secret: str | None = None) -> BatchReport:
    """Grade every submission under ``submissions`` into ``out``; see the module docstring. ``shard`` (a
    :class:`grader.classroom.shards.Shard`) grades only that slice of the class. ``secret``: the course secret that
    draws the hidden inputs (default: :func:`grader.classroom.secret.resolve` -- the environment, else a private
    file in ``out`` written once)."""
    from grader.checking.replay import secret_id
    from grader.classroom import secret as course_secret
    from grader.classroom import shards
    from grader.classroom.submissions import discover

    t_start = time.perf_counter()
    submissions, out = Path(submissions), Path(out)
    if not submissions.is_dir():
        raise BatchError(f"{submissions}: no such folder")
    exercises = exercises or tuple(ex.number for ex in course.EXERCISES)
    jobs = max(1, int(jobs))
    out.mkdir(parents=True, exist_ok=True)
    lock = _lock(out)
    try:
        secret = course_secret.resolve(secret, out)[0]
    except course_secret.SecretError as exc:
        lock.close()
        raise BatchError(str(exc)) from None
    work = out / ".work"
    try:
        shutil.rmtree(work, ignore_errors=True)   # what a killed run left behind, workers' temporary files included
        work.mkdir()
        os.chmod(work, 0o711)   # traversable, not listable: sandbox workspaces live below, in tmp-N
        (work / "stage").mkdir(mode=0o700)
        settings = {"overrides": overrides, "options": options} if overrides or options else {}
        version = grader_version({**settings, "inputs": secret_id(secret)})   # a new secret grades everything again
        store = ResultsStore(out / "results.jsonl").load()
        selected = [course.get(n) for n in exercises]
        subs, warnings = discover(submissions, selected, skip=(out,))
        class_size = len(subs)
        subs = shards.select(subs, shard)
        if store.repaired:
            warnings.append(_("results.jsonl ended in a torn row (an interrupted run); {count} bytes dropped").format(
                count=store.repaired))
        refused = _refused_exercises(selected, jobs)
        for number, why in refused.items():
            warnings.append(_("exercise {number} was not graded: {why}").format(number=number, why=why))
        queue: deque[Job] = deque()
        skipped = 0
        for sub in subs:
            folder = work / "stage" / sub.slug / "exercises"
            folder.mkdir(parents=True, exist_ok=True)
            # the student's own files, as `grade exercise` sees them: every exercise file found and every other
            # .py file beside them (helper modules, packages), so that imports between them work the same way
            sub.stage(folder, selected)
            extra = sub.digest_extra()
            for ex in selected:
                if ex.number in refused:
                    continue
                data = sub.files.get(ex.number)
                digest = content_hash(data if data is None or not extra else data + b"\0modules\0" + extra)
                if store.is_current(sub.student, ex.number, digest, version):
                    skipped += 1
                    continue
                if data is None:   # nothing to run: record it at once
                    result = missing_result(ex, _("{file} was not found in the submission").format(file=ex.file))
                    store.append(_row(sub.student, sub.slug, ex.number, digest, version, sub.late, sub.notes, result,
                                      None))
                    continue
                lim = ex.with_limits(**(overrides or {}))
                # the budgets count CPU time; a job may take their wall-clock safety net on a busy machine
                deadline = lim.limits.wall_factor * (lim.time_budget + lim.limits.load_seconds
                                                     + 2 * lim.limits.call_seconds) + 60
                queue.append(Job(len(queue), sub.student, sub.slug, ex.number, str(folder), digest, sub.late,
                                 deadline))
        notes = {sub.student: sub.notes for sub in subs}
        total = len(queue)
        # every student's properties replay the same stored cases: the first worker that needs an exercise's
        # store prepares it (the others wait for it), and it stays in DIR/replay for the next run
        pool = _Pool(min(jobs, total), out=work, replays=_replay_folder(out, secret), console=console)
        interrupted = False
        old_term = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            if total:
                pool.run(queue, lambda job, result, extra: store.append(
                    _row(job.student, job.slug, job.exercise, job.digest, version, job.late, notes[job.student],
                         result, extra)), options, overrides, progress=progress, total=total, secret=secret,
                    students=len({j.student for j in queue}))
        except KeyboardInterrupt:
            interrupted = True
        finally:
            pool.close()
            signal.signal(signal.SIGTERM, old_term)
        store.close()
        if interrupted:   # the interrupt may land between a row's write and its record in memory: the file decides
            store = ResultsStore(store.path).load()
        else:
            store.compact()
        summary = finish(store, out)
        png = histogram_png(summary, out / "scores.png")
        report = BatchReport(out, pool.done, skipped, total, time.perf_counter() - t_start, interrupted, summary,
                             pool.isolation, warnings, pool.maxrss_mb, pool.zygote_rss_mb, png)
        write_atomic(out / "run.json", json.dumps({
            "graded": report.graded, "skipped": skipped, "queued": total, "jobs": jobs,
            "wall_seconds": report.wall_seconds, "interrupted": interrupted, "isolation": pool.isolation,
            "worker_maxrss_mb": pool.maxrss_mb, "zygote_rss_mb": pool.zygote_rss_mb, "grader_version": version,
            "exercises": list(exercises), "warnings": warnings,
            **({"shard": str(shard), "class_students": class_size, "students": [s.student for s in subs]}
               if shard else {})}, indent=2))
        return report
    finally:
        shutil.rmtree(work, ignore_errors=True)
        lock.close()


def _replay_folder(out: Path, secret: str | None) -> Path:
    """DIR/replay, private to this account (the stores hold the hidden inputs), without the stores of other grader
    versions or secrets."""
    from grader.checking import replay
    from grader.version import grader_version

    folder = out / "replay"
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    current = {replay.file_name(ex.number, grader_version(), replay.secret_id(secret)) for ex in course.EXERCISES}
    for path in folder.iterdir():
        if path.name not in current and path.name.removesuffix(".lock") not in current:
            path.unlink(missing_ok=True)
    return folder


def _refused_exercises(selected, jobs: int) -> dict[int, str]:
    """Exercises that cannot run safely here: without the cage, unconfined ones when the sandbox uid cannot read
    Python (the cage's view exposes the installation read-only, so nothing is refused there)."""
    from grader.sandbox.isolation import python_readable_by, sandbox_uid, unreadable_python_message
    from grader.sandbox.mode import cage_mode

    refused = {}
    if cage_mode().ok:
        return refused
    uids = [u for u in (sandbox_uid(slot) for slot in range(jobs)) if u is not None]
    for ex in selected:
        if not ex.confine and uids and not python_readable_by(uids[0]):
            refused[ex.number] = unreadable_python_message(uids[0])
    return refused


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _lock(out: Path):
    import fcntl

    fh = open(out / ".lock", "w")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise BatchError(f"{out} is in use by another `grade batch` run; wait for it or use another --out") from None
    return fh


def _row(student, slug, exercise, digest, version, late, notes, result: ExerciseResult, extra) -> dict:
    return {"student": student, "slug": slug, "exercise": exercise, "hash": digest, "grader_version": version,
            "late": bool(late), "notes": list(notes or []), "status": result.status, "score": result.score,
            "max_score": result.max_score,
            "graded_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "worker": (extra or {}).get("slot"), "result": result.to_dict()}


def finish(store: ResultsStore, out: Path) -> dict:
    """Regenerate grades.csv, feedback/, summary.json and report.html from the rows (each written atomically)."""
    from grader.classroom.class_report import class_report_html
    from grader.classroom.feedback import student_markdown

    write_atomic(out / "grades.csv", grades_csv(store))
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    for student, rows in store.by_student().items():
        results = [ExerciseResult.from_dict(r["result"]) for r in rows]
        slug = rows[0].get("slug") or student
        notes = rows[-1].get("notes", [])
        text = student_markdown(student, results, notes=notes, late=any(r.get("late") for r in rows),
                                grader_version=rows[-1].get("grader_version", ""))
        write_atomic(feedback / f"{slug}.md", text)
    summary = summarize(store)
    write_atomic(out / "summary.json", json.dumps(summary, indent=2, default=str))
    write_atomic(out / "report.html", class_report_html(store, summary))
    return summary


class _Pool:
    """N worker processes, one job each at a time, with deadlines, replacement and a progress bar."""

    MAX_START_FAILURES = 3

    def __init__(self, n: int, *, out: Path, replays: Path, console=None):
        self.n, self.out, self.replays, self.console = n, out, replays, console
        self.workers: list[_Worker] = []
        self.done = 0
        self.isolation = ""
        self.maxrss_mb = 0.0
        self.zygote_rss_mb = 0.0
        self.start_failures = 0
        self._record = None
        self._secret = None
        self._left: dict[str, int] = {}
        self._students_done = 0
        self._students = 0
        self._bar = self._task = None

    def _spawn(self, slot: int) -> _Worker:
        log = open(self.out / f"worker-{slot}.log", "ab")
        tmp = self.out / f"tmp-{slot}"   # the worker's temporary files (sandbox workspaces): removed with DIR/.work
        tmp.mkdir(exist_ok=True)
        os.chmod(tmp, 0o711)
        proc = subprocess.Popen([sys.executable, "-B", "-m", "grader.classroom.grading_worker", str(slot)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                start_new_session=True,
                                env={**os.environ, "OMP_NUM_THREADS": "1", "TMPDIR": str(tmp)})
        return _Worker(slot, proc, log, started=time.monotonic())

    def _kill(self, w: _Worker) -> None:
        kill_group(w.proc, timeout=10)
        for fh in (w.proc.stdin, w.proc.stdout, w.log):
            try:
                fh.close()
            except OSError:
                pass

    def _replace(self, i: int, why: str, queue: deque) -> None:
        w = self.workers[i]
        if not w.ready:
            self.start_failures += 1
            if self.start_failures >= self.MAX_START_FAILURES:
                log = self.out / f"worker-{w.slot}.log"
                self._kill(w)
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise BatchError(f"the grading workers fail to start ({why}); last log lines:\n{tail}")
        job, w.job = w.job, None
        self._kill(w)
        if job is not None:
            if job.attempts < 2:
                queue.appendleft(job)
            else:
                self._complete(job, not_graded_result(course.get(job.exercise), _(
                    "{why} twice while grading this file; it was given 0 points (an endless loop the sandbox could "
                    "not stop, or a grader bug)").format(why=why)), w.slot)
        self.workers[i] = self._spawn(w.slot)

    def _complete(self, job: Job, result: ExerciseResult, slot: int) -> None:
        self._record(job, result, {"slot": slot})
        self.done += 1
        self._left[job.student] -= 1
        if self._left[job.student] == 0:
            self._students_done += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, students=f"{self._students_done}/{self._students} students")

    def close(self) -> None:
        for w in self.workers:
            if w.proc.poll() is None:
                try:
                    protocol.write_message(w.proc.stdin.fileno(), {"op": "exit"})
                    w.proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            self._kill(w)
        self.workers = []

    def run(self, queue: deque, record, options, overrides, *, progress: bool, total: int, students: int,
            secret: str | None = None) -> None:
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        from grader import report

        console = self.console or report.console(stderr=True)
        self._record, self._students, self._secret = record, students, secret
        for job in queue:
            self._left[job.student] = self._left.get(job.student, 0) + 1
        self.workers = [self._spawn(slot) for slot in range(self.n)]
        self._bar = Progress(TextColumn("[bold]grading[/]"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("exercise files, {task.fields[students]}"), TimeElapsedColumn(),
                             TextColumn("ETA"), TimeRemainingColumn(), console=console, disable=not progress)
        with self._bar:
            self._task = self._bar.add_task("grade", total=total, students=f"0/{students} students")
            while queue or any(w.job for w in self.workers):
                now = time.monotonic()
                for i, w in enumerate(self.workers):
                    limit = w.job.deadline_seconds if w.job else 600.0
                    if w.proc.poll() is not None:   # died: replace it, retry its job once
                        self._replace(i, _("the grading worker died"), queue)
                    elif (w.job or not w.ready) and now - w.started > limit:
                        self._replace(i, _("grading took longer than {limit:.0f} s").format(limit=limit), queue)
                for w in self.workers:
                    if w.ready and w.job is None and queue:
                        self._assign(w, queue.popleft(), options, overrides)
                fds = {w.fd: w for w in self.workers if w.proc.poll() is None}
                ready = select.select(list(fds), [], [], 0.2)[0] if fds else []
                for fd in ready:
                    w = fds[fd]
                    chunk = os.read(fd, 1 << 20)
                    if chunk:
                        w.buf += chunk
                        for message in _frames(w.buf):
                            self._handle(w, message)

    def _assign(self, w: _Worker, job: Job, options, overrides) -> None:
        job.attempts += 1
        w.job, w.started = job, time.monotonic()
        try:
            protocol.write_message(w.proc.stdin.fileno(), {
                "op": "grade", "job": job.id, "exercise": job.exercise, "dir": job.dir,
                "options": options or {}, "overrides": overrides or {}, "replays": str(self.replays),
                "secret": self._secret})
        except OSError:
            pass  # noticed as a dead worker on the next turn

    def _handle(self, w: _Worker, message: dict) -> None:
        if message.get("ready"):
            w.ready = True
            w.started = time.monotonic()
            self.isolation = str(message.get("isolation", ""))
            return
        job = w.job
        if job is None or message.get("job") != job.id:
            return
        w.job = None
        self.maxrss_mb = max(self.maxrss_mb, float(message.get("maxrss_mb", 0.0)))
        self.zygote_rss_mb = max(self.zygote_rss_mb, float(message.get("zygote_rss_mb", 0.0)))
        if "result" in message:
            result = ExerciseResult.from_dict(message["result"])
        else:
            result = not_graded_result(course.get(job.exercise),
                                       _("internal grader error: {error}; please report it").format(
                                           error=message.get("crash", "?")))
        self._complete(job, result, w.slot)


def _frames(buf: bytearray):
    """Decode complete protocol frames from the front of ``buf`` (consumed in place)."""
    import struct

    while len(buf) >= 16:
        header_len, body_len = struct.unpack("<QQ", bytes(buf[:16]))
        end = 16 + header_len + body_len
        if len(buf) < end:
            return
        message = protocol.decode(bytes(buf[16:16 + header_len]), bytes(buf[16 + header_len:end]))
        del buf[:end]
        if isinstance(message, dict):
            yield message


# -- printing the summary ------------------------------------------------------------------------------------------
def render_report(report: BatchReport, out_console) -> None:
    from rich.markup import escape
    from rich.table import Table

    s = report.summary
    c = out_console
    if report.interrupted:
        c.print("[yellow]" + escape(_("Interrupted:")) + "[/] " + escape(_(
            "{graded} of {total} exercise files graded this run. Run the same command again to grade the rest; {out} "
            "is consistent.").format(graded=report.graded, total=report.total_jobs, out=report.out)))
    graded = _("Graded {count} exercise files").format(count=report.graded)
    rest = _(" ({skipped} unchanged, skipped) in {seconds:.1f} s -> {out}").format(
        skipped=report.skipped, seconds=report.wall_seconds, out=report.out)
    c.print(f"[bold]{escape(graded)}[/]{escape(rest)}")
    if report.isolation:
        c.print(escape(_("sandbox: {isolation}").format(isolation=report.isolation)))
    for w in report.warnings:
        c.print("[yellow]" + escape(_("warning:")) + f"[/] {escape(w)}")
    if not s["students"]:
        c.print(_("No submissions found."))
        return
    c.print(_("{students} students: mean {mean:.1f}, median {median:.1f} of {max_total} (std {stdev:.1f})").format(
        students=s["students"], mean=s["mean"], median=s["median"], max_total=s["max_total"], stdev=s["stdev"]))
    table = Table(title=_("Per exercise"))
    for col in (N_("exercise"), N_("graded"), N_("passed"), N_("mean score"), N_("statuses")):
        table.add_column(_(col))
    for n, e in s["exercises"].items():
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(e["statuses"].items()))
        table.add_row(f"{n}", str(e["graded"]), f"{e['pass_rate'] * 100:.0f}%",
                      f"{e['mean_score']:.1f}/{e['max_score']}", statuses)
    c.print(table)
    if s["slowest"]:
        c.print(_("Slowest submissions: ") + ", ".join(f"{escape(st)} {sec:.1f} s" for st, sec in s["slowest"]))
    c.print(_("Score histogram (total):"))
    for line in text_histogram(s):
        c.print("  " + line, highlight=False)
    if report.png:
        c.print(escape(_("Plot: {path}").format(path=report.out / "scores.png")))
    c.print(escape(_("Files: grades.csv, results.jsonl, feedback/<student>.md, summary.json, report.html (the class "
                     "report) in {out}").format(out=report.out)))
