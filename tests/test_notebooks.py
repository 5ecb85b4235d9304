"""Notebook submissions: what of a .ipynb runs, which file holds an exercise, cells in the verdict, bad notebooks,
and notebooks in `grade exercise`, `grade all` and `grade batch`. Every notebook is written here with nbformat,
most with the metadata Colab writes."""
from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXERCISES, mutate, notebook, solution_source, stub_source
from grader import course, locate, notebooks
from grader.classroom.batch import run_batch
from grader.classroom.submissions import discover
from grader.cli import cli
from grader.grading import grade_exercise

FAST = {"call_seconds": 2.0, "load_seconds": 8.0, "time_budget": 10.0}


def read(*cells, name="hw2.ipynb") -> notebooks.Notebook:
    return notebooks.read(notebook(*cells), name)


def function_source(number: int, name: str) -> str:
    """One function of a reference solution, as its text."""
    source = solution_source(number)
    node = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name)
    return ast.get_source_segment(source, node)


# -- what runs --------------------------------------------------------------------------------------------------------
def test_magics_and_shell_lines_are_dropped_and_cells_are_counted_from_the_top():
    nb = read(("md", "# Homework 2"), "%matplotlib inline\n!pip install numpy\nimport numpy as np",
              ("md", "## conv"), "def f(x):\n    %time y = x\n    return x\nnp.zeros?",
              "%%bash\nls -l", "%%time\nSIZE = 3")
    code = nb.extract()
    assert code.source == "import numpy as np\ndef f(x):\n    pass\n    return x\nSIZE = 3\n"
    assert code.cells == [2, 4, 6]                               # markdown cells count: "cell 4" is the 4th cell
    dropped = next(n for n in code.notes if n.startswith("IPython magics"))
    for shown in ("cell 2 line 1 `%matplotlib inline`", "cell 2 line 2 `!pip install numpy`",
                  "cell 4 line 2 `%time y = x`", "cell 4 line 4 `np.zeros?`"):
        assert shown in dropped
    assert any("cell 5 (%%bash)" in n for n in code.notes)
    assert code.where(1) == "cell 2, line 3" and code.where(3) == "cell 4, line 2"


def test_only_imports_definitions_and_constants_run():
    nb = read("import numpy as np\nimport time",
              "K = np.array([[1, 0], [0, -1]])\nEPS = 1e-8; data = np.load('x.npy')\nSIZES = tuple(range(3))",
              "def conv(x):\n    return x @ K\nrelu = lambda z: np.maximum(z, 0)\nalias = conv",
              "out = conv(np.ones((2, 2)))\nprint(out)\nfor epoch in range(10 ** 9):\n    time.sleep(60)\n"
              "model = train()\nwhile True:\n    pass",
              "data = data / 255\nY = np.vectorize(conv)\nclass Layer:\n    scale = EPS * 2\n"
              "if __name__ == '__main__':\n    conv(K)")
    code = nb.extract(("conv",))
    tree = ast.parse(code.source)
    kept = [ast.unparse(s).split("\n")[0] for s in tree.body]
    assert kept == ["import numpy as np", "import time", "K = np.array([[1, 0], [0, -1]])", "EPS = 1e-08",
                    "SIZES = tuple(range(3))", "def conv(x):", "relu = lambda z: np.maximum(z, 0)", "alias = conv",
                    "class Layer:"]
    assert code.defined_in["conv"] == 3 and code.defined_in["Layer"] == 5
    skipped = next(n for n in code.notes if n.startswith("top-level code not run"))
    assert "cell 2 (line 2)" in skipped and "cell 4 (lines 1-7)" in skipped and "cell 5 (lines 1-2, 5-6)" in skipped
    assert "np.load()" in code.explain_name_error("NameError: name 'data' is not defined")
    assert "conv()" in code.explain_name_error("name 'out' is not defined")
    assert code.explain_name_error("name 'K' is not defined") is None


