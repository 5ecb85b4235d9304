"""A student's Jupyter notebook (.ipynb) as the Python module the grader runs; nothing here executes it.

    nb = notebooks.read(data, "hw2.ipynb")          # nbformat; NotebookError (one line) for anything else
    nb.definitions()                                 # {"conv_forward": Definition(cell=7, line=1, stub=False)}
    code = nb.extract(("conv_forward",), refuse_imports=("torch",))
    code.source                                      # what the sandbox imports (written to a private folder)
    code.relabel('File "/tmp/x/ex04_conv_forward.py", line 12')   # -> 'File "hw2.ipynb", cell 7, line 3'

Cells are numbered as they stand in the notebook, from the top, markdown cells included ("cell 7" is the seventh
cell). Only code cells are read, with nbformat (the schema is checked leniently: a notebook Jupyter can open is
graded). IPython magics and shell lines (``%matplotlib inline``, ``!pip install ...``, ``x?``) become ``pass`` and are
listed in the notes; a cell magic (``%%bash``, ``%%html``, ...) skips its cell, except ``%%time`` and ``%%capture``
whose body is Python.

What runs when the module is imported in the sandbox: a notebook is a scratchpad, so only what defines things is
kept, in notebook order:

* imports (not of plotting or notebook-only packages -- matplotlib, seaborn, IPython, google.colab, ipywidgets,
  plotly --, of packages the exercise refuses, e.g. torch in a numpy-only exercise, nor of packages that are not
  installed where grading runs, e.g. tqdm on a machine without it: the import would fail the whole exercise);
* ``def`` and ``class`` statements (decorators, default values and class bodies included), when every name they
  need at definition time is defined by then;
* assignments of constants to names: values built from literals, names defined by then, operators, lambdas, and
  calls into numpy, math or torch (``K = np.array([[1, 0], [0, -1]])``) or of simple builtins (``range``, ``tuple``),
  but never a call of the notebook's own code or a function that reads or writes files;
* ``try`` blocks made only of imports (``try: import cupy as xp`` / ``except ImportError: import numpy as xp``).

Every other top-level statement -- calls such as ``train(model)`` or ``plt.show()``, ``print``, loops, ``if``
blocks, ``assert``s, test code -- is not run, so a cell that trains for minutes or plots does not stop grading; the
notes say which cells were skipped. A cell with a syntax error is skipped with a note, unless it holds one of the
graded functions (then the syntax error is the verdict, with its cell and line).
"""
from __future__ import annotations

import ast
import builtins
import functools
import importlib.util
import re
import sys
import warnings
from dataclasses import dataclass, field

from grader.i18n import gettext as _

# Imported for display only: never run when grading (plots, widgets, Colab's drive).
DISPLAY_ONLY = ("matplotlib", "seaborn", "IPython", "google.colab", "ipywidgets", "plotly", "bokeh", "altair")
# Libraries whose calls may build a constant (an array, a device); anything else called at top level is not run.
CONSTANT_LIBRARIES = frozenset({"numpy", "math", "torch"})
# ... except these, which read or write files, download or compile.
_FILE_CALLS = frozenset({"load", "loadtxt", "genfromtxt", "fromfile", "fromregex", "memmap", "save", "savez",
                         "savez_compressed", "savetxt", "tofile", "open", "hub", "download", "compile", "DataSource",
                         "from_file"})
_SAFE_BUILTINS = frozenset({"int", "float", "complex", "bool", "str", "bytes", "tuple", "list", "dict", "set",
                            "frozenset", "range", "len", "min", "max", "abs", "round", "sum", "sorted", "reversed",
                            "zip", "enumerate", "slice", "pow", "divmod", "object", "type"})
_BUILTIN_NAMES = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__", "__builtins__", "__spec__"}
_PYTHON_CELL_MAGICS = frozenset({"time", "capture"})    # %%time / %%capture: the body is ordinary Python
_MAGIC_LINE = re.compile(r"^\s*(?:[%!]|\?|[\w.]+\?{1,2}\s*$|[\w.,\s\[\]]+=\s*[%!])")


class NotebookError(ValueError):
    """The file is not a notebook that can be read (invalid JSON, not the notebook format); one line."""


