"""Exercise 8: the ground truth is autograd, pinned answers agree with torch, realistic wrong versions lose the right
points (one mistake, the check named after it), each named mistake is shown for the mutant that makes it (and for no
other), finished functions earn their points while another is a TODO, trivial submissions earn nothing, and
acceptable variations score full marks."""
import inspect

import numpy as np
import pytest
from hypothesis import given, settings

from conftest import (EXERCISES, TRIVIAL_BODIES, assert_full_marks, assert_misconception, check_mutant, failed_checks,
                      generated_cases, load_module, misconception_ids, mistake_by_id, mutant, mutant_params, mutate,
                      solution_source, trivial_source)
from grader import course
from grader.checking.deferred import build
from grader.checking.mistakes import RAISES
from grader.checking.student import CallRecord
from grader.course.ex08_pool_backward import checks as ex08
from grader.course.ex08_pool_backward.mistakes import MISTAKES

N = 8

# check names, by the function that runs each check
NAME = {c.run: c.name for c in course.get(N).checks}
RELU, RELU_UNCHANGED = NAME["relu_matches_torch"], NAME["relu_inputs_unchanged"]
MAX_SLIDES, MAX_RANDOM, MAX_OVERLAP, MAX_TIES, MAX_LEFT, MAX_UNCHANGED = (NAME[f"max_pool_{k}"] for k in (
    "slide_examples", "random_shapes", "overlap", "ties", "left_over", "inputs_unchanged"))
AVG_SLIDES, AVG_RANDOM, AVG_OVERLAP, AVG_LEFT, AVG_UNCHANGED = (NAME[f"avg_pool_{k}"] for k in (
    "slide_examples", "random_shapes", "overlap", "left_over", "inputs_unchanged"))
MAX_VALUES = {MAX_SLIDES, MAX_RANDOM, MAX_OVERLAP, MAX_TIES, MAX_LEFT}
AVG_VALUES = {AVG_SLIDES, AVG_RANDOM, AVG_OVERLAP, AVG_LEFT}


def _autograd(fn, dout, x, size=2, stride=None):
    """dL/dx by autograd: x.requires_grad_(), F.op(x).backward(dout), x.grad (the definition of the ground truth)."""
    import torch
    import torch.nn.functional as F

    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    if fn == "relu_backward":
        out = F.relu(xt)
    elif fn == "max_pool_backward":
        out = F.max_pool2d(xt, size, size if stride is None else stride)
    else:
        out = F.avg_pool2d(xt, size, size if stride is None else stride)
    out.backward(torch.tensor(dout, dtype=torch.float64))
    return xt.grad.numpy()


@pytest.mark.parametrize("label,fn,kwargs,answer", ex08.PINNED, ids=[e[0] for e in ex08.PINNED])
def test_pinned_answers_agree_with_torch(label, fn, kwargs, answer):
    np.testing.assert_array_equal(_autograd(fn, **kwargs), answer)
    np.testing.assert_array_equal(ex08.TRUTH[fn](**kwargs), answer)


@pytest.mark.parametrize("fn,x_values,overlap,layout", [
    ("max_pool_backward", "distinct", False, "even"), ("max_pool_backward", "distinct", True, "even"),
    ("max_pool_backward", "ties", False, "even"), ("max_pool_backward", "distinct", False, "left_over"),
    ("avg_pool_backward", "any", False, "even"), ("avg_pool_backward", "any", True, "even"),
    ("avg_pool_backward", "any", False, "left_over")])
def test_kernel_truth_equals_autograd(fn, x_values, overlap, layout):
    """The backward kernels the checks call directly give exactly what autograd gives, ties, overlaps and rows left
    over included."""
    @settings(max_examples=60)
    @given(build(ex08.pool_cases(overlap=overlap, x_values=x_values, layout=layout)))
    def run(case):
        np.testing.assert_array_equal(ex08.TRUTH[fn](**case), _autograd(fn, **case))
    run()


def test_relu_kernel_truth_equals_autograd():
    @settings(max_examples=60)
    @given(build(ex08.relu_cases()))
    def run(case):
        np.testing.assert_array_equal(ex08.relu_truth(**case), _autograd("relu_backward", **case))
    run()


