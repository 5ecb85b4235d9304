"""Mutation score: how many automatically made wrong versions of each reference solution the grader catches.

    python bench/mutation_score.py [--exercises 1-9] [--jobs 2] [--out DIR] [--list]

Each reference in solutions/ is mutated one operator at a time by an AST pass (below): + <-> -, * <-> /, // <-> /,
comparisons flipped or loosened, integer constants off by one, slice bounds and range() ends off by one, indices
and axes swapped, a term of a sum or product dropped, += turned into =, a unary minus dropped, `and` <-> `or`.
Every mutant is graded by the real grader (`grade batch`, one "student" per mutant, resumable in --out), and a
mutant is KILLED when it loses at least one point. Printed per exercise: mutants made, killed, survived, and each
survivor with the line it changed. Survivors are either equivalent (the change does not alter behaviour, e.g.
`x * 1` -> `x / 1`, or a bound that no valid input reaches) or a hole in the checks; EQUIVALENT below lists the
ones judged equivalent, with the reason, so that the score can say "every non-equivalent mutant killed".
"""
from __future__ import annotations

import argparse
import ast
import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import course  # noqa: E402

# (exercise, the reference line that was changed, the mutation) -> why the mutant is equivalent
EQUIVALENT: dict[tuple[int, str, str], str] = {
    # -- exercises 4 and 5 --
    (5, "out[:, :, i, j] = reduce(window, axis=(2, 3))", "swap items 0,1"):
        "np.max and np.mean over axes (3, 2) reduce the same two axes as over (2, 3)",
    # -- exercises 6 and 7 --
    (6, "n = labels.shape[0]", "0->-1"): "labels is 1-D, so labels.shape[-1] is labels.shape[0]",
    (7, "db = dout.sum(axis=(0, 2, 3))", "swap items 0,1"): "a sum over the axes (2, 0, 3) is the sum over (0, 2, 3)",
    (7, "db = dout.sum(axis=(0, 2, 3))", "swap items 1,2"): "a sum over the axes (0, 3, 2) is the sum over (0, 2, 3)",
    # -- end of exercises 6 and 7 --
    # -- exercises 1, 2 and 3 --
    **{(n, "if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):", "swap items 0,1"):
       "isinstance() with the same classes in another order" for n in (2, 3)},
    **{(2, line, what): "only the text of the error message changes (the ValueError is raised all the same)"
       for line, changes in (
           ('raise ValueError(f"the kernel covers {span} pixels, more than the padded input ({n + 2 * padding})")',
            ("Add->Sub", "drop right operand", "drop left operand", "2->3", "2->1")),
           ('raise ValueError(f"a kernel covering {total + 1} pixels (even) cannot keep the size with equal '
            'padding")', ("Add->Sub", "drop right operand", "drop left operand", "1->2", "1->0")),
           ('raise ValueError(f"a window of {f} does not fit the padded input ({n + 2 * padding})")',
            ("Add->Sub", "drop right operand", "drop left operand", "2->3", "2->1")))
       for what in changes},
    (3, '"conv": (("out_channels", "kernel_size"), {"stride": 1, "padding": 0, "bias": True, "groups": 1}),',
     "swap items 0,1"): "the order of the required options only orders the names in the error message",
    **{(3, line, what): "isinstance() or `in` with the same items in another order" for line, what in (
        ("if isinstance(value, (tuple, list)):", "swap items 0,1"),
        ("if not isinstance(spec, (tuple, list)) or not 1 <= len(spec) <= 2 or not isinstance(spec[0], str):",
         "swap items 0,1"),
        ("if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:", "swap items 0,1"),
        ('if name in ("conv", "maxpool", "avgpool") and len(shape) != 3:', "swap items 0,1"),
        ('if name in ("conv", "maxpool", "avgpool") and len(shape) != 3:', "swap items 1,2"),
        ('elif name in ("maxpool", "avgpool"):', "swap items 0,1"))},
    (3, 'f = _whole("out_channels", o["out_channels"], 1)', "1->0"):
        "conv_params(c, f, ...) on the next line refuses out_channels 0 with the same ValueError",
    (3, 'm = _whole("out_features", o["out_features"], 1)', "1->0"):
        "dense_params(n, m, ...) on the next line refuses out_features 0 with the same ValueError",
    (3, 'total += dense_params(shape[0], m, o["bias"])', "0->-1"):
        "the shape is (n,) there (dense needs a flat input), so shape[-1] is shape[0]",
    # -- end of exercises 1, 2 and 3 --
}


