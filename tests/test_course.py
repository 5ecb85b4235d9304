"""The course index is consistent with the code: every check exists, stubs and solutions match, stubs teach, named
mistakes fit their functions, the index's table is true; and the package keeps its layering."""
import ast
import importlib
import inspect
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import grader
from conftest import EXERCISES, SOLUTIONS
from grader import course

IDS = [ex.package for ex in course.EXERCISES]
PACKAGE = Path(grader.__file__).parent


def functions_of(path):
    tree = ast.parse(path.read_text())
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def signature(fn: ast.FunctionDef) -> str:
    return ast.unparse(fn.args)


def test_numbers_are_1_to_10_and_unique():
    assert [ex.number for ex in course.EXERCISES] == list(range(1, 11))


def test_every_exercise_folder_is_in_the_index():
    folders = sorted(p.name for p in (PACKAGE / "course").iterdir() if p.is_dir() and p.name.startswith("ex"))
    assert folders == IDS


def test_the_index_table_is_true():
    """The table in grader/course/__init__.py (the course at a glance) names every folder with its points."""
    rows = re.findall(r"^\s+(\d+)\s+(ex\d\d_\w+)\s+(\d+)\s", course.__doc__, flags=re.M)
    assert [(int(n), folder, int(points)) for n, folder, points in rows] == \
        [(ex.number, ex.package, ex.points) for ex in course.EXERCISES]


@pytest.mark.parametrize("ex", course.EXERCISES, ids=IDS)
def test_every_check_names_a_function_and_has_points(ex):
    assert ex.checks and ex.hints
    names = [c.name for c in ex.checks]
    assert len(set(names)) == len(names)
    checks = ex.module("checks")
    for check in ex.checks:
        assert check.points > 0
        assert callable(ex.check_function(check)), check.run
    runs = {c.run for c in ex.checks}
    public = {name for name, fn in vars(checks).items() if inspect.isfunction(fn) and fn.__module__ == checks.__name__
              and not name.startswith("_") and inspect.signature(fn).parameters.keys() == {"student"}}
    assert public <= runs, f"check functions no entry names: {sorted(public - runs)}"


@pytest.mark.parametrize("ex", course.EXERCISES, ids=IDS)
def test_stub_and_solution_have_the_same_signatures(ex):
    stub, sol = functions_of(EXERCISES / ex.file), functions_of(SOLUTIONS / ex.file)
    for name in ex.functions:
        assert name in stub and name in sol, name
        assert signature(stub[name]) == signature(sol[name]), name


@pytest.mark.parametrize("ex", course.EXERCISES, ids=IDS)
def test_stub_teaches_formula_shapes_example_and_todo(ex):
    source = (EXERCISES / ex.file).read_text()
    tree = ast.parse(source)
    doc = ast.get_docstring(tree) or ""
    assert len(doc) > 300, "the module docstring should give the formula, the shapes and a worked example"
    assert "TODO" in source
    for name, fn in functions_of(EXERCISES / ex.file).items():
        if name in ex.functions:
            assert ast.get_docstring(fn), f"{name} has no docstring"
            assert any(isinstance(s, ast.Raise) and "NotImplementedError" in ast.unparse(s) for s in fn.body), name


def _all_mistakes():
    return [(ex, m) for ex in course.EXERCISES if ex.mistakes() for m in ex.mistakes().entries]


def test_mistakes_are_unique_and_point_at_graded_functions():
    mistakes = _all_mistakes()
    ids = [m.id for _, m in mistakes]
    assert len(ids) == len(set(ids))
    assert len(mistakes) >= 15
    for ex, m in mistakes:
        assert m.id.startswith(f"ex{ex.number:02d}-"), m.id
        assert m.function in ex.functions, m.id
        assert m.message and "\n" not in m.message and len(m.message) < 300, m.id