def test_pinned_slide_forward_values():
    """The slides' forward results, which the backward examples rely on, are what torch computes."""
    import torch.nn.functional as F

    from grader.checking import truth

    np.testing.assert_array_equal(F.relu(truth.tensor(ex08.SLIDE_RELU_X)).numpy(),
                                  [[2, 1, 0], [0, 1, 3], [2, 1, 1]])
    np.testing.assert_array_equal(F.max_pool2d(truth.tensor(ex08.SLIDE_MAP), 2).numpy()[0, 0], [[123, 253], [187, 165]])
    np.testing.assert_array_equal(F.max_pool2d(truth.tensor(ex08.SLIDE_MAP_2), 2).numpy()[0, 0], [[3, 5], [2, 4]])


def test_torch_tie_rule_is_first_maximum_row_major():
    """The rule the stub documents: autograd through F.max_pool2d sends a tie's gradient to the first maximum."""
    x = np.zeros((1, 1, 2, 2))
    np.testing.assert_array_equal(_autograd("max_pool_backward", np.full((1, 1, 1, 1), 5.0), x), [[[[5, 0], [0, 0]]]])
    x = np.array([[[[0.0, 3.0], [3.0, 3.0]]]])
    np.testing.assert_array_equal(_autograd("max_pool_backward", np.ones((1, 1, 1, 1)), x), [[[[0, 1], [0, 0]]]])


def test_right_answers_have_the_stub_signatures():
    """MISTAKES.right binds a failing call's arguments: it must take exactly the student function's parameters."""
    stub = load_module(N, EXERCISES)
    for fn, right in MISTAKES.right.items():
        assert list(inspect.signature(right).parameters.values()) == \
            list(inspect.signature(getattr(stub, fn)).parameters.values()), fn


LEFT_OVER = ex08.left_over_examples("max_pool_backward") + ex08.left_over_examples("avg_pool_backward")


@pytest.mark.parametrize("label,fn,kwargs,answer", LEFT_OVER, ids=[f"{e[1]}: {e[0]}" for e in LEFT_OVER])
def test_left_over_answers_agree_with_autograd(label, fn, kwargs, answer):
    np.testing.assert_array_equal(_autograd(fn, **kwargs), answer)


def test_the_left_over_check_tries_windows_that_divide_evenly_first():
    """Code that raises on every input fails on an input whose windows divide evenly, where asserting divisibility
    would not raise: it is not said to require an even division. The second input leaves row 4 and column 4 over,
    whose gradient is 0; no window overlaps another, and the values are distinct."""
    (_, _, even, _), (_, _, uneven, answer) = ex08.left_over_examples("max_pool_backward")
    assert (5 - 2) % even["stride"] == 0 and "stride" not in uneven and (5 - 2) % 2 == 1
    assert not answer[0, 0, 4, :].any() and not answer[0, 0, :, 4].any()
    assert len(np.unique(ex08.LEFT_OVER_MAP)) == ex08.LEFT_OVER_MAP.size


@pytest.mark.parametrize("label,fn,kwargs,answer", ex08.PINNED + LEFT_OVER,
                         ids=[e[0] for e in ex08.PINNED] + [f"{e[1]}: {e[0]}" for e in LEFT_OVER])
def test_pinned_inputs_tell_the_misconceptions_apart(label, fn, kwargs, answer):
    """On every pinned input, each named mistake's wrong answer is either the right answer or its own: the student
    who makes it is told exactly its message (a mistake whose code raises: a call that raised is told it)."""
    arguments = MISTAKES.bind(fn, (), kwargs)
    for entry in MISTAKES.entries:
        if entry.function != fn:
            continue
        try:
            value = entry.wrong(**arguments)
        except ValueError:   # the mistake makes no difference on this input
            continue
        if value is RAISES:
            record = CallRecord(fn, (), kwargs, None, raised=("AssertionError", "Exception"))
            assert MISTAKES.diagnose(record) == entry.message, entry.id
        elif not np.allclose(value, answer):
            assert MISTAKES.diagnose(CallRecord(fn, (), kwargs, value)) == entry.message, entry.id