class _Sites(ast.NodeVisitor):
    """Collects (node path, replacement) pairs: every single-operator mutation of a module."""

    SWAP_BIN = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div}
    SWAP_CMP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
                ast.NotEq: ast.Eq}

    def __init__(self):
        self.sites: list[tuple[int, str, object]] = []   # (node id, description, mutate(node) -> new node)
        self._in_doc = False

    def add(self, node, what, fn):
        self.sites.append((id(node), what, fn))

    def visit_BinOp(self, node):
        new_op = self.SWAP_BIN.get(type(node.op))
        if new_op is not None:
            self.add(node, f"{type(node.op).__name__}->{new_op.__name__}",
                     lambda n, op=new_op: ast.BinOp(n.left, op(), n.right))
        if isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
            self.add(node, "drop right operand", lambda n: n.left)
            self.add(node, "drop left operand", lambda n: n.right)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        if isinstance(node.op, (ast.Add, ast.Sub)):
            self.add(node, "+= -> =", lambda n: ast.Assign([n.target], n.value, lineno=n.lineno))
            new_op = ast.Sub if isinstance(node.op, ast.Add) else ast.Add
            self.add(node, "+= <-> -=", lambda n, op=new_op: ast.AugAssign(n.target, op(), n.value))
        self.generic_visit(node)

    def visit_Compare(self, node):
        for i, op in enumerate(node.ops):
            new_op = self.SWAP_CMP.get(type(op))
            if new_op is not None:
                def flip(n, i=i, op=new_op):
                    ops = list(n.ops)
                    ops[i] = op()
                    return ast.Compare(n.left, ops, n.comparators)
                self.add(node, f"{type(op).__name__}->{new_op.__name__}", flip)
        self.generic_visit(node)

    def visit_BoolOp(self, node):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        self.add(node, "and<->or", lambda n, op=other: ast.BoolOp(op(), n.values))
        self.generic_visit(node)

    def visit_UnaryOp(self, node):
        if isinstance(node.op, (ast.USub, ast.Not)):
            self.add(node, "drop unary", lambda n: n.operand)
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            return
        if isinstance(node.value, int) and abs(node.value) <= 1024:
            self.add(node, f"{node.value}->{node.value + 1}", lambda n: ast.Constant(n.value + 1))
            self.add(node, f"{node.value}->{node.value - 1}", lambda n: ast.Constant(n.value - 1))
        elif isinstance(node.value, float) and node.value != 0:
            self.add(node, f"{node.value}->{node.value * 2}", lambda n: ast.Constant(n.value * 2))

    def visit_Slice(self, node):
        for part in ("lower", "upper"):
            if getattr(node, part) is not None:
                for delta in (1, -1):
                    def shift(n, part=part, delta=delta):
                        m = copy.copy(n)
                        setattr(m, part, ast.BinOp(getattr(n, part), ast.Add(), ast.Constant(delta)))
                        return m
                    self.add(node, f"slice {part} {delta:+d}", shift)
        self.generic_visit(node)

    def visit_Call(self, node):
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name == "range" and node.args:
            for delta in (1, -1):
                def end(n, delta=delta):
                    args = list(n.args)
                    args[-1 if len(args) <= 2 else 1] = ast.BinOp(args[-1 if len(args) <= 2 else 1], ast.Add(),
                                                                    ast.Constant(delta))
                    return ast.Call(n.func, args, n.keywords)
                self.add(node, f"range end {delta:+d}", end)
        for k, kw in enumerate(node.keywords):
            if kw.arg == "axis":
                self.add(node, "drop axis=", lambda n, k=k: ast.Call(n.func, n.args,
                                                                       [w for j, w in enumerate(n.keywords) if j != k]))
        self.generic_visit(node)

    def visit_Tuple(self, node):
        if 2 <= len(node.elts) <= 4 and isinstance(node.ctx, ast.Load):
            for i in range(len(node.elts) - 1):
                def swap(n, i=i):
                    elts = list(n.elts)
                    elts[i], elts[i + 1] = elts[i + 1], elts[i]
                    return ast.Tuple(elts, n.ctx)
                self.add(node, f"swap items {i},{i + 1}", swap)
        self.generic_visit(node)

    def visit_Expr(self, node):
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return  # docstrings
        self.generic_visit(node)