def test_refused_and_display_imports_are_skipped_with_what_needs_them():
    cells = ("import numpy as np\nimport torch\nfrom torch import nn\nimport matplotlib.pyplot as plt\n"
             "from google.colab import drive\nfrom no_such_package_here.auto import tqdm",
             "class Net(nn.Module):\n    pass",
             "def conv_forward(x, w, b):\n    return x\ndef typed(x: torch.Tensor):\n    return x")
    numpy_only = read(*cells).extract(("conv_forward",), refuse_imports=("torch",))
    assert [ast.unparse(s).split("\n")[0] for s in ast.parse(numpy_only.source).body] == \
        ["import numpy as np", "def conv_forward(x, w, b):"]
    imports = next(n for n in numpy_only.notes if n.startswith("imports not run"))
    assert "`import torch` (this exercise is written with numpy alone)" in imports
    assert "`import matplotlib.pyplot as plt` (plotting" in imports and "google.colab" in imports
    assert "`from no_such_package_here.auto import tqdm` (not installed where grading runs)" in imports
    assert any("class Net (cell 2: needs nn)" in n and "def typed (cell 3: needs torch)" in n
               for n in numpy_only.notes)
    with_torch = read(*cells).extract(("build_model", "train"))   # exercise 10 may use torch
    assert "import torch\nfrom torch import nn\n" in with_torch.source and "class Net(nn.Module)" in with_torch.source


@pytest.mark.parametrize("ex", course.EXERCISES, ids=[ex.package for ex in course.EXERCISES])
def test_every_reference_solution_survives_extraction_whole(ex):
    """A notebook holding the reference solution (one cell, plus demo cells) runs every statement of it."""
    source = solution_source(ex.number)
    code = read("%load_ext autoreload", source, "print(1)\nresult = " + ex.functions[0] + "()").extract(
        ex.functions, ex.refuse_imports)
    body = [s for s in ast.parse(source).body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    assert ast.dump(ast.parse(code.source)) == ast.dump(ast.Module(body=body, type_ignores=[]))


def test_a_syntax_error_skips_its_cell_unless_it_holds_a_graded_function():
    nb = read("import numpy as np", "scratch = [1, 2\n", "def conv2d(image, kernel):\n    return image")
    code = nb.extract(("conv2d",))
    assert "def conv2d" in code.source and any("cell 2 (line 1:" in n for n in code.notes)
    broken = read("import numpy as np", "def conv2d(image, kernel:\n    return image").extract(("conv2d",))
    with pytest.raises(SyntaxError) as err:
        compile(broken.source, "ex01_conv2d.py", "exec")
    assert broken.where(err.value.lineno) == "cell 2, line 1"
    assert read("def conv2d(image, kernel:\n    pass").definitions()["conv2d"].cell == 1   # found even so


def test_relabel_speaks_of_cells():
    code = read("import numpy as np", ("md", "text"), "def f(x):\n    y = x\n    return y[5]").extract(("f",))
    assert code.source.split("\n")[3] == "    return y[5]"
    text = ('File "/tmp/grade-nb-x/ex04_conv_forward.py", line 4, in f\n'
            "ex04_conv_forward.py, line 4: IndexError (ex04_conv_forward.py, line 2) /w/ex04_conv_forward.py has no")
    assert code.relabel(text, "ex04_conv_forward.py") == (
        'File "hw2.ipynb", cell 3, line 3, in f\n'
        "hw2.ipynb, cell 3, line 3: IndexError (hw2.ipynb, cell 3, line 1) hw2.ipynb has no")


BAD_NOTEBOOKS = {
    "not JSON": b"def conv2d(image, kernel):\n    return image\n",
    "truncated JSON": notebook("x = 1")[:40],
    "a JSON list": b"[1, 2, 3]",
    "JSON without cells": json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}}).encode(),
    "an unknown format version": json.dumps({"nbformat": 9, "nbformat_minor": 0, "cells": []}).encode(),
    "binary": bytes(range(256)),
    "deeply nested": b"[" * 100000,
}


@pytest.mark.parametrize("data", BAD_NOTEBOOKS.values(), ids=BAD_NOTEBOOKS.keys())
def test_anything_but_a_notebook_is_a_one_line_error(data):
    with pytest.raises(notebooks.NotebookError) as err:
        notebooks.read(data, "ex04_conv_forward.ipynb")
    message = str(err.value)
    assert message.startswith("ex04_conv_forward.ipynb is not a") and "\n" not in message and len(message) < 250


