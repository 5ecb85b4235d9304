"""Benchmark exercise 10: grade the reference solution as a student would, and print time, accuracy and device.

    python bench/bench_train.py                 # the MNIST digits shipped with the grader, 3 runs
    python bench/bench_train.py --repeat 1 --data ~/mnist   # the full MNIST IDX files
    python bench/bench_train.py --data digits   # scikit-learn's 8x8 digits
    python bench/bench_train.py --device cpu    # force the CPU on a GPU machine

Each run is a full `grade exercise 10` minus the CLI: a fresh student process (torch import included), the three
driver requests and the checks, with a new secret perturbation of the held-out images. "wall" is that whole grading;
"train" is what the grader measured around train(): the student process's CPU seconds and the wall seconds.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import course  # noqa: E402
from grader.grading import grade_exercise  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", default=None, help="a folder with the four MNIST IDX files, or 'digits'")
    parser.add_argument("--device", default=None, help="force a device (cpu, cuda)")
    args = parser.parse_args(argv)

    ex = course.get(10)
    options = {k: v for k, v in (("data", args.data), ("device", args.device)) if v}
    walls, cpus, accs = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-ex10-") as tmp:
        folder = Path(tmp) / "exercises"
        folder.mkdir()
        shutil.copy(ROOT / "solutions" / ex.file, folder / ex.file)
        for i in range(args.repeat):
            t0 = time.perf_counter()
            result = grade_exercise(ex, folder, options=options or None)
            wall = time.perf_counter() - t0
            info = result.info
            train = info.get("training time", "?")
            acc = info.get("held-out accuracy", "?")
            print(f"run {i + 1}: {result.status} {result.score}/{result.max_score}  wall {wall:.1f} s  "
                  f"train {train}  accuracy {acc}  device {info.get('device', '?')}", flush=True)
            if i == 0:
                print(f"       data: {info.get('data', '?')}")
            for check in result.checks:
                if not check.passed:
                    print(f"       FAIL {check.name}: {check.message}")
            walls.append(wall)
            try:
                cpus.append(float(train.split(" s CPU")[0]))
                accs.append(float(acc.split(" %")[0]))
            except (ValueError, AttributeError):
                pass
    if len(walls) > 1:
        print(f"wall  median {statistics.median(walls):.1f} s, max {max(walls):.1f} s")
        if cpus:
            print(f"train CPU median {statistics.median(cpus):.1f} s, max {max(cpus):.1f} s")
        if accs:
            print(f"accuracy min {min(accs):.1f} %, max {max(accs):.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