def test_the_tie_examples_isolate_the_tie_rule():
    """The ties check's pinned inputs have windows that divide evenly and whose ties each send their gradient to a
    position of its own: assigning (=) instead of adding (+=) changes nothing there, only a tie rule does."""
    for label, fn, kwargs, answer in ex08.MAX_TIES:
        arguments = MISTAKES.bind(fn, (), kwargs)
        for ident in ("ex08-max-overwrite", "ex08-max-overwrite-window"):
            np.testing.assert_array_equal(MISTAKES.by_id(ident).wrong(**arguments), answer, err_msg=label)
        with pytest.raises(ValueError):   # the windows divide evenly: requiring it makes no difference
            MISTAKES.by_id("ex08-max-must-divide").wrong(**arguments)
        assert any(not np.array_equal(MISTAKES.by_id(f"ex08-max-{rule}-tie").wrong(**arguments), answer)
                   for rule in ("every", "split", "last")), label


@settings(max_examples=80)
@given(*build((ex08.pool_cases(overlap=False, x_values="distinct"), ex08.pool_cases(overlap=True),
               ex08.pool_cases(x_values="ties"), ex08.pool_cases(layout="left_over"))))
def test_each_strategy_isolates_its_behaviour(side_by_side, overlapping, ties, left_over):
    """Random shapes: no overlap, no ties, no rows left over; overlap: stride < size, windows that divide evenly;
    ties: no overlap, nothing left over; left over: no overlap, distinct values, a stride that does not divide."""
    def layout(case):
        size = case.get("size", 2)
        step = case.get("stride") or size
        h, w = case["x"].shape[2:]
        assert case["dout"].shape[2:] == ((h - size) // step + 1, (w - size) // step + 1)
        return step < size, bool((h - size) % step or (w - size) % step)

    def tied(case):
        size = case.get("size", 2)
        step = case.get("stride") or size
        x = case["x"]
        return any(np.sum(win == win.max()) > 1 for n in range(x.shape[0]) for c in range(x.shape[1])
                   for i in range(case["dout"].shape[2]) for j in range(case["dout"].shape[3])
                   for win in [x[n, c, i * step:i * step + size, j * step:j * step + size]])

    assert layout(side_by_side) == (False, False) and not tied(side_by_side)
    assert layout(overlapping) == (True, False) and not tied(overlapping)
    assert layout(ties) == (False, False)
    assert layout(left_over) == (False, True) and not tied(left_over)


# -- the generated cases reach every branch of every rule ------------------------------------------------------------
@pytest.fixture(scope="module")
def generated():
    """Every check's generated cases, as the reference meets them (the same for every submission that passes), by
    check name."""
    return generated_cases(N)


def _pool_branches(case) -> set:
    """What a pooling case exercises: how size and stride are passed, the layout of the windows, N vs C."""
    size = case.get("size", 2)
    step = case.get("stride") or size
    (n, c, h, w), seen = case["x"].shape, set()
    seen.add("size left out" if "size" not in case else f"size {size}")
    seen.add("stride left out" if "stride" not in case else "stride=None" if case["stride"] is None else
             "stride < size" if step < size else "stride = size" if step == size else "stride > size")
    seen.add({(False, False): "even", (True, False): "rows left over", (False, True): "columns left over",
              (True, True): "rows and columns left over"}[((h - size) % step > 0, (w - size) % step > 0)])
    seen.add("N != C" if n != c else "N == C")
    return seen


SIDE_BY_SIDE = {"size left out", "size 1", "size 2", "size 3", "stride left out", "stride=None", "stride = size",
                "stride > size", "even", "N != C"}
OVERLAPPING = {"size left out", "size 2", "size 3", "stride < size", "even", "N != C"}
LEFT_OVER_BRANCHES = {"size left out", "size 1", "size 2", "size 3", "stride left out", "stride=None",
                      "stride = size", "stride > size", "rows left over", "columns left over",
                      "rows and columns left over", "N != C"}
# (check, the keyword arguments of its strategy and tour, the branches its cases must reach)
EVERY_BRANCH = [
    (MAX_RANDOM, dict(fn="max_pool_backward"), SIDE_BY_SIDE),
    (MAX_OVERLAP, dict(fn="max_pool_backward", overlap=True), OVERLAPPING),
    (MAX_TIES, dict(fn="max_pool_backward", x_values="ties"), SIDE_BY_SIDE),
    (MAX_LEFT, dict(fn="max_pool_backward", layout="left_over"), LEFT_OVER_BRANCHES),
    (AVG_RANDOM, dict(fn="avg_pool_backward", x_values="any"), SIDE_BY_SIDE),
    (AVG_OVERLAP, dict(fn="avg_pool_backward", overlap=True, x_values="any"), OVERLAPPING),
    (AVG_LEFT, dict(fn="avg_pool_backward", x_values="any", layout="left_over"), LEFT_OVER_BRANCHES),
]


@pytest.mark.parametrize("check,kwargs,branches", EVERY_BRANCH, ids=[name for name, _, _ in EVERY_BRANCH])
def test_every_check_reaches_every_branch_and_only_its_own(generated, check, kwargs, branches):
    """The fixed tour after the generated cases reaches every way of passing size and stride and every layout of
    the check, whatever the random draws (which depend on the hidden-input secret) meet; no case of a check strays
    into another check's layout (overlap, rows left over)."""
    rows = ex08.tour(**kwargs)
    assert all(fn == kwargs["fn"] for _, fn, _, _ in rows)
    toured = set().union(*(_pool_branches(case) for _, _, case, _ in rows))
    assert branches <= toured, sorted(branches - toured)
    everything = toured | set().union(*(_pool_branches(case) for case in generated[check]))
    assert everything - branches <= {"N == C"}, sorted(everything - branches)
    if kwargs.get("x_values", "distinct") == "distinct":   # the stub: only the ties check has tied maxima
        for _, _, case, _ in rows:
            assert len(np.unique(case["x"])) == case["x"].size


def test_the_hygiene_checks_draw_the_simplest_layout(generated):
    """Windows side by side or with gaps, nothing left over: a function that passes its random-shapes check is
    judged there, whatever else it gets wrong."""
    for check in (MAX_UNCHANGED, AVG_UNCHANGED):
        seen = set().union(*(_pool_branches(case) for case in generated[check]))
        assert seen <= SIDE_BY_SIDE | {"N == C"}, sorted(seen)


def test_relu_cases_reach_every_shape_and_sign(generated):
    cases = generated[RELU] + [kwargs for _, _, kwargs, _ in ex08.relu_tour()]
    assert {case["x"].ndim for case in cases} == {1, 2, 3, 4}
    for _, _, kwargs, _ in ex08.relu_tour():
        assert (kwargs["x"] < 0).any() and (kwargs["x"] == 0).any() and (kwargs["x"] > 0).any()


# -- wrong versions -------------------------------------------------------------------------------------------------
_ARGMAX_LOOP = """            first = np.argmax(window, axis=2)  # first maximum in row-major order, as torch
            p, q = np.divmod(first, size)
            for a in range(n):
                for b in range(c):
                    dx[a, b, h0 + p[a, b], w0 + q[a, b]] += dout[a, b, i, j]
"""
_MASK_LOOP = """            win = x[:, :, h0:h0 + size, w0:w0 + size]
            mask = win == win.max(axis=(2, 3), keepdims=True)
            dx[:, :, h0:h0 + size, w0:w0 + size] += {share} * dout[:, :, i:i + 1, j:j + 1]
"""
_RELU = "    return dout * (x > 0)\n"
_FIRST_ONLY = "(mask & (np.cumsum(mask.reshape(n, c, -1), axis=2) == 1).reshape(mask.shape))"
_MAX_START = "    stride = size if stride is None else stride\n    n, c, h_out, w_out = dout.shape\n"
_AVG_START = "    stride = size if stride is None else stride\n    h_out, w_out = dout.shape[2:]\n"
_DIVIDES = ("    assert (x.shape[2] - size) % stride == 0 and (x.shape[3] - size) % stride == 0, "
            "'the windows must tile x'\n")
_CEIL = "    h_out, w_out = (-(-(d - size) // stride) + 1 for d in x.shape[2:])\n"
_AVG_ADD = "            dx[:, :, h0:h0 + size, w0:w0 + size] += dout[:, :, i:i + 1, j:j + 1] / (size * size)\n"
_AVG_LOOP = ("    dx = np.zeros(x.shape)\n    for i in range(h_out):\n        for j in range(w_out):\n"
             "            h0, w0 = i * stride, j * stride\n" + _AVG_ADD)

# mutant(name, old snippet of the reference, replacement, checks that must fail, named mistake, checks showing it):
# a mutant fails exactly the checks its row lists (besides hygiene checks of a function none of whose value checks
# passed); with a named mistake it shows it on every check in shown_on and no other message anywhere, without one
# it is shown no message at all.
MUTANTS = [
    mutant("relu mask from dout", _RELU, "    return dout * (dout > 0)\n", {RELU}, "ex08-relu-dout-mask", {RELU}),
    mutant("relu passes everything", _RELU, "    return dout.copy()\n", {RELU}, "ex08-relu-identity", {RELU}),
    mutant("relu gradient at zero", _RELU, "    return dout * (x >= 0)\n", {RELU}, "ex08-relu-at-zero", {RELU}),
    mutant("relu times relu(x)", _RELU, "    return dout * np.maximum(x, 0)\n", {RELU}, "ex08-relu-times-relu",
           {RELU}),
    mutant("relu mask only", _RELU, "    return (x > 0).astype(float)\n", {RELU}, "ex08-relu-mask-only", {RELU}),
    # right values, dout changed: the hygiene check says so (dx is dout itself)
    mutant("relu zeroes dout in place (dx = dout; dx[x <= 0] = 0)", _RELU,
           "    dx = dout\n    dx[x <= 0] = 0\n    return dx\n", {RELU_UNCHANGED}),
    # dout changed AND the gradient passed at x == 0: the value check names the second, the hygiene check waits
    mutant("relu zeroes dout in place where x < 0", _RELU, "    dx = dout\n    dx[x < 0] = 0\n    return dx\n",
           {RELU}, "ex08-relu-at-zero", {RELU}),
    mutant("relu clears x", _RELU, "    dx = dout * (x > 0)\n    x[...] = 0\n    return dx\n", {RELU_UNCHANGED}),

    mutant("max: every tied maximum", _ARGMAX_LOOP, _MASK_LOOP.format(share="mask"), {MAX_TIES},
           "ex08-max-every-tie", {MAX_TIES}),
    mutant("max: tie split", _ARGMAX_LOOP, _MASK_LOOP.format(share="mask / mask.sum(axis=(2, 3), keepdims=True)"),
           {MAX_TIES}, "ex08-max-split-tie", {MAX_TIES}),
    mutant("max: last tied maximum", "first = np.argmax(window, axis=2)",
           "first = size * size - 1 - np.argmax(window[:, :, ::-1], axis=2)", {MAX_TIES}, "ex08-max-last-tie",
           {MAX_TIES}),
    mutant("max: overlapping windows overwrite", "+= dout[a, b, i, j]", "= dout[a, b, i, j]", {MAX_OVERLAP},
           "ex08-max-overwrite", {MAX_OVERLAP}),
    mutant("max: window slice assigned", _ARGMAX_LOOP, _MASK_LOOP.format(share=_FIRST_ONLY).replace("] +=", "] ="),
           {MAX_OVERLAP}, "ex08-max-overwrite-window", {MAX_OVERLAP}),
    mutant("max: asserts that the windows divide evenly", _MAX_START, _MAX_START + _DIVIDES, {MAX_LEFT},
           "ex08-max-must-divide", {MAX_LEFT}),
    mutant("max: H_out from x, rounded up", _MAX_START, _MAX_START + _CEIL, {MAX_LEFT}, "ex08-max-must-divide",
           {MAX_LEFT}),
    mutant("max: stride ignored", "stride = size if stride is None else stride\n    n, c",
           "stride = size\n    n, c", {MAX_OVERLAP, MAX_RANDOM, MAX_TIES, MAX_LEFT}),
    mutant("max: window offset without stride", "h0, w0 = i * stride, j * stride\n            window",
           "h0, w0 = i, j\n            window", MAX_VALUES),
    mutant("max: clears x", "    return dx\n\n\ndef avg_pool_backward",
           "    x[...] = 0\n    return dx\n\n\ndef avg_pool_backward", {MAX_UNCHANGED}),

    mutant("avg: not divided by the window size", "/ (size * size)", "", AVG_VALUES, "ex08-avg-not-divided",
           {AVG_SLIDES}),
    mutant("avg: divided by size", "/ (size * size)", "/ size", AVG_VALUES, "ex08-avg-divided-by-size", {AVG_SLIDES}),
    mutant("avg: overlapping windows overwrite", "w0:w0 + size] += dout", "w0:w0 + size] = dout", {AVG_OVERLAP},
           "ex08-avg-overwrite", {AVG_OVERLAP}),
    mutant("avg: asserts that the windows divide evenly", _AVG_START, _AVG_START + _DIVIDES, {AVG_LEFT},
           "ex08-avg-must-divide", {AVG_LEFT}),
    mutant("avg: stride None means 1", "stride = size if stride is None else stride\n    h_out",
           "stride = 1 if stride is None else stride\n    h_out", {AVG_SLIDES, AVG_RANDOM, AVG_LEFT}),
    mutant("avg: divides dout in place", _AVG_LOOP,
           "    dout /= size * size\n" + _AVG_LOOP.replace(" / (size * size)", ""), {AVG_UNCHANGED}),
]


@mutant_params(MUTANTS)
def test_mutant_loses_points_on_the_right_check(graded, m):
    result = check_mutant(graded, N, m)
    if m.mistake is None:
        assert_misconception(result, None)  # a mutant without a named mistake is shown none
    # one mistake, one check: every mutant fails exactly the checks its row lists, besides the hygiene checks of a
    # function none of whose value checks passed
    judged = {name for name, c in failed_checks(result).items() if "earned once" not in c.message}
    assert judged == m.must_fail | m.shown_on, sorted(judged)


def test_every_ex08_misconception_has_a_mutant():
    assert set(misconception_ids(N)) == {m.mistake for m in MUTANTS if m.mistake}


def test_dout_changed_in_place_is_told_that_dx_is_dout(grade_mutant):
    result = grade_mutant("relu zeroes dout in place (dx = dout; dx[x <= 0] = 0)")
    assert result.score == result.max_score - 1
    check = failed_checks(result)[RELU_UNCHANGED]
    assert "relu_backward() changed its argument 'dout' in place" in check.message, check.message
    assert any("what relu_backward() returned is 'dout' itself" in line for line in check.details), check.details
    assert result.hint == next(c.hint for c in course.get(N).checks if c.name == RELU_UNCHANGED)


def test_passing_the_gradient_at_zero_in_place_costs_the_value_check(grade_mutant):
    """dx = dout; dx[x < 0] = 0 is wrong where x == 0 (named) and changes dout: the hygiene check is not earned."""
    failed = failed_checks(grade_mutant("relu zeroes dout in place where x < 0"))
    assert set(failed) == {RELU, RELU_UNCHANGED}
    assert "earned once relu_backward() returns correct values" in failed[RELU_UNCHANGED].message


@pytest.mark.parametrize("name", ["max: asserts that the windows divide evenly",
                                  "avg: asserts that the windows divide evenly"])
def test_asserting_even_windows_is_named_on_the_left_over_check_only(grade_mutant, name):
    failed = failed_checks(grade_mutant(name))
    (check,) = failed.values()
    assert "raised AssertionError" in check.message and "row 4 and column 4" in check.message, check.message


def test_the_hint_shown_is_the_failed_checks(grade_mutant):
    """A tie sent to every maximum fails the ties check only: its hint is shown, not the exercise's first (ReLU)."""
    result = grade_mutant("max: every tied maximum")
    assert set(failed_checks(result)) == {MAX_TIES}
    assert result.hint == next(c.hint for c in course.get(N).checks if c.name == MAX_TIES)


# -- per function: a finished function earns its points while another is a TODO --------------------------------------
TODO = "    raise NotImplementedError\n"


def _todo(source: str, fn: str) -> str:
    """``source`` with the body of ``fn`` (after its docstring) replaced by raise NotImplementedError."""
    start = source.index(f"def {fn}(")
    body = source.index('"""\n', source.index('"""', start) + 3) + 4
    end = source.find("\n\n\ndef ", body)
    return source[:body] + TODO + (source[end + 1:] if end != -1 else "")


def test_every_check_judges_one_function_and_hygiene_comes_with_a_value_check():
    ex = course.get(N)
    assert ex.points == 15   # the total of the exercise before the checks were split per function
    for fn in ex.functions:
        mine = [c for c in ex.checks if c.function == fn]
        assert [c.name for c in mine if c.hygiene] == [NAME[f"{fn.split('_backward')[0]}_inputs_unchanged"]], fn
        assert any(not c.hygiene for c in mine), fn
    assert all(c.function in ex.functions and c.hint for c in ex.checks)


def test_finished_functions_earn_their_points_while_avg_pool_is_a_todo(graded):
    result = graded(N, _todo(solution_source(N), "avg_pool_backward"))
    failed = failed_checks(result)
    assert set(failed) == AVG_VALUES | {AVG_UNCHANGED}, sorted(failed)
    assert all(c.not_implemented and "avg_pool_backward() is not implemented yet" in c.message
               for c in failed.values())
    assert result.score == result.max_score - 5


def test_a_finished_relu_earns_its_points_while_the_pools_are_todos(graded):
    source = _todo(_todo(solution_source(N), "avg_pool_backward"), "max_pool_backward")
    result = graded(N, source)
    assert {c.name for c in result.checks if c.passed} == {RELU, RELU_UNCHANGED}
    assert result.score == 2


# -- submissions that compute nothing useful earn nothing -------------------------------------------------------------
TRIVIAL = {**TRIVIAL_BODIES, "returns zeros of x's shape": "return np.zeros_like(x)", "returns x": "return x"}


@pytest.mark.parametrize("body", TRIVIAL.values(), ids=list(TRIVIAL))
def test_trivial_submissions_earn_nothing(graded, body):
    """Each scores exactly 0 and every hygiene check says what earns it. No mistake is named, except that a
    relu_backward returning dout is told it passed dout through everywhere (exactly what it did)."""
    result = graded(N, trivial_source(N, body))
    assert result.score == 0, [(c.name, c.points) for c in result.checks if c.passed]
    for check in course.get(N).checks:
        got = next(c for c in result.checks if c.name == check.name)
        if check.hygiene:
            assert f"earned once {check.function}() returns correct values" in got.message, got.message
    named = {c.name: c.misconception for c in result.checks if c.misconception}
    identity = mistake_by_id("ex08-relu-identity").message
    assert named == ({RELU: identity} if body == "return {first}" else {}), named


# -- acceptable variations score full marks -----------------------------------------------------------------------
ALTERNATIVES = [
    ("relu with np.where", _RELU, "    return np.where(x > 0, dout, 0.0)\n"),
    ("relu on a copy of dout", _RELU, "    dx = dout.copy()\n    dx[x <= 0] = 0\n    return dx\n"),
    ("max pooling one window at a time with np.unravel_index", _ARGMAX_LOOP, """            for a in range(n):
                for b in range(c):
                    win = x[a, b, h0:h0 + size, w0:w0 + size]
                    p, q = np.unravel_index(np.argmax(win), win.shape)
                    dx[a, b, h0 + p, w0 + q] += dout[a, b, i, j]
"""),
    ("max pooling: H_out and W_out from x's shape (rounded down), stride = stride or size", _MAX_START,
     "    stride = stride or size\n    n, c = dout.shape[:2]\n"
     "    h_out, w_out = ((d - size) // stride + 1 for d in x.shape[2:])\n"),
    ("average pooling element by element", _AVG_ADD, """            for p in range(size):
                for q in range(size):
                    dx[:, :, h0 + p, w0 + q] += dout[:, :, i, j] / size ** 2
"""),
]


@pytest.mark.parametrize("name,old,new", ALTERNATIVES, ids=[a[0] for a in ALTERNATIVES])
def test_acceptable_variation_scores_full_marks(graded, name, old, new):
    assert_full_marks(graded(N, mutate(solution_source(N), old, new)))