class _Apply(ast.NodeTransformer):
    def __init__(self, target: int, fn):
        self.target, self.fn, self.done = target, fn, False

    def generic_visit(self, node):
        if not self.done and id(node) == self.target:
            self.done = True
            return ast.copy_location(self.fn(node), node)
        return super().generic_visit(node)


def mutants(source: str) -> list[tuple[str, int, str]]:
    """(mutated source, line, description) for every single mutation that still compiles and changes the code."""
    tree = ast.parse(source)
    sites = _Sites()
    sites.visit(tree)
    lines_by_id = {id(n): getattr(n, "lineno", 0) for n in ast.walk(tree)}
    original = ast.unparse(tree)
    out, seen = [], {original}
    for node_id, what, fn in sites.sites:
        fresh = ast.parse(source)
        ids = {i: n for i, n in zip((id(n) for n in ast.walk(tree)), ast.walk(fresh))}
        target = ids.get(node_id)
        if target is None:
            continue
        applier = _Apply(id(target), fn)
        mutated = ast.fix_missing_locations(applier.visit(fresh))
        try:
            text = ast.unparse(mutated)
            compile(text, "<mutant>", "exec")
        except (SyntaxError, ValueError, TypeError):
            continue
        if text in seen:
            continue
        seen.add(text)
        out.append((text, lines_by_id[node_id], what))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exercises", default="1-9")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "cnn-grader-mutation-score"))
    parser.add_argument("--list", action="store_true", help="only list the mutants, grade nothing")
    args = parser.parse_args()
    numbers = course.select(args.exercises)
    out = Path(args.out)
    subs = out / "submissions"
    subs.mkdir(parents=True, exist_ok=True)
    made: dict[str, tuple[int, int, str, str]] = {}
    for n in numbers:
        ex = course.get(n)
        source = (ROOT / "solutions" / ex.file).read_text()
        src_lines = source.splitlines()
        for k, (text, line, what) in enumerate(mutants(source)):
            student = f"ex{n:02d}-m{k:03d}"
            made[student] = (n, line, what, src_lines[line - 1].strip() if 0 < line <= len(src_lines) else "")
            folder = subs / student
            folder.mkdir(exist_ok=True)
            target = folder / ex.file
            if not target.exists() or target.read_text() != text:
                target.write_text(text)
    if args.list:
        for student, (n, line, what, code) in made.items():
            print(f"{student}  line {line}: {what}: {code}")
        return 0
    cmd = [sys.executable, "-m", "grader.cli", "batch", str(subs), "--out", str(out / "graded"), "--jobs",
           str(args.jobs), "--exercises", args.exercises, "--no-progress"]
    subprocess.run(cmd, check=False, cwd=ROOT, stdout=subprocess.DEVNULL)
    rows = {}
    for line in (out / "graded" / "results.jsonl").read_text().splitlines():
        row = json.loads(line)
        rows[(row["student"], row["exercise"])] = row
    total_made = total_killed = total_equivalent = 0
    for n in numbers:
        mine = {s: v for s, v in made.items() if v[0] == n}
        killed, survivors = 0, []
        for student, (_, line, what, code) in mine.items():
            row = rows.get((student, n))
            if row is None:
                continue
            if row["score"] < row["max_score"]:
                killed += 1
            else:
                survivors.append((student, line, what, code))
        equivalent = [s for s in survivors if (n, s[3], s[2]) in EQUIVALENT]
        total_made, total_killed, total_equivalent = (total_made + len(mine), total_killed + killed,
                                                      total_equivalent + len(equivalent))
        print(f"exercise {n}: {len(mine)} mutants, {killed} killed, {len(survivors)} survived "
              f"({len(equivalent)} judged equivalent)")
        for student, line, what, code in survivors:
            why = EQUIVALENT.get((n, code, what))
            print(f"    {student} line {line} [{what}] {code}" + (f"  -- equivalent: {why}" if why else ""))
    live = total_made - total_killed - total_equivalent
    print(f"all: {total_made} mutants, {total_killed} killed ({total_killed / max(total_made, 1):.1%}), "
          f"{total_equivalent} equivalent, {live} non-equivalent survivors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
