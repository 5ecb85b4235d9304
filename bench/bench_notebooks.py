"""What a notebook submission costs against the same code in a .py file.

    python bench/bench_notebooks.py [--runs 5]

Prints, from this run only (medians of --runs fresh `grade` processes, on the reference solution of exercise 4):
`grade exercise 4` on ex04_conv_forward.py and on hw2.ipynb (the same function in a Colab notebook with magics, a
demo cell and a 'training' cell that is skipped), `grade list` in a folder without and with that notebook, and
reading plus extracting a large notebook (300 cells, about 8 MB of outputs) in this process.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output  # noqa: E402

from grader import notebooks  # noqa: E402


def _notebook(solution: str, cells: int = 0, output_bytes: int = 0) -> str:
    nb = new_notebook(metadata={"colab": {"provenance": []},
                                "kernelspec": {"name": "python3", "display_name": "Python 3"}})
    nb.cells += [new_markdown_cell("# HW2"),
                 new_code_cell("%matplotlib inline\n!pip install numpy\nimport numpy as np"),
                 new_code_cell(solution),
                 new_code_cell("x = np.ones((1, 1, 5, 5))\nprint(conv_forward(x, np.ones((1, 1, 3, 3)), None))"),
                 new_code_cell("for epoch in range(10 ** 9):\n    pass   # trains for minutes")]
    blob = "x" * (output_bytes // max(cells, 1))
    for i in range(cells):
        cell = new_code_cell(f"y{i} = {i}\nprint(y{i})")
        cell.outputs = [new_output("stream", name="stdout", text=blob)]
        nb.cells += [cell, new_markdown_cell(f"step {i}")]
    return nbformat.writes(nb)


def _median_wall(args: list[str], cwd: Path, runs: int) -> float:
    grade = Path(sys.executable).parent / "grade"
    cmd = [str(grade)] if grade.exists() else [sys.executable, "-m", "grader.cli"]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    solution = (ROOT / "solutions" / "ex04_conv_forward.py").read_text()
    with tempfile.TemporaryDirectory() as tmp:
        py_course, nb_course = Path(tmp) / "py", Path(tmp) / "nb"
        for course_dir in (py_course, nb_course):
            shutil.copytree(ROOT / "exercises", course_dir / "exercises")
        (py_course / "exercises" / "ex04_conv_forward.py").write_text(solution)
        (nb_course / "exercises" / "hw2.ipynb").write_text(_notebook(solution))
        py = _median_wall(["exercise", "4", "--json"], py_course, args.runs)
        nb = _median_wall(["exercise", "4", "--json"], nb_course, args.runs)
        print(f"grade exercise 4: .py {py:.2f} s, notebook {nb:.2f} s (ratio {nb / py:.2f}), median of {args.runs}")
        plain = _median_wall(["list"], py_course, args.runs)
        with_nb = _median_wall(["list"], nb_course, args.runs)
        print(f"grade list: without a notebook {plain:.2f} s, with one {with_nb:.2f} s (+{with_nb - plain:.2f} s)")
    big = _notebook(solution, cells=300, output_bytes=8 << 20).encode()
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        notebooks.read(big, "big.ipynb").extract(("conv_forward",))
        times.append(time.perf_counter() - t0)
    print(f"read + extract a {len(big) / 1e6:.1f} MB notebook of {300 * 2 + 5} cells: "
          f"{statistics.median(times) * 1000:.0f} ms (median of {args.runs})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
