"""Exercise 2: the reference passes, the stub is 'not implemented', pinned answers agree with torch, and realistic
wrong versions lose points on the right check (with the right misconception message, where one is named)."""
import functools
import itertools

import pytest

from conftest import (TRIVIAL_BODIES, assert_earns_its_own_points_only, assert_earns_nothing, assert_misconception,
                      assert_one_function_per_check, check_mutant, failed_checks, misconception_ids, mistake_by_id,
                      mutant, mutant_params, trivial_source, with_reference_functions)
from grader import course
from grader.checking.student import CallRecord
from grader.course.ex02_output_size import checks as ex02
from grader.course.ex02_output_size.mistakes import MISTAKES

N = 2
NAME = {c.run: c.name for c in course.get(N).checks}   # check function -> the name the student sees
SLIDES, CONV, DILATION, SAME = (NAME[r] for r in ("conv_slide_examples", "conv_matches_torch", "conv_dilation",
                                                  "same_padding_keeps_size"))
KERAS, POOL, CEIL, TRANSPOSE = (NAME[r] for r in ("keras_sizes", "pool_matches_torch", "pool_ceil_mode",
                                                  "transpose_matches_torch"))
CONV_INVALID, SAME_INVALID, KERAS_INVALID, POOL_INVALID, TRANSPOSE_INVALID = (NAME[r] for r in (
    "conv_invalid", "same_padding_invalid", "keras_invalid", "pool_invalid", "transpose_invalid"))


@pytest.mark.parametrize("label,fn,kwargs,answer", ex02.SLIDE_EXAMPLES, ids=[e[0] for e in ex02.SLIDE_EXAMPLES])
def test_pinned_slide_answers_agree_with_torch(label, fn, kwargs, answer):
    if fn == "same_padding":  # torch has no same_padding(); the property is: this padding keeps the size
        for n in (kwargs["f"], 9, 32):
            assert ex02.torch_conv(n, kwargs["f"], padding=answer) == n
    else:
        assert ex02.TRUTH[fn](**kwargs) == answer


@pytest.mark.parametrize("label,fn,kwargs,answer", ex02.OVERHANG, ids=[e[0] for e in ex02.OVERHANG])
def test_pinned_ceil_mode_overhang_agrees_with_torch(label, fn, kwargs, answer):
    assert ex02.TRUTH[fn](**kwargs) == ex02.torch_pool(**kwargs) == answer


@pytest.mark.parametrize("label,fn,kwargs,answer", ex02.TRANSPOSE_EXAMPLES, ids=[e[0] for e in ex02.TRANSPOSE_EXAMPLES])
def test_pinned_transpose_example_agrees_with_torch_and_tells_the_mistakes_apart(label, fn, kwargs, answer):
    assert ex02.TRUTH[fn](**kwargs) == answer
    bound = MISTAKES.bind(fn, (), kwargs)
    wrong = [entry.wrong(**bound) for entry in MISTAKES.entries if entry.function == fn]
    assert len(set(wrong + [answer])) == len(wrong) + 1, wrong


@pytest.mark.parametrize("f,dilation", [(f, d) for f in range(1, 9) for d in (1, 2, 3)])
def test_same_padding_truth_keeps_the_size_in_torch(f, dilation):
    if (dilation * (f - 1)) % 2:
        with pytest.raises(ValueError):
            ex02.same_padding_truth(f, dilation)
    else:
        p = ex02.same_padding_truth(f, dilation)
        assert all(ex02.torch_conv(n, f, padding=p, dilation=dilation) == n for n in (1, 9, 32))


INVALID_ROWS = [(fn, *row) for fn, rows in ex02.INVALID.items() for row in rows]


@pytest.mark.parametrize("fn,kwargs,why,torch_refuses", INVALID_ROWS, ids=[f"{r[0]}{r[1]}" for r in INVALID_ROWS])
def test_invalid_arguments_are_refused_by_torch_too(fn, kwargs, why, torch_refuses):
    """The rows marked so are refused by torch too; the others are the exercise's own rules: a bool is not a size
    (torch takes True as 1), and same_padding and Keras' padding strings have no torch twin."""
    if fn == "same_padding":
        assert not torch_refuses
        return
    truth = ex02.TRUTH[fn]
    if fn == "conv_output_size":
        truth = functools.partial(ex02.torch_conv, batch=1)  # the empty batch skips some argument checks
    try:
        truth(**kwargs)
        refused = False
    except Exception:  # noqa: BLE001 - RuntimeError mostly; TypeError for a float; ValueError for Keras' padding
        refused = True
    if fn == "keras_output_size" and kwargs.get("padding", "valid").lower() not in ("valid", "same"):
        assert refused and not torch_refuses   # the grader's truth refuses it; torch has no 'padding' string
        return
    assert refused == torch_refuses
    if not torch_refuses:
        assert any(isinstance(v, bool) for v in kwargs.values()), why


