"""How long `grade exercise N` takes a student, cold start included, on the reference solutions.

    python bench/bench_exercises.py [N ...] [--runs 5]

For each exercise: a temporary course folder holding the reference solution, then `grade exercise N --json` run
as a fresh process --runs times. Prints the median wall time, the share of it spent inside student code (the
student process's own call timings), and whether it meets the 2.5 s target. Figures are from this run only.
"""
from __future__ import annotations

import argparse
import json
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

TARGET_SECONDS = 2.5


def grade_once(number: int, folder: Path) -> tuple[float, dict]:
    grade = Path(sys.executable).parent / "grade"
    cmd = [str(grade)] if grade.exists() else [sys.executable, "-m", "grader.cli"]
    t0 = time.perf_counter()
    proc = subprocess.run([*cmd, "exercise", str(number), "--json"], cwd=folder, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    return wall, json.loads(proc.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("numbers", nargs="*", type=int, default=list(range(1, 10)))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{'exercise':<24}{'median wall':>12}{'in student':>12}{'score':>9}   target {TARGET_SECONDS} s")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "exercises"
        folder.mkdir()
        for n in args.numbers:
            ex = course.get(n)
            src = ROOT / "solutions" / ex.file
            if not src.exists():
                print(f"{ex.file:<24}{'(no reference yet)':>24}")
                continue
            shutil.copy(src, folder / ex.file)
            walls, shares, score = [], [], ""
            for _ in range(args.runs):
                wall, data = grade_once(n, folder)
                result = data["exercises"][0]
                walls.append(wall)
                shares.append(result["student_seconds"] / wall)
                score = f"{result['score']}/{result['max_score']}"
            med = statistics.median(walls)
            worst = max(worst, med)
            ok = "ok" if med <= TARGET_SECONDS else "OVER"
            print(f"{ex.file:<24}{med:>11.2f}s{statistics.median(shares):>11.1%}{score:>9}   {ok}")
    print(f"slowest median / target = {worst / TARGET_SECONDS:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