@dataclass(frozen=True)
class Cell:
    """One code cell: its number in the notebook, its source (magic lines replaced by ``pass``), what was dropped."""

    number: int
    source: str
    dropped: tuple[tuple[int, str], ...] = ()   # (line, text) of magic and shell lines
    cell_magic: str = ""                          # "%%bash": a cell whose body is not Python (skipped)
    tree: ast.Module | None = None               # None: a syntax error (``error`` says which)
    error: str = ""


@dataclass(frozen=True)
class Definition:
    """Where a top-level function (or class) is defined, and whether it still only raises NotImplementedError."""

    cell: int
    line: int
    stub: bool


@dataclass
class Extract:
    """The module the grader runs for one exercise, and how to talk about it in terms of the notebook."""

    name: str                     # the notebook's file name, as the student knows it
    source: str                   # the Python module written for the sandbox
    lines: list[tuple[int, int]]  # generated line (index + 1) -> (cell, line in the cell)
    cells: list[int]              # the cells that contribute code, in order
    defined_in: dict[str, int]    # top-level name -> the cell that last bound it
    notes: list[str] = field(default_factory=list)
    skipped_names: dict[str, str] = field(default_factory=dict)   # a name set by skipped code -> where and why

    def where(self, line: int) -> str:
        """'cell 7, line 3' for a line of :attr:`source` (1-based)."""
        if 1 <= line <= len(self.lines):
            cell, in_cell = self.lines[line - 1]
            return _("cell {cell}, line {line}").format(cell=cell, line=in_cell)
        return _("line {line}").format(line=line)

    def relabel(self, text: str, module_file: str) -> str:
        """Replace mentions of the generated ``module_file`` (a path, 'FILE, line N', 'File "PATH", line N') by the
        notebook's name with cell and line."""
        if not text or module_file not in text:
            return text

        name = re.escape(module_file)

        def quoted(m: re.Match) -> str:
            return f'File "{self.name}"' + (f", {self.where(int(m.group(1)))}" if m.group(1) else "")

        def bare(m: re.Match) -> str:
            return self.name + (f", {self.where(int(m.group(1)))}" if m.group(1) else "")

        text = re.sub(rf'File "[^"\n]*?{name}"(?:, line (\d+))?', quoted, text)
        return re.sub(rf'(?<![\w.])(?:[^\s"\'(]*/)?{name}(?:, line (\d+))?', bare, text)

    def explain_name_error(self, text: str) -> str | None:
        """Why a NameError's name is missing, when skipped notebook code would have set it."""
        m = re.search(r"name '(\w+)' is not defined", text or "")
        if m and m.group(1) in self.skipped_names:
            return f"{m.group(1)} {self.skipped_names[m.group(1)]}"
        return None


@dataclass
class Notebook:
    name: str
    cells: list[Cell]

    def definitions(self) -> dict[str, Definition]:
        """Every top-level ``def``/``class`` name -> its last definition (read with ast; a cell with a syntax error
        is searched for ``def NAME(`` lines instead)."""
        found: dict[str, Definition] = {}
        for cell in self.cells:
            if cell.cell_magic:
                continue
            if cell.tree is None:
                for m in re.finditer(r"^(?:async\s+)?def\s+(\w+)\s*\(", cell.source, flags=re.M):
                    found[m.group(1)] = Definition(cell.number, cell.source.count("\n", 0, m.start()) + 1, False)
                continue
            for node in cell.tree.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    found[node.name] = Definition(cell.number, node.lineno, _raises_not_implemented(node))
        return found

    def extract(self, functions: tuple[str, ...] = (), refuse_imports: tuple[str, ...] = ()) -> Extract:
        """The module for an exercise that grades ``functions`` and refuses ``refuse_imports`` (see the module
        docstring for what is kept)."""
        return _Extractor(self, functions, refuse_imports).run()


