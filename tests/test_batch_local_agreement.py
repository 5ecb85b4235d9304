"""`grade batch` and `grade exercise` agree whatever the layout of a student's folder (issue 10, "the same grade
locally and in batch"): an exercise file that imports a helper module of its own, an earlier exercise of its own,
or a module of a nested package gets the same score in both, and the student process sees that student's own files
read-only, never a classmate's."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from conftest import solution_source
from grader import course
from grader.grading import grade_exercise

EX1 = course.get(1)
OVERRIDES = {"call_seconds": 3.0, "time_budget": 20.0}


def _layouts() -> dict[str, dict[str, str]]:
    conv2d = solution_source(1)
    conv_forward = solution_source(4)
    via_ex04 = ('import numpy as np\nfrom ex04_conv_forward import conv_forward\n'
                'def conv2d(image, kernel, stride=1, padding=0):\n'
                '    image = np.asarray(image, dtype=np.float64)\n'
                '    kernel = np.asarray(kernel, dtype=np.float64)\n'
                '    if kernel.shape[0] > image.shape[0] + 2 * padding or kernel.shape[1] > image.shape[1] + 2 * padding:\n'
                '        raise ValueError("kernel does not fit")\n'
                '    return conv_forward(image[None, None], kernel[None, None], np.zeros(1), stride, padding)[0, 0]\n')
    return {
        "plain": {"ex01_conv2d.py": conv2d},
        "helper": {"ex01_conv2d.py": "from mylayers import conv2d\n", "mylayers.py": conv2d},
        "earlier_exercise": {"ex01_conv2d.py": via_ex04, "ex04_conv_forward.py": conv_forward},
        "package": {"ex01_conv2d.py": "from mypkg.layers import conv2d\n", "mypkg/__init__.py": "",
                    "mypkg/layers.py": conv2d},
        # a classmate's module of the same name must never be the one imported
        "shadowed": {"ex01_conv2d.py": "from mylayers import conv2d\n",
                     "mylayers.py": "def conv2d(*a, **k):\n    raise RuntimeError('mine')\n"},
    }


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


def test_batch_and_local_scores_agree_for_every_layout(tmp_path):
    from grader.classroom.batch import run_batch

    subs = tmp_path / "subs"
    local = {}
    for name, files in _layouts().items():
        folder = subs / name / "exercises"
        _write(folder, files)
        local[name] = grade_exercise(EX1.with_limits(**dict(OVERRIDES)), folder).score
    # the same helper layout, zipped
    with zipfile.ZipFile(subs / "zipped.zip", "w") as zf:
        for rel, text in _layouts()["package"].items():
            zf.writestr(f"cnn-course/exercises/{rel}", text)
    local["zipped"] = local["package"]
    run_batch(subs, tmp_path / "out", jobs=1, exercises=(1,), progress=False, overrides=dict(OVERRIDES))
    rows = {json.loads(line)["student"]: json.loads(line) for line in (tmp_path / "out" / "results.jsonl").open()}
    batch = {name: row["score"] for name, row in rows.items()}
    assert batch == local, (batch, {n: r["result"]["message"] for n, r in rows.items()})
    assert all(local[name] == 12 for name in local if name != "shadowed"), local
    assert local["shadowed"] == 0
    assert any("mine" in c["message"] for c in rows["shadowed"]["result"]["checks"])


def test_a_changed_helper_is_graded_again(tmp_path):
    from grader.classroom.batch import run_batch

    subs = tmp_path / "subs"
    folder = subs / "alice" / "exercises"
    _write(folder, _layouts()["helper"])
    out = tmp_path / "out"
    first = run_batch(subs, out, jobs=1, exercises=(1,), progress=False, overrides=dict(OVERRIDES))
    assert first.graded == 1
    (folder / "mylayers.py").write_text("def conv2d(*a, **k):\n    return None\n")
    second = run_batch(subs, out, jobs=1, exercises=(1,), progress=False, overrides=dict(OVERRIDES))
    assert second.graded == 1 and second.skipped == 0
    row = json.loads((out / "results.jsonl").read_text().splitlines()[-1])
    assert row["score"] == 0