def test_every_function_refuses_floats_and_bools():
    """The stub's promise "a bool or a float (even 3.0) raises ValueError", for each of the five functions."""
    for fn in course.get(N).functions:
        values = [v for kwargs, _, _ in ex02.INVALID[fn] for v in kwargs.values()]
        assert any(isinstance(v, bool) for v in values), fn
        assert any(isinstance(v, float) and v == int(v) for v in values), fn


def test_empty_batch_conv_has_the_same_rule_as_batch_one():
    def shape(batch, *args):
        try:
            return ex02.torch_conv(*args, batch=batch)
        except RuntimeError:
            return "refused"
    for args in itertools.product(range(1, 9), range(1, 5), range(0, 3), range(1, 4), range(1, 3)):
        assert shape(0, *args) == shape(1, *args), args


def test_no_other_torch_refusals_in_the_generated_cases():
    """Every generated case is valid for torch (the strategies never ask for an answer that does not exist), and the
    cases reach every branch: upper-case Keras padding, 'same' with a window larger than n, a pool padding of f // 2,
    output_padding >= stride (below the dilation)."""
    from hypothesis import given, settings

    from grader.checking.deferred import build

    seen = set()
    for fn, strategy in (("conv_output_size", ex02.conv_cases(dilated=False)),
                         ("conv_output_size", ex02.conv_cases(dilated=True)),
                         ("keras_output_size", ex02.keras_cases("valid")),
                         ("keras_output_size", ex02.keras_cases("same")),
                         ("pool_output_size", ex02.pool_cases(ceil_mode=False, stride_none=False)),
                         ("pool_output_size", ex02.pool_cases(ceil_mode=True, stride_none=False)),
                         ("pool_output_size", ex02.pool_cases(ceil_mode=False, stride_none=True)),
                         ("conv_transpose_output_size", ex02.transpose_cases(wide_output_padding=True).filter(
                             lambda c: ex02._torch_accepts("conv_transpose_output_size", c)))):
        @settings(max_examples=60, derandomize=True, database=None, deadline=None)
        @given(build(strategy))
        def run(case):
            assert ex02.TRUTH[fn](**case) >= 1
            padding = case.get("padding")
            if isinstance(padding, str):
                seen.add(("upper", padding != padding.lower()))
                seen.add(("same, f > n", padding.lower() == "same" and case["f"] > case["n"]))
            if fn == "pool_output_size":
                seen.add(("pool padding f // 2", case.get("padding", 0) == case["f"] // 2 > 0))
            if fn == "conv_transpose_output_size":
                assert case.get("stride", 1) <= case["output_padding"] < case["dilation"]
        run()
    assert {("upper", True), ("upper", False), ("same, f > n", True), ("pool padding f // 2", True)} <= seen


# mutant(name, old snippet of the reference, replacement, checks that must fail, named mistake, checks showing it)
PLUS_ONE = ("    return (n + 2 * padding - span) // stride + 1\n", "    return (n + 2 * padding - span) // stride\n")
ROUNDED_UP = ("    return (n + 2 * padding - span) // stride + 1\n",
              "    return -(-(n + 2 * padding - span) // stride) + 1\n")
LAST_WINDOW = "        {} # the last window would start in the right padding"
TRANSPOSE_RULE = "    out = (n - 1) * stride - 2 * padding + dilation * (f - 1) + output_padding + 1\n"
WHOLE = "    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):\n"
KERAS_MODE = "    mode = padding.lower() if isinstance(padding, str) else None\n"
OUTPUT_PADDING = "    if output_padding >= stride and output_padding >= dilation:\n"
MUTANTS = [
    # not named on every check: where the answer without +1 is 0, `return 0` gives it too
    mutant("size formula missing +1", *PLUS_ONE, {SLIDES, CONV, DILATION}, "ex02-conv-no-plus-one", {SLIDES}),
    mutant("ceil where floor belongs (conv)", *ROUNDED_UP, {SLIDES, CONV}, "ex02-conv-ceil", {SLIDES, CONV}),
    # it also returns a size where the dilated kernel does not fit
    mutant("dilation ignored", "    span = dilation * (f - 1) + 1\n", "    span = f\n", {DILATION, CONV_INVALID},
           "ex02-conv-dilation-ignored", {DILATION}),
    mutant("same padding ignores dilation", "    total = dilation * (f - 1)\n", "    total = f - 1\n", {SAME},
           "ex02-same-padding-dilation-ignored", {SAME}),
    mutant("even kernel padded anyway", "    if total % 2:\n", "    if False:\n", {SAME}),
    mutant("keras 'valid' rounded down", "        return -(-(n - f + 1) // stride)\n",
           "        return (n - f + 1) // stride\n", {KERAS}, "ex02-keras-valid-floor", {KERAS}),
    mutant("keras 'same' rounded down", "        return -(-n // stride)\n", "        return n // stride\n", {KERAS},
           "ex02-keras-same-floor", {KERAS}),
    mutant("keras 'same' ignores stride", "        return -(-n // stride)\n", "        return n\n", {KERAS},
           "ex02-keras-same-ignores-stride", {KERAS}),
    mutant("keras refuses upper case", KERAS_MODE, "    mode = padding if isinstance(padding, str) else None\n",
           {KERAS}, "ex02-keras-upper-case-refused", {KERAS}),
    mutant("pool stride None taken as 1", '    stride = f if stride is None else _whole("stride", stride, 1)\n',
           '    stride = 1 if stride is None else _whole("stride", stride, 1)\n', {POOL}, "ex02-pool-stride-one",
           {POOL}),
    mutant("ceil_mode ignored", "    out = (-(-room // stride) if ceil_mode else room // stride) + 1\n",
           "    out = room // stride + 1\n", {CEIL}, "ex02-pool-ceil-ignored", {CEIL}),
    mutant("ceil_mode without the last-window rule", LAST_WINDOW.format("out -= 1 "), LAST_WINDOW.format("pass "),
           {CEIL}, "ex02-pool-ceil-no-drop", {CEIL}),
    mutant("ceil_mode refuses an overhanging window", "    room = n + 2 * padding - f\n",
           "    room = n + 2 * padding - f\n    if room < 0:\n        raise ValueError('window does not fit')\n",
           {CEIL}),
    mutant("transposed conv with the conv formula", TRANSPOSE_RULE,
           "    return (n + 2 * padding - dilation * (f - 1) - 1) // stride + 1\n", {TRANSPOSE},
           "ex02-transpose-conv-formula", {TRANSPOSE}),
    mutant("output_padding ignored", TRANSPOSE_RULE,
           "    out = (n - 1) * stride - 2 * padding + dilation * (f - 1) + 1\n", {TRANSPOSE},
           "ex02-transpose-output-padding-ignored", {TRANSPOSE}),
    # torch accepts output_padding 1 with stride 1 and dilation 2 (n=5, f=3 gives 10)
    mutant("output_padding must be smaller than the stride", OUTPUT_PADDING, "    if output_padding >= stride:\n",
           {TRANSPOSE}),
    mutant("output_padding checked against the stride and the dilation with or", OUTPUT_PADDING,
           "    if output_padding >= stride or output_padding >= dilation:\n", {TRANSPOSE}),
    # every function promises ValueError for floats and bools
    mutant("floats accepted", WHOLE, "    if isinstance(value, bool):\n",
           {CONV_INVALID, SAME_INVALID, KERAS_INVALID, POOL_INVALID, TRANSPOSE_INVALID}),
    mutant("bools accepted", WHOLE, "    if not isinstance(value, (int, np.integer)):\n",
           {CONV_INVALID, SAME_INVALID, KERAS_INVALID, POOL_INVALID, TRANSPOSE_INVALID}),
    mutant("kernel larger than the input accepted", "    if span > n + 2 * padding:\n", "    if False:\n",
           {CONV_INVALID}),
    mutant("same_padding: dilation not validated",
           '    f, dilation = _whole("f", f, 1), _whole("dilation", dilation, 1)\n',
           '    f = _whole("f", f, 1)\n', {SAME_INVALID}),
    mutant("keras: any padding string other than 'same' is 'valid'", '    if mode == "valid":\n', "    if True:\n",
           {KERAS_INVALID}),
    mutant("keras: a window larger than n accepted for 'valid'", "        if f > n:\n", "        if False:\n",
           {KERAS_INVALID}),
    mutant("pool padding over half the window accepted", "    if 2 * padding > f:\n", "    if False:\n",
           {POOL_INVALID}),
    mutant("pool: a result < 1 returned", "    if out < 1:\n        raise ValueError(f\"a window",
           "    if False:\n        raise ValueError(f\"a window", {POOL_INVALID}),
    mutant("output_padding not checked", OUTPUT_PADDING, "    if False:\n", {TRANSPOSE_INVALID}),
    mutant("transposed conv: a result < 1 returned", "    if out < 1:\n        raise ValueError(f\"the output size",
           "    if False:\n        raise ValueError(f\"the output size", {TRANSPOSE_INVALID}),
    mutant("returns a float", "    return out\n\n\ndef conv_transpose_output_size",
           "    return float(out)\n\n\ndef conv_transpose_output_size", {POOL, CEIL}),
]


@mutant_params(MUTANTS)
def test_mutant_loses_points_on_the_right_check(graded, m):
    result = check_mutant(graded, N, m)
    if m.mistake is None:  # a wrong version no named mistake describes is shown none
        assert_misconception(result, None)
    # one mistake, one check: every mutant fails exactly the checks its row lists, besides hygiene checks not earned
    # for want of a value check
    judged = {name for name, c in failed_checks(result).items() if "earned once" not in c.message}
    assert judged == m.must_fail | m.shown_on, sorted(judged)


def test_every_ex02_misconception_has_a_mutant():
    assert set(misconception_ids(N)) == {m.mistake for m in MUTANTS if m.mistake}


def test_invalid_calls_are_described_in_words(grade_mutant):
    check = failed_checks(grade_mutant("same_padding: dilation not validated"))[SAME_INVALID]
    assert "why the call is invalid: dilation must be >= 1" in check.details, check.details
    assert "same_padding(f=3, dilation=0)" in "\n".join(check.details), check.details


# -- what each check judges: one function each ------------------------------------------------------------------------
def test_every_check_judges_one_function_with_its_own_hint():
    assert_one_function_per_check(N, 15)
    for fn in course.get(N).functions:
        assert any(c.hygiene for c in course.get(N).checks if c.function == fn), fn


@pytest.mark.parametrize("fn", course.get(N).functions)
def test_a_finished_function_earns_its_points_while_the_others_are_todo(graded, fn):
    assert_earns_its_own_points_only(graded(N, with_reference_functions(N, [fn])), fn)


@pytest.mark.parametrize("body", TRIVIAL_BODIES.values(), ids=TRIVIAL_BODIES.keys())
def test_trivial_submissions_earn_nothing(graded, body):
    assert_earns_nothing(graded(N, trivial_source(N, body)))


def test_the_hint_shown_is_the_failed_checks(grade_mutant):
    result = grade_mutant("keras refuses upper case")
    assert result.hint == next(c.hint for c in course.get(N).checks if c.name == KERAS)


@pytest.mark.parametrize("fn,kwargs", [
    ("conv_output_size", dict(n=7, f=3, padding=1, stride=2, dilation=2)),
    ("same_padding", dict(f=5, dilation=3)),
    ("keras_output_size", dict(n=13, f=4, stride=3, padding="same")),
    ("keras_output_size", dict(n=13, f=4, stride=3, padding="valid")),
    ("keras_output_size", dict(n=13, f=4, stride=3, padding="SAME")),
    ("pool_output_size", dict(n=11, f=3, padding=1, ceil_mode=True)),
    ("conv_transpose_output_size", dict(n=4, f=3, padding=1, stride=3, output_padding=2)),
    ("conv_transpose_output_size", dict(n=5, f=3, stride=1, output_padding=1, dilation=2)),
], ids=str)
def test_the_right_answer_matches_no_entry(fn, kwargs):
    assert MISTAKES.diagnose(CallRecord(fn, (), kwargs, ex02.TRUTH[fn](**kwargs))) is None


def test_the_wide_output_padding_example_is_torchs():
    assert ex02.TRUTH["conv_transpose_output_size"](n=5, f=3, stride=1, output_padding=1, dilation=2) == 10


def test_trivial_answers_are_evidence_of_no_mistake():
    # 2 more than "same" padding: without the +1 the answer is n, what `return n` gives
    call = CallRecord("conv_output_size", (), dict(n=6, f=2, padding=1), 6)
    assert MISTAKES.diagnose(call) is None
    assert MISTAKES.diagnose(CallRecord("conv_output_size", (), dict(n=3, f=3, stride=2), 0)) is None
    # but n itself is what "'same' ignores the stride" gives
    call = CallRecord("keras_output_size", (), dict(n=9, f=3, stride=2, padding="same"), 9)
    assert MISTAKES.diagnose(call) == mistake_by_id("ex02-keras-same-ignores-stride").message
    raised = CallRecord("keras_output_size", (), dict(n=9, f=3, padding="SAME"), None, raised=("ValueError",))
    assert MISTAKES.diagnose(raised) == mistake_by_id("ex02-keras-upper-case-refused").message


def test_check_names_exist():
    for check in course.get(N).checks:
        assert callable(getattr(ex02, check.run))