def test_an_old_nbformat_3_notebook_is_read():
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "markdown", "source": "hi", "metadata": {}},
        {"cell_type": "code", "input": "def f():\n    return 1", "language": "python", "outputs": [],
         "metadata": {}}]}]}
    assert notebooks.read(json.dumps(v3).encode(), "old.ipynb").definitions()["f"].cell == 2


# -- which file holds an exercise -------------------------------------------------------------------------------------
def test_which_file_holds_an_exercise():
    ex4, ex5 = course.get(4), course.get(5)
    stub4, solved4 = stub_source(4).encode(), solution_source(4).encode()
    hw2 = notebook(function_source(4, "conv_forward"), "def max_pool(x, size=2, stride=None):\n    return x")
    hw3 = notebook("def conv_forward(x, w, b, stride=1, padding=0):\n    return x")
    def chosen(ex, candidates):
        return locate.choose(ex, candidates).path.name

    assert chosen(ex4, {ex4.file: solved4, "hw2.ipynb": hw2}) == ex4.file                  # a .py in progress wins
    assert chosen(ex4, {ex4.file: stub4, "hw2.ipynb": hw2}) == "hw2.ipynb"                 # over the stub
    assert chosen(ex4, {ex4.file: stub4, "ex04_conv_forward.ipynb": hw3, "hw2.ipynb": hw2}) == \
        "ex04_conv_forward.ipynb"                                                            # named after it
    both = locate.choose(ex4, {"hw3.ipynb": hw3, "hw2.ipynb": hw2})
    assert both.path.name == "hw2.ipynb" and any("also in hw3.ipynb" in n for n in both.notes)
    assert chosen(ex5, {"hw2.ipynb": hw2}) == "hw2.ipynb"                                  # one of three functions
    broken = locate.choose(ex4, {ex4.file: stub4, "hw2.ipynb": b"{not json"})
    assert broken.path.name == ex4.file and broken.notes and "hw2.ipynb is not a valid notebook" in broken.notes[0]
    assert locate.choose(ex4, {"notes.ipynb": notebook("x = 1")}).path is None