@pytest.mark.parametrize("ex", [ex for ex in course.EXERCISES if ex.mistakes()], ids=lambda ex: ex.package)
def test_mistakes_bind_calls_with_the_student_signature(ex):
    """Each function's right answer (which binds a failing call's arguments) has the stub's parameters."""
    stub = functions_of(EXERCISES / ex.file)
    for fn, right in ex.mistakes().right.items():
        assert fn in ex.functions, fn
        assert list(inspect.signature(right).parameters) == [a.arg for a in stub[fn].args.args], fn
        defaults = {k: p.default for k, p in inspect.signature(right).parameters.items()
                    if p.default is not inspect.Parameter.empty}
        stub_defaults = dict(zip([a.arg for a in stub[fn].args.args][-len(stub[fn].args.defaults):],
                                 [ast.literal_eval(d) for d in stub[fn].args.defaults])) if stub[fn].args.defaults \
            else {}
        assert defaults == stub_defaults, fn


def test_every_mistake_is_exercised_by_a_mutant_test():
    """Each named mistake's id appears in some test (the mutant that must show exactly its message)."""
    text = "".join(p.read_text() for p in Path(__file__).parent.glob("test_ex*.py"))
    assert [m.id for _, m in _all_mistakes() if f'"{m.id}"' not in text] == []


# -- the layering ---------------------------------------------------------------------------------------------------
def _grader_modules() -> dict[str, Path]:
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = path
    return mods


def _imports(name: str, path: Path, known) -> set[str]:
    """The grader modules ``name`` imports anywhere (top level or inside functions), by the import statements."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            found |= {base} | {f"{base}.{a.name}" for a in node.names}
    return {d for d in found if d in known and d != name and not d.startswith(name + ".")}


def test_no_import_cycle_inside_grader():
    mods = _grader_modules()
    graph = {n: _imports(n, p, mods) for n, p in mods.items()}
    state: dict[str, int] = {}

    def visit(n, path):
        state[n] = 1
        for d in sorted(graph[n]):
            if state.get(d) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(d):] + [d]))
            if d not in state:
                visit(d, path + [d])
        state[n] = 2
    for n in sorted(graph):
        if n not in state:
            visit(n, [n])


LAYERS = ["grader.sandbox", "grader.checking", "grader.course", "grader.grading", "grader.classroom", "grader.cli"]


def _layer(name: str) -> int | None:
    for i, prefix in enumerate(LAYERS):
        if name == prefix or name.startswith(prefix + "."):
            return i
    return None


def test_imports_point_down_the_layers():
    """sandbox < checking < course < grading < classroom < cli: a module never imports a layer above its own
    (an exercise's entry may import the sandbox's Limits, its checks the check language; never the other way)."""
    mods = _grader_modules()
    upward = []
    for name, path in mods.items():
        mine = _layer(name)
        for dep in _imports(name, path, mods):
            theirs = _layer(dep)
            if mine is not None and theirs is not None and theirs > mine:
                upward.append(f"{name} -> {dep}")
    assert upward == []


def test_no_module_imports_another_modules_privates():
    mods = _grader_modules()
    found = []
    for name, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("grader"):
                found += [f"{name}: from {node.module} import {a.name}" for a in node.names
                          if a.name.startswith("_") and a.name != "__version__"]
    assert found == []


@pytest.mark.parametrize("args", [["list"], ["show", "3"], ["hint", "1"], ["--help"], ["show", "3", "--lang", "zh-TW"],
                                  ["hint", "1", "--lang", "zh-TW"]], ids=" ".join)
def test_the_light_commands_import_no_numpy_hypothesis_or_torch(args, tmp_path):
    """`grade list`, `grade show` and `grade hint` answer at once: they load neither numpy, hypothesis nor torch."""
    probe = ("import json, sys\nfrom grader.cli import main\n"
             "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'hypothesis', 'torch'})\n"
             "print('HEAVY=' + json.dumps(heavy))\n")
    out = subprocess.run([sys.executable, "-c", probe, *args, *(["--path", str(EXERCISES)] if args[0] in
                                                                 ("list", "show") else [])],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path,
                         env={"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path)})
    line = next(l for l in out.stdout.splitlines() if l.startswith("HEAVY="))
    assert json.loads(line[len("HEAVY="):]) == [], out.stdout + out.stderr


def test_importing_the_course_index_loads_no_numpy():
    out = subprocess.run([sys.executable, "-c", "import sys, grader.course; "
                          "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'hypothesis', 'torch'}))"],
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_every_grader_module_imports():
    for info in pkgutil.walk_packages(grader.__path__, "grader."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
