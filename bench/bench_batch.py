"""Benchmark `grade batch` against the naive way: a fresh `grade all` process per submission, one after another.

    /work/venv/bin/python bench/bench_batch.py [--students 40] [--jobs 2] [--baseline-sample N] [--keep DIR]

It generates a class (seeded, so every run grades the same files): each student gets, for every exercise 1-9 that
has a reference solution and checks, the reference (most often), one of the realistic wrong versions from that
exercise's tests (tests/test_exNN.py: MUTANTS), the untouched stub, or nothing. Then it times

* the baseline: `grade all --json --path SUBMISSION` in a fresh process per submission, sequentially (on the first
  --baseline-sample submissions; throughput is per submission, so a sample is fair);
* `grade batch CLASS --out DIR --jobs N --exercises 1-9` over all of them, in a fresh process;

checks that both gave every (student, exercise) the same score, and prints the figures as ratios:

* throughput ratio = (submissions / s, batch) / (submissions / s, baseline)        target >= 12 at --jobs 2
* overhead share = 1 - (time spent grading exercises, summed over workers) / (jobs x batch wall time): the wall
  time each core spent on anything but running an exercise's checks (start-up, torch import, discovery, staging,
  scheduling, writing results, idle)                                               target < 25 %
* CPU per submission = CPU seconds of every process the batch started / submissions  target <= 0.5 s
* student share = (time inside student code, as the sandbox measured it) / (jobs x batch wall time), for context
* memory per worker = peak RSS of a grading worker (and of its zygote)              target < 400 MB
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from grader import course  # noqa: E402

GRADE = [sys.executable, "-m", "grader.cli"]


def children_cpu() -> float:
    """CPU seconds (user + system) of every finished, waited-for descendant so far (sandboxes included: the
    zygote reaps them, the worker reaps the zygote, the coordinator the workers)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def load_mutants(number: int) -> list[tuple[str, str, str]]:
    """(name, old, new) from tests/test_exNN.py's MUTANTS table, when the module and table exist."""
    path = ROOT / "tests" / f"test_ex{number:02d}.py"
    if not path.is_file():
        return []
    try:
        spec = importlib.util.spec_from_file_location(f"_bench_test_ex{number:02d}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - a test module being edited right now
        print(f"  (exercise {number}: cannot read its mutants: {type(exc).__name__}: {exc})")
        return []
    out = []
    for entry in getattr(module, "MUTANTS", []):
        if isinstance(entry, (tuple, list)) and len(entry) >= 3 and all(isinstance(x, str) for x in entry[:3]):
            out.append((entry[0], entry[1], entry[2]))
    return out


def make_class(folder: Path, students: int, seed: int = 5) -> dict:
    rng = random.Random(seed)
    exercises = [ex for ex in course.EXERCISES if 1 <= ex.number <= 9 and ex.checks
                 and (ROOT / "solutions" / ex.file).is_file()]
    plan = {}
    sources = {}
    for ex in exercises:
        ref = (ROOT / "solutions" / ex.file).read_text()
        muts = [(name, ref.replace(old, new, 1)) for name, old, new in load_mutants(ex.number)
                if ref.count(old) == 1]
        stub = (ROOT / "exercises" / ex.file).read_text() if (ROOT / "exercises" / ex.file).is_file() else None
        sources[ex.number] = (ref, muts, stub)
    for i in range(students):
        name = f"student{i:03d}"
        sub = folder / name / "exercises"
        sub.mkdir(parents=True)
        plan[name] = {}
        for ex in exercises:
            ref, muts, stub = sources[ex.number]
            roll = rng.random()
            if roll < 0.55 or (roll < 0.88 and not muts):
                kind, text = "reference", ref
            elif roll < 0.88:
                kind, text = rng.choice(muts)
                kind = "mutant: " + kind
            elif roll < 0.95 and stub:
                kind, text = "stub", stub
            else:
                kind, text = "missing", None
            plan[name][ex.number] = kind
            if text is not None:
                (sub / ex.file).write_text(text)
    return {"exercises": [ex.number for ex in exercises], "plan": plan}


def run_baseline(folder: Path, names: list[str], one_thread: bool = False) -> tuple[float, dict]:
    scores = {}
    env = {**os.environ, **({"OMP_NUM_THREADS": "1"} if one_thread else {})}
    t0 = time.perf_counter()
    for name in names:
        proc = subprocess.run([*GRADE, "all", "--json", "--path", str(folder / name)], capture_output=True,
                              text=True, cwd=folder, env=env)
        data = json.loads(proc.stdout)
        for ex in data["exercises"]:
            if ex["number"] <= 9:
                scores[(name, ex["number"])] = ex["score"]
    return time.perf_counter() - t0, scores


def run_batch(folder: Path, out: Path, jobs: int) -> tuple[float, dict, list[dict], dict]:
    t0 = time.perf_counter()
    # --secret local: the inputs `grade all` (the baseline) uses, so that both runs must give the same scores
    proc = subprocess.run([*GRADE, "batch", str(folder), "--out", str(out), "--secret", "local", "--jobs", str(jobs),
                           "--exercises", "1-9", "--no-progress"], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"grade batch failed:\n{proc.stdout}\n{proc.stderr}")
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    scores = {(r["student"], r["exercise"]): r["score"] for r in rows}
    return wall, scores, rows, json.loads((out / "run.json").read_text())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=40)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--baseline-sample", type=int, default=None, help="time the baseline on the first N only")
    ap.add_argument("--keep", default=None, help="keep the generated class and outputs in this folder")
    ap.add_argument("--baseline-one-thread", action="store_true",
                    help="run the baseline with OMP_NUM_THREADS=1 too (batch workers use one torch thread; this "
                         "shows how much of the gain is that alone)")
    args = ap.parse_args(argv)

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-batch-"))
    if base.exists() and args.keep:
        shutil.rmtree(base)
    base.mkdir(parents=True, exist_ok=True)
    folder, out = base / "class", base / "out"
    try:
        made = make_class(folder, args.students)
        kinds = [k for p in made["plan"].values() for k in p.values()]
        print(f"class: {args.students} students x exercises {made['exercises']}: "
              f"{sum(k == 'reference' for k in kinds)} reference, {sum(k.startswith('mutant') for k in kinds)} "
              f"buggy, {sum(k == 'stub' for k in kinds)} stubs, {sum(k == 'missing' for k in kinds)} missing files")
        print(f"machine: {os.cpu_count()} cores, load average before: {os.getloadavg()[0]:.2f}")
        names = sorted(made["plan"])
        sample = names[:args.baseline_sample] if args.baseline_sample else names

        cpu0 = children_cpu()
        batch_wall, batch_scores, rows, run = run_batch(folder, out, args.jobs)
        batch_cpu = children_cpu() - cpu0
        print(f"grade batch --jobs {args.jobs}: {batch_wall:.1f} s for {len(names)} submissions "
              f"({len(names) / batch_wall:.3f} submissions/s)")
        cpu0 = children_cpu()
        base_wall, base_scores = run_baseline(folder, sample)
        base_cpu = children_cpu() - cpu0
        print(f"baseline (fresh `grade all` per submission, sequential): {base_wall:.1f} s for {len(sample)} "
              f"submissions ({len(sample) / base_wall:.3f} submissions/s)")

        one_cpu = None
        if args.baseline_one_thread:
            cpu0 = children_cpu()
            one_wall, _ = run_baseline(folder, sample, one_thread=True)
            one_cpu = children_cpu() - cpu0
            print(f"baseline with OMP_NUM_THREADS=1: {one_wall:.1f} s for {len(sample)} submissions "
                  f"({len(sample) / one_wall:.3f} submissions/s); ratio against it: "
                  f"{(len(names) / batch_wall) / (len(sample) / one_wall):.2f}x")
        mismatched = [k for k, v in base_scores.items() if batch_scores.get(k) != v]
        graded_time = sum(float(r["result"].get("wall_seconds", 0.0)) for r in rows)
        student_time = sum(float(r["result"].get("student_seconds", 0.0)) for r in rows)
        cores = args.jobs * batch_wall
        ratio = (len(names) / batch_wall) / (len(sample) / base_wall)
        print()
        print(f"throughput ratio (batch / baseline): {ratio:.2f}x   (target >= 12x)")
        print(f"overhead share (per-core wall time not spent grading an exercise): "
              f"{100 * (1 - graded_time / cores):.1f} %   (target < 25 %)")
        per_batch, per_base = batch_cpu / len(names), base_cpu / len(sample)
        print(f"CPU per submission: batch {per_batch:.2f} s, baseline {per_base:.2f} s "
              f"(wall {base_wall / len(sample):.2f} s)   (target: batch <= 0.5 s)" + (f", baseline with one torch thread {one_cpu / len(sample):.2f} s" if one_cpu else ""))
        # The baseline is sequential (grader and student take turns), so on an idle machine its wall time per
        # submission is about its CPU time (one torch thread: no spinning); the batch keeps `jobs` cores busy.
        idle_base = (one_cpu or base_cpu) / len(sample)
        print(f"  -> on an otherwise idle machine --jobs {args.jobs} would give about "
              f"{min(args.jobs, os.cpu_count() or 1) * idle_base / per_batch:.2f}x the baseline's throughput "
              f"(CPU time does not depend on what else runs; the wall-clock ratio above does)")
        print(f"student-code share (per-core wall time inside student code): {100 * student_time / cores:.1f} %")
        print(f"memory: grading worker peak RSS {run['worker_maxrss_mb']:.0f} MB, its zygote "
              f"{run['zygote_rss_mb']:.0f} MB   (target < 400 MB per worker)")
        print(f"sandbox: {run['isolation']}")
        print(f"same score for every (student, exercise) in both runs: "
              f"{'yes' if not mismatched else f'NO, {len(mismatched)} differ: {mismatched[:5]}'}")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        return 0 if not mismatched else 1
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