# -- grading ----------------------------------------------------------------------------------------------------------
def homework(tmp_path: Path, *cells, name="hw2.ipynb", stubs=True) -> Path:
    """A student's exercises/ folder: the stubs (untouched) and one notebook."""
    folder = tmp_path / "course" / "exercises"
    if stubs:
        shutil.copytree(EXERCISES, folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(notebook(*cells))
    return folder


DEMO = ("x = np.random.default_rng(0).normal(size=(1, 1, 5, 5))\nprint(conv_forward(x, np.ones((1, 1, 3, 3)), None))",
        "for epoch in range(10 ** 6):\n    time.sleep(30)   # trains for minutes",
        "plt.imshow(x[0, 0])\nplt.show()")


def test_one_notebook_for_several_exercises_with_demo_cells_grades_in_grade_all(tmp_path):
    """hw2.ipynb holds exercises 4 and 5 next to plotting, a long training cell and Colab magics: exercise 4 gets
    full marks, exercise 5 its max_pool points, the stubs 'not implemented'; the verdict and the progress name it."""
    folder = homework(tmp_path, ("md", "# HW2"), "%matplotlib inline\n!pip install numpy\nimport numpy as np\n"
                      "import time\nimport matplotlib.pyplot as plt", function_source(4, "conv_forward"), *DEMO,
                      function_source(5, "_pool") + "\n\n" + function_source(5, "max_pool"))
    result = CliRunner().invoke(cli, ["all", "--json", "--path", str(folder.parent)], catch_exceptions=False)
    data = json.loads(result.output)
    by = {e["number"]: e for e in data["exercises"]}
    assert by[4]["file"] == "hw2.ipynb" and by[4]["score"] == by[4]["max_score"], by[4]
    assert by[5]["file"] == "hw2.ipynb" and 0 < by[5]["score"] < by[5]["max_score"]
    max_pool = next(c for c in by[5]["checks"] if c["name"].startswith("max_pool matches"))
    assert max_pool["passed"]
    relu = next(c for c in by[5]["checks"] if c["name"].startswith("relu"))
    assert "hw2.ipynb has no function relu()" in relu["message"]
    assert by[1]["status"] == "not implemented" and by[1]["file"] == "ex01_conv2d.py"
    notes = " ".join(by[4]["notes"])
    assert "`%matplotlib inline`" in notes and "`!pip install numpy`" in notes
    assert "cell 4 (line 2)" in notes and "cell 5 (lines 1-2)" in notes and "cell 6 (lines 1-2)" in notes
    assert data["progress"]["points"] == by[4]["score"] + by[5]["score"]
    listing = json.loads(CliRunner().invoke(cli, ["list", "--json", "--path", str(folder)]).output)
    assert [e["file"] for e in listing["exercises"]][3:5] == ["hw2.ipynb", "hw2.ipynb"]
    assert listing["exercises"][3]["status"].startswith("passed")
    assert sorted(p.name for p in folder.iterdir()) == sorted([*(p.name for p in EXERCISES.iterdir()), "hw2.ipynb"])


def test_a_failing_function_is_named_by_its_cell(tmp_path):
    wrong = mutate(function_source(4, "conv_forward"), "out += np.asarray(b", "out -= np.asarray(b")
    crash = "def conv_forward(x, w, b, stride=1, padding=0):\n    n = x.shape[0]\n    return x[n + 5]"
    ex = course.get(4).with_limits(**FAST)
    result = grade_exercise(ex, homework(tmp_path / "a", "import numpy as np", ("md", "text"), wrong,
                                         name="ex04_conv_forward.ipynb"))
    bias = next(c for c in result.checks if c.name.startswith("bias"))
    assert not bias.passed and bias.details[0] == "conv_forward() is defined in ex04_conv_forward.ipynb, cell 3"
    result = grade_exercise(ex, homework(tmp_path / "b", "import numpy as np", ("md", "text"), crash, stubs=False))
    failed = next(c for c in result.checks if not c.passed)
    assert "IndexError" in failed.message and failed.details[0] == "conv_forward() is defined in hw2.ipynb, cell 3"
    assert any('File "hw2.ipynb", cell 3, line 3, in conv_forward' in d for d in failed.details), failed.details
    assert not any("ex04_conv_forward.py" in d for d in failed.details)


def test_a_skipped_constant_is_explained_when_the_function_needs_it(tmp_path):
    source = "def conv2d(image, kernel, stride=1, padding=0):\n    return image * SCALE"
    result = grade_exercise(course.get(1).with_limits(**FAST),
                            homework(tmp_path, "import numpy as np", "SCALE = np.load('scale.npy')", source))
    failed = next(c for c in result.checks if not c.passed)
    assert "NameError" in failed.message
    assert "SCALE is set in cell 2, line 1, which is not run when grading (it calls np.load())" in failed.details[1]


def test_a_syntax_error_and_a_slow_definition_name_their_cells(tmp_path):
    ex = course.get(1).with_limits(**{**FAST, "load_seconds": 3.0})
    syntax = grade_exercise(ex, homework(tmp_path / "a", "import numpy as np",
                                         "def conv2d(image, kernel:\n    return image"))
    assert syntax.status == "error" and syntax.message.startswith("hw2.ipynb, cell 2, line 1: SyntaxError")
    slow = grade_exercise(ex, homework(tmp_path / "b", "import numpy as np", "class Slow:\n    while True:\n"
                                       "        pass", "def conv2d(image, kernel, stride=1, padding=0):\n"
                                       "    return image"))
    assert slow.status == "error" and "timed out" in slow.message
    assert "hw2.ipynb: cells 1, 2, 3" in slow.message


@pytest.mark.parametrize("data", [b"{not json", b"\x89PNG\r\n\x1a\n"], ids=["invalid JSON", "an image"])
def test_a_broken_notebook_named_after_the_exercise_is_a_one_line_error(tmp_path, data):
    folder = tmp_path / "exercises"
    folder.mkdir()
    (folder / "ex04_conv_forward.ipynb").write_bytes(data)
    result = CliRunner().invoke(cli, ["ex", "4", "--path", str(folder)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "ex04_conv_forward.ipynb is not a" in result.output and "error -- 0/12 points" in result.output


# -- grade batch: notebooks in every layout ---------------------------------------------------------------------------
def test_batch_grades_notebooks_in_folders_zips_and_flat_lms_downloads(tmp_path):
    import zipfile

    subs = tmp_path / "subs"
    subs.mkdir()
    conv = function_source(4, "conv_forward")
    (subs / "smithjane_12345_67890_hw2.ipynb").write_bytes(notebook("import numpy as np", "x = 1"))
    (subs / "smithjane_12345_67890_hw2-1.ipynb").write_bytes(notebook("import numpy as np", conv, *DEMO[:1]))
    (subs / "doejohn_22222_33333_hw2.ipynb").write_bytes(b'{"cells": [oops')           # invalid JSON
    (subs / "alice").mkdir()
    (subs / "alice" / "ex04_conv_forward.ipynb").write_bytes(notebook("import numpy as np", conv, colab=False))
    (subs / "alice" / "ex04_conv_forward.py").write_text(stub_source(4))
    with zipfile.ZipFile(subs / "bob.zip", "w") as zf:
        zf.writestr("bob/course/exercises/My HW.ipynb", notebook("import numpy as np", conv))
    found = {s.student: s for s in discover(subs, [course.get(4)])[0]}
    assert found["smithjane_12345"].names == {4: "hw2.ipynb"} and found["bob"].names == {4: "My_HW.ipynb"}
    assert found["doejohn_22222"].files == {}
    assert any("hw2.ipynb is not a valid notebook" in n for n in found["doejohn_22222"].notes)

    out = tmp_path / "out"
    report = run_batch(subs, out, jobs=1, exercises=(4,), overrides=FAST, progress=False)
    assert not report.interrupted
    rows = {r["student"]: r for r in map(json.loads, (out / "results.jsonl").read_text().splitlines())}
    for student in ("smithjane_12345", "alice", "bob"):
        assert rows[student]["score"] == 12, (student, rows[student]["result"]["message"])
    assert rows["smithjane_12345"]["result"]["file"] == "hw2.ipynb"
    assert rows["doejohn_22222"]["status"] == "missing"
    feedback = (out / "feedback" / "doejohn_22222.md").read_text()
    assert "hw2.ipynb is not a valid notebook" in feedback
    assert "cell 3" in (out / "feedback" / "smithjane_12345.md").read_text()   # the skipped demo cell, noted


def test_grade_list_reads_notebooks_without_numpy_hypothesis_or_torch(tmp_path):
    import subprocess
    import sys

    folder = homework(tmp_path, "import numpy as np\nimport torch", function_source(4, "conv_forward"))
    probe = ("import json, sys\nfrom grader.cli import main\n"
             "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'hypothesis', 'torch'})\n"
             "print('HEAVY=' + json.dumps(heavy) + ' NBFORMAT=' + json.dumps('nbformat' in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", probe, "list", "--path", str(folder)], capture_output=True,
                         text=True, timeout=60, cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME":
                                                                   str(tmp_path)})
    assert "hw2.ipynb" in out.stdout and 'HEAVY=[] NBFORMAT=true' in out.stdout, out.stdout + out.stderr


def test_an_exercises_folder_of_notebooks_only_is_found_and_a_stub_notebook_is_todo(tmp_path, monkeypatch):
    folder = homework(tmp_path, "def conv2d(image, kernel, stride=1, padding=0):\n    raise NotImplementedError",
                      stubs=False)
    monkeypatch.chdir(folder.parent)
    rows = json.loads(CliRunner().invoke(cli, ["list", "--json"]).output)["exercises"]
    assert rows[0]["file"] == "hw2.ipynb" and rows[0]["status"] == "todo" and rows[1]["status"] == "missing"


def test_an_expression_too_deep_to_read_is_skipped_not_a_crash():
    code = read("x = " + "+".join(["1"] * 1500) + "\ndef conv2d(image, kernel):\n    return image").extract(("conv2d",))
    assert "def conv2d" in code.source and "x = " not in code.source
    assert any("cell 1 (line 1)" in n for n in code.notes)
