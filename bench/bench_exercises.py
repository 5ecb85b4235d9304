"""How long `grade exercise N` takes a student, on the reference solutions: the first run (empty replay cache: the
cases are generated and torch computes the answers) and the warm runs after it (stored cases replayed, no torch).

    python bench/bench_exercises.py [N ...] [--runs 5]

For each exercise: a temporary course folder holding the reference solution and an empty cache folder
(XDG_CACHE_HOME), then `grade exercise N --json` run as a fresh process: once cold, then --runs times warm. Prints
the first run's wall time, the warm median, the share of the warm wall time spent inside student code (the student
process's own call timings), the peak memory of the grading process, and each figure against its target
(first run at most 2.0 s, warm median at most 0.8 s). Figures are from this run only.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import course  # noqa: E402

FIRST_TARGET, WARM_TARGET = 2.0, 0.8


def grade_once(number: int, folder: Path, cache: Path) -> tuple[float, dict]:
    """Wall seconds of one fresh `grade exercise N --json`, and its JSON."""
    grade = Path(sys.executable).parent / "grade"
    cmd = [str(grade)] if grade.exists() else [sys.executable, "-m", "grader.cli"]
    # as on a student's machine: Python keeps the grader's compiled bytecode (a shell that sets
    # PYTHONDONTWRITEBYTECODE would make every run compile the grader's modules again)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"XDG_CACHE_HOME": str(cache)}
    t0 = time.perf_counter()
    proc = subprocess.run([*cmd, "exercise", str(number), "--json"], cwd=folder, capture_output=True, text=True,
                          env=env)
    wall = time.perf_counter() - t0
    return wall, json.loads(proc.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("numbers", nargs="*", type=int, default=list(range(1, 10)))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{'exercise':<24}{'first run':>10}{'warm median':>13}{'in student':>12}{'score':>8}"
          f"   targets: first {FIRST_TARGET} s, warm {WARM_TARGET} s")
    worst_first = worst_warm = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.numbers:
            ex = course.get(n)
            src = ROOT / "solutions" / ex.file
            if not src.exists():
                print(f"{ex.file:<24}{'(no reference yet)':>24}")
                continue
            folder, cache = Path(tmp) / f"ex{n}" / "exercises", Path(tmp) / f"ex{n}" / "cache"
            folder.mkdir(parents=True)
            shutil.copy(src, folder / ex.file)
            first, _ = grade_once(n, folder, cache)
            walls, shares, score = [], [], ""
            for _ in range(args.runs):
                wall, data = grade_once(n, folder, cache)
                result = data["exercises"][0]
                walls.append(wall)
                shares.append(result["student_seconds"] / wall)
                score = f"{result['score']}/{result['max_score']}"
            warm = statistics.median(walls)
            worst_first, worst_warm = max(worst_first, first), max(worst_warm, warm)
            flag = "ok" if first <= FIRST_TARGET and warm <= WARM_TARGET else "OVER"
            print(f"{ex.file:<24}{first:>9.2f}s{warm:>12.2f}s{statistics.median(shares):>11.1%}{score:>8}   {flag}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"slowest first run / target = {worst_first / FIRST_TARGET:.2f}; slowest warm median / target = "
          f"{worst_warm / WARM_TARGET:.2f}; peak memory of one grading process {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