def read(data: bytes, name: str) -> Notebook:
    """Parse a notebook's bytes (JSON, nbformat 3 or 4) into its code cells; NotebookError if it is not one."""
    import nbformat  # lazily: `grade list` pays for it only when a folder holds notebooks

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotebookError(_("{name} is not a notebook: it is not UTF-8 text (byte {byte})").format(
            name=name, byte=exc.start)) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # missing cell ids and other schema nits: Jupyter opens those too
            nb = nbformat.reads(text, as_version=4, capture_validation_error={})
        raw_cells = nb["cells"]
        if not isinstance(raw_cells, list):
            raise TypeError("'cells' is not a list")
    except Exception as exc:  # noqa: BLE001 - NotJSONError, ValidationError, KeyError, RecursionError, ...
        raise NotebookError(_("{name} is not a valid notebook: {error}").format(name=name, error=_one_line(exc))) \
            from None
    cells = []
    for number, cell in enumerate(raw_cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            raise NotebookError(_("{name} is not a valid notebook: cell {number} has no source text").format(
                name=name, number=number))
        cells.append(_code_cell(number, source))
    return Notebook(name, cells)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _parse(source: str) -> ast.Module:
    """ast of a cell; top-level ``await`` (allowed in Jupyter) parses too."""
    return compile(source, "<cell>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)


def _try_parse(source: str) -> tuple[ast.Module | None, str]:
    try:
        return _parse(source), ""
    except SyntaxError as exc:
        return None, f"line {exc.lineno}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, _one_line(exc)


def _code_cell(number: int, source: str) -> Cell:
    first = source.lstrip().split("\n", 1)[0]
    if first.startswith("%%"):
        magic = first[2:].split()[0] if first[2:].split() else ""
        if magic not in _PYTHON_CELL_MAGICS:
            return Cell(number, source, cell_magic=f"%%{magic}")
    tree, error = _try_parse(source)
    if tree is not None:
        return Cell(number, source, tree=tree)
    lines = source.split("\n")
    dropped = []
    for i, line in enumerate(lines):
        if _MAGIC_LINE.match(line) and line.strip():
            dropped.append((i + 1, line.strip()))
            lines[i] = line[:len(line) - len(line.lstrip())] + "pass"
    if not dropped:
        return Cell(number, source, error=error)
    source = "\n".join(lines)
    tree, error = _try_parse(source)
    return Cell(number, source, tuple(dropped), tree=tree, error=error)


def _raises_not_implemented(node: ast.AST) -> bool:
    try:
        return any(isinstance(s, ast.Raise) and s.exc is not None and "NotImplementedError" in ast.unparse(s.exc)
                   for s in getattr(node, "body", ()))
    except RecursionError:
        return False


# -- which top-level statements run ---------------------------------------------------------------------------------
class _Names(ast.NodeVisitor):
    """The names a statement reads and the calls it makes when it runs at module level (function and lambda bodies
    are not run then: only their decorators, defaults and annotations)."""

    def __init__(self, lazy_annotations: bool):
        self.lazy_annotations = lazy_annotations
        self.loads: set[str] = set()
        self.calls: list[ast.Call] = []

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.loads.add(node.id)

    def visit_Call(self, node: ast.Call) -> None:
        self.calls.append(node)
        self.generic_visit(node)

    def _arguments(self, args: ast.arguments, annotations: bool) -> None:
        for default in (*args.defaults, *(d for d in args.kw_defaults if d is not None)):
            self.visit(default)
        if annotations and not self.lazy_annotations:
            for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
                if arg is not None and arg.annotation is not None:
                    self.visit(arg.annotation)

    def visit_FunctionDef(self, node) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self._arguments(node.args, annotations=True)
        if node.returns is not None and not self.lazy_annotations:
            self.visit(node.returns)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._arguments(node.args, annotations=False)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in (*node.decorator_list, *node.bases, *(k.value for k in node.keywords)):
            self.visit(expr)
        local: set[str] = set()
        for stmt in node.body:   # the class body runs now, in order; what it binds is local to it
            inner = _Names(self.lazy_annotations)
            inner.visit(stmt)
            self.loads |= inner.loads - local
            self.calls += inner.calls
            local |= _bound(stmt)

    def _comprehension(self, node, *parts) -> None:
        inner = _Names(self.lazy_annotations)
        for gen in node.generators:
            inner.visit(gen.iter)
            for cond in gen.ifs:
                inner.visit(cond)
        for part in parts:
            inner.visit(part)
        targets = set().union(*(_target_names(g.target) for g in node.generators))
        self.loads |= inner.loads - targets
        self.calls += inner.calls

    def visit_ListComp(self, node) -> None:
        self._comprehension(node, node.elt)

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node) -> None:
        self._comprehension(node, node.key, node.value)


def _target_names(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _bound(stmt: ast.stmt) -> set[str]:
    """Names a top-level statement binds."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    if isinstance(stmt, ast.Import):
        return {a.asname or a.name.partition(".")[0] for a in stmt.names}
    if isinstance(stmt, ast.ImportFrom):
        return {a.asname or a.name for a in stmt.names if a.name != "*"}
    if isinstance(stmt, ast.Assign):
        return set().union(*(_target_names(t) for t in stmt.targets))
    if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
        return _target_names(stmt.target)
    if isinstance(stmt, ast.Try):
        return set().union(set(), *(_bound(s) for s in _try_statements(stmt)))
    return set()


def _try_statements(stmt: ast.Try) -> list[ast.stmt]:
    return [*stmt.body, *(s for h in stmt.handlers for s in h.body), *stmt.orelse, *stmt.finalbody]


def _imported_modules(stmt: ast.stmt) -> dict[str, str]:
    """Name bound by an import -> the full module or object path it stands for."""
    if isinstance(stmt, ast.Import):
        return {a.asname or a.name.partition(".")[0]: a.name if a.asname else a.name.partition(".")[0]
                for a in stmt.names}
    if isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
        return {a.asname or a.name: f"{stmt.module}.{a.name}" for a in stmt.names if a.name != "*"}
    return {}


def _import_roots(stmt: ast.stmt) -> list[str]:
    if isinstance(stmt, ast.Import):
        return [a.name for a in stmt.names]
    if isinstance(stmt, ast.ImportFrom):
        return [stmt.module or ""]
    return []


@functools.lru_cache(maxsize=256)
def _installed(package: str) -> bool:
    """Whether a top-level package can be imported here (searched for, never imported: the grader's own Python
    installation is the one the sandbox uses)."""
    if not package or package == "__future__" or package in sys.builtin_module_names:
        return True
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def _matches(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


class _Extractor:
    def __init__(self, nb: Notebook, functions, refuse_imports):
        self.nb, self.functions, self.refused = nb, tuple(functions), tuple(refuse_imports)
        self.defined: set[str] = set(_BUILTIN_NAMES)
        self.own: set[str] = set()            # names bound to the notebook's own code (functions, classes, lambdas)
        self.modules: dict[str, str] = {}     # name -> imported module path
        self.wildcard = False                 # `from x import *` was run: any name may exist
        self.lazy_annotations = False
        self.out: list[str] = []
        self.lines: list[tuple[int, int]] = []
        self.cells: list[int] = []
        self.defined_in: dict[str, int] = {}
        self.skipped_code: dict[int, list[tuple[int, int]]] = {}
        self.skipped_imports: list[str] = []
        self.skipped_defs: list[str] = []
        self.skipped_names: dict[str, str] = {}

    # -- the walk -------------------------------------------------------------------------------------------------
    def run(self) -> Extract:
        notes: list[str] = []
        dropped = [_("cell {cell} line {line} `{text}`").format(cell=c.number, line=line, text=text)
                   for c in self.nb.cells for line, text in c.dropped]
        if dropped:
            notes.append(_("IPython magics and shell commands dropped: ") + ", ".join(dropped))
        magic_cells = [_("cell {cell} ({magic})").format(cell=c.number, magic=c.cell_magic)
                       for c in self.nb.cells if c.cell_magic]
        if magic_cells:
            notes.append(_("cells that are not Python, skipped: ") + ", ".join(magic_cells))
        broken = []
        for cell in self.nb.cells:
            if cell.cell_magic:
                continue
            if cell.tree is None:
                if self._holds_graded_function(cell):   # the syntax error is the verdict: let Python report it
                    self._emit(cell, 1, len(cell.source.split("\n")), cell.source)
                else:
                    broken.append(_("cell {cell} ({error})").format(cell=cell.number, error=cell.error))
                continue
            for stmt in cell.tree.body:
                self._statement(cell, stmt)
        if broken:
            notes.append(_("cells with a syntax error, skipped: ") + ", ".join(broken))
        if self.skipped_imports:
            notes.append(_("imports not run: ") + ", ".join(self.skipped_imports))
        if self.skipped_defs:
            notes.append(_("definitions not run (they need names that are not defined when grading): ")
                         + ", ".join(self.skipped_defs))
        if self.skipped_code:
            spans = ", ".join(_("cell {cell} ({error})").format(cell=c, error=_spans(s))
                              for c, s in self.skipped_code.items())
            notes.append(_("top-level code not run when grading (only imports, definitions and constants are): "
                           "{spans}").format(spans=spans))
        return Extract(self.nb.name, "".join(self.out), self.lines, self.cells, self.defined_in, notes,
                       self.skipped_names)

    def _holds_graded_function(self, cell: Cell) -> bool:
        return any(re.search(rf"^(?:async\s+)?def\s+{re.escape(fn)}\s*\(", cell.source, flags=re.M)
                   for fn in self.functions)

    def _statement(self, cell: Cell, stmt: ast.stmt) -> None:
        first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])
        try:
            reason = self._why_not(stmt)
        except RecursionError:   # an expression nested thousands deep: not read, so not run
            reason = "code", _("too deeply nested to read")
        if reason is None:
            self._keep(cell, stmt, first)
            return
        kind, why = reason
        shown = _first_line(cell.source, first)
        if kind == "import":
            self.skipped_imports.append(_("cell {cell} line {line} `{text}` ({why})").format(
                cell=cell.number, line=first, text=shown, why=why))
        elif kind == "definition":
            self.skipped_defs.append(_("{kind} {name} (cell {cell}: {why})").format(
                kind=_def_word(stmt), name=stmt.name, cell=cell.number, why=why))
        elif not _silent(stmt):   # a `pass` left by a dropped magic, or a docstring
            self.skipped_code.setdefault(cell.number, []).append((first, stmt.end_lineno or first))
        where = _("cell {cell}, line {line}").format(cell=cell.number, line=first)
        for name in _bound(stmt) - self.defined - set(self.skipped_names):   # the first reason is the root cause
            if kind == "import":
                self.skipped_names[name] = _("is imported in {where}, which is not run when grading ({why})").format(
                    where=where, why=why)
            elif kind == "definition":
                self.skipped_names[name] = _("is defined in {where}, which is not run when grading ({why})").format(
                    where=where, why=why)
            else:
                self.skipped_names[name] = _("is set in {where}, which is not run when grading ({why}); compute it "
                                             "inside your function, or make it a constant").format(where=where, why=why)

    def _why_not(self, stmt: ast.stmt) -> tuple[str, str] | None:
        """None when ``stmt`` runs at import; else (kind, reason)."""
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            return self._import_problem(stmt)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            missing = self._missing(stmt)
            return ("definition", _("needs ") + ", ".join(sorted(missing))) if missing else None
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            return self._assignment_problem(stmt)
        if isinstance(stmt, ast.Try):
            parts = _try_statements(stmt)
            if all(isinstance(s, (ast.Import, ast.ImportFrom, ast.Pass)) for s in parts) and \
                    all(isinstance(h.type, (ast.Name, type(None))) for h in stmt.handlers) and \
                    not any(self._import_problem(s) for s in parts if not isinstance(s, ast.Pass)):
                return None
            return "code", _("a try block that does more than import")
        return "code", _("not a definition")

    def _import_problem(self, stmt) -> tuple[str, str] | None:
        if isinstance(stmt, ast.ImportFrom) and stmt.level:
            return "import", _("a relative import")
        for module in _import_roots(stmt):
            if _matches(module, DISPLAY_ONLY):
                return "import", _("plotting and notebook-only packages are not imported when grading")
            if self.refused and module.partition(".")[0] in self.refused:
                return "import", _("this exercise is written with numpy alone")
            if not _installed(module.partition(".")[0]):
                return "import", _("not installed where grading runs")
        return None

    def _missing(self, stmt) -> set[str]:
        names = _Names(self.lazy_annotations)
        names.visit(stmt)
        return set() if self.wildcard else names.loads - self.defined

    def _assignment_problem(self, stmt) -> tuple[str, str] | None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        if stmt.value is None or not all(_plain_target(t) for t in targets):
            return "code", _("not an assignment of a constant to a name")
        names = _Names(self.lazy_annotations)
        names.visit(stmt.value)
        missing = set() if self.wildcard else names.loads - self.defined
        if missing:
            return "code", _("it uses {names}, which is not defined when grading").format(
                names=", ".join(sorted(missing)))
        for call in names.calls:
            if not self._constant_call(call):
                return "code", _("it calls {callee}").format(callee=_callee_text(call))
        if names.calls and names.loads & self.own:
            return "code", _("it passes the notebook's own code to a call")
        return None

    def _constant_call(self, call: ast.Call) -> bool:
        chain, root = [], call.func
        while True:
            if isinstance(root, ast.Attribute):
                chain.append(root.attr)
                root = root.value
            elif isinstance(root, ast.Call):
                root = root.func
            elif isinstance(root, ast.Subscript):
                root = root.value
            else:
                break
        if any(attr in _FILE_CALLS for attr in chain):
            return False
        if isinstance(root, ast.Constant):
            return True
        if not isinstance(root, ast.Name) or root.id in self.own:
            return False
        if root.id in self.modules:
            path = self.modules[root.id]
            return path.partition(".")[0] in CONSTANT_LIBRARIES and path.rpartition(".")[2] not in _FILE_CALLS
        return not chain and root.id in _SAFE_BUILTINS and root.id not in self.defined_in

    # -- output ---------------------------------------------------------------------------------------------------
    def _keep(self, cell: Cell, stmt: ast.stmt, first: int) -> None:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            self.lazy_annotations |= any(a.name == "annotations" for a in stmt.names)
        if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
            self.wildcard = True
        bound = _bound(stmt)
        for part in ([stmt] if not isinstance(stmt, ast.Try) else _try_statements(stmt)):
            self.modules.update(_imported_modules(part))
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or (
                isinstance(stmt, (ast.Assign, ast.AnnAssign)) and isinstance(stmt.value, ast.Lambda)):
            self.own |= bound
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            self.own -= bound
            if isinstance(stmt.value, ast.Name) and stmt.value.id in self.own:
                self.own |= bound          # an alias of the notebook's own function
        self.defined |= bound
        for name in bound:
            self.defined_in[name] = cell.number
            self.skipped_names.pop(name, None)
        col = 0 if first != stmt.lineno or not hasattr(stmt, "col_offset") else stmt.col_offset
        self._emit(cell, first, stmt.end_lineno or first, _segment(cell.source, first, col, stmt))

    def _emit(self, cell: Cell, first: int, last: int, text: str) -> None:
        text_lines = text.split("\n")
        self.out.append("\n".join(text_lines) + "\n")
        self.lines += [(cell.number, min(first + i, last)) for i in range(len(text_lines))]
        if not self.cells or self.cells[-1] != cell.number:
            self.cells.append(cell.number)


def _silent(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))


def _plain_target(target: ast.AST) -> bool:
    if isinstance(target, ast.Name):
        return True
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_plain_target(t) for t in target.elts)
    return isinstance(target, ast.Starred) and _plain_target(target.value)


def _segment(source: str, first: int, col: int, stmt: ast.stmt) -> str:
    """The statement's text: from line ``first`` (column ``col``) to its end, by ast's UTF-8 byte offsets."""
    lines = source.split("\n")
    last, end_col = stmt.end_lineno or first, stmt.end_col_offset
    chunk = [line.encode() for line in lines[first - 1:last]]
    if end_col is not None:
        chunk[-1] = chunk[-1][:end_col]
    chunk[0] = chunk[0][col:]
    return "\n".join(c.decode("utf-8", "replace") for c in chunk)


def _first_line(source: str, line: int) -> str:
    text = source.split("\n")[line - 1].strip()
    return text if len(text) <= 60 else text[:57] + "..."


def _def_word(stmt) -> str:
    return "class" if isinstance(stmt, ast.ClassDef) else "def"


def _callee_text(call: ast.Call) -> str:
    text = ast.unparse(call.func)
    return (text if len(text) <= 40 else text[:37] + "...") + "()"


def _spans(spans: list[tuple[int, int]]) -> str:
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    parts = [f"{a}" if a == b else f"{a}-{b}" for a, b in merged]
    return (_("line {lines}") if len(parts) == 1 and "-" not in parts[0] else _("lines {lines}")).format(
        lines=", ".join(parts))
