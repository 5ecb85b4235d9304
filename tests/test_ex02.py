"""Exercise 2: the reference passes, the stub is 'not implemented', pinned answers agree with torch, and realistic
wrong versions lose points on the right check (with the right misconception message, where one is named)."""
import functools
import itertools

import pytest

from conftest import assert_misconception, check_mutant, misconception_ids, mutant, mutant_params
from grader import course
from grader.checking.student import CallRecord
from grader.course.ex02_output_size import checks as ex02
from grader.course.ex02_output_size.mistakes import MISTAKES

N = 2
NAME = {c.run: c.name for c in course.get(N).checks}   # check function -> the name the student sees
SLIDES, CONV, DILATION, SAME = (NAME[r] for r in ("slide_examples", "conv_matches_torch", "conv_dilation",
                                                  "same_padding_keeps_size"))
KERAS, POOL, CEIL, TRANSPOSE, INVALID = (NAME[r] for r in ("keras_sizes", "pool_matches_torch", "pool_ceil_mode",
                                                           "transpose_matches_torch", "invalid_arguments"))


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


@pytest.mark.parametrize("fn,kwargs,why", ex02.INVALID, ids=[f"{e[0]}{e[1]}" for e in ex02.INVALID])
def test_invalid_arguments_are_refused_by_torch_too(fn, kwargs, why):
    if fn == "same_padding":  # no symmetric padding keeps the size of an even effective kernel
        f, d = kwargs["f"], kwargs.get("dilation", 1)
        if f >= 1:
            assert (d * (f - 1)) % 2 == 1
            assert all(ex02.torch_conv(9, f, padding=p, dilation=d) != 9 for p in range(0, 6))
        return
    if fn == "keras_output_size" and kwargs.get("padding") not in ("valid", "same"):
        return  # a Keras-only rule: only 'valid' and 'same' exist
    truth = ex02.TRUTH[fn]
    if fn == "conv_output_size":
        truth = functools.partial(ex02.torch_conv, batch=1)  # the empty batch skips some argument checks
    with pytest.raises(Exception):  # RuntimeError mostly; TypeError for a float or bool
        truth(**kwargs)


def test_empty_batch_conv_has_the_same_rule_as_batch_one():
    def shape(batch, *args):
        try:
            return ex02.torch_conv(*args, batch=batch)
        except RuntimeError:
            return "refused"
    for args in itertools.product(range(1, 9), range(1, 5), range(0, 3), range(1, 4), range(1, 3)):
        assert shape(0, *args) == shape(1, *args), args


def test_no_other_torch_refusals_in_the_generated_cases():
    """Every generated case is valid for torch (the strategies never ask for an answer that does not exist)."""
    from hypothesis import given, settings

    for fn, strategy in (("conv_output_size", ex02.conv_cases(dilated=False)),
                         ("conv_output_size", ex02.conv_cases(dilated=True)),
                         ("keras_output_size", ex02.keras_cases()),
                         ("pool_output_size", ex02.pool_cases(ceil_mode=False)),
                         ("pool_output_size", ex02.pool_cases(ceil_mode=True))):
        @settings(max_examples=60, derandomize=True, database=None, deadline=None)
        @given(strategy)
        def run(case):
            assert ex02.TRUTH[fn](**case) >= 1
        run()


# mutant(name, old snippet of the reference, replacement, checks that must fail, named mistake, checks showing it)
PLUS_ONE = ("    return (n + 2 * padding - span) // stride + 1\n", "    return (n + 2 * padding - span) // stride\n")
ROUNDED_UP = ("    return (n + 2 * padding - span) // stride + 1\n",
              "    return -(-(n + 2 * padding - span) // stride) + 1\n")
LAST_WINDOW = "        {} # the last window would start in the right padding"
TRANSPOSE_RULE = "    out = (n - 1) * stride - 2 * padding + dilation * (f - 1) + output_padding + 1\n"
MUTANTS = [
    mutant("size formula missing +1", *PLUS_ONE, {SLIDES, CONV, DILATION}, "ex02-conv-no-plus-one",
           {SLIDES, CONV, DILATION}),
    mutant("ceil where floor belongs (conv)", *ROUNDED_UP, {SLIDES, CONV}, "ex02-conv-ceil", {SLIDES, CONV}),
    mutant("dilation ignored", "    span = dilation * (f - 1) + 1\n", "    span = f\n", {DILATION},
           "ex02-conv-dilation-ignored", {DILATION}),
    mutant("same padding ignores dilation", "    total = dilation * (f - 1)\n", "    total = f - 1\n", {SAME},
           "ex02-same-padding-dilation-ignored", {SAME}),
    mutant("even kernel padded anyway", "    if total % 2:\n", "    if False:\n", {SAME}),
    mutant("keras 'valid' rounded down", "        return -(-(n - f + 1) // stride)\n",
           "        return (n - f + 1) // stride\n", {SLIDES, KERAS}, "ex02-keras-valid-floor", {SLIDES, KERAS}),
    mutant("keras 'same' rounded down", "        return -(-n // stride)\n", "        return n // stride\n",
           {SLIDES, KERAS}, "ex02-keras-same-floor", {SLIDES, KERAS}),
    mutant("keras 'same' ignores stride", "        return -(-n // stride)\n", "        return n\n", {SLIDES, KERAS},
           "ex02-keras-same-ignores-stride", {SLIDES, KERAS}),
    mutant("pool stride None taken as 1", '    stride = f if stride is None else _whole("stride", stride, 1)\n',
           '    stride = 1 if stride is None else _whole("stride", stride, 1)\n', {SLIDES, POOL},
           "ex02-pool-stride-one", {SLIDES, POOL}),
    mutant("ceil_mode ignored", "    out = (-(-room // stride) if ceil_mode else room // stride) + 1\n",
           "    out = room // stride + 1\n", {CEIL}, "ex02-pool-ceil-ignored", {CEIL}),
    mutant("ceil_mode without the last-window rule", LAST_WINDOW.format("out -= 1 "), LAST_WINDOW.format("pass "),
           {CEIL}, "ex02-pool-ceil-no-drop", {CEIL}),
    mutant("ceil_mode refuses an overhanging window", "    room = n + 2 * padding - f\n",
           "    room = n + 2 * padding - f\n    if room < 0:\n        raise ValueError('window does not fit')\n",
           {CEIL}),
    mutant("transposed conv with the conv formula", TRANSPOSE_RULE,
           "    return (n + 2 * padding - dilation * (f - 1) - 1) // stride + 1\n", {SLIDES, TRANSPOSE},
           "ex02-transpose-conv-formula", {SLIDES, TRANSPOSE}),
    mutant("output_padding ignored", TRANSPOSE_RULE,
           "    out = (n - 1) * stride - 2 * padding + dilation * (f - 1) + 1\n", {TRANSPOSE},
           "ex02-transpose-output-padding-ignored", {TRANSPOSE}),
    mutant("floats accepted",
           "    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):\n",
           "    if isinstance(value, bool):\n", {INVALID}),
    mutant("kernel larger than the input accepted", "    if span > n + 2 * padding:\n", "    if False:\n", {INVALID}),
    mutant("pool padding over half the window accepted", "    if 2 * padding > f:\n", "    if False:\n", {INVALID}),
    mutant("output_padding not checked", "    if output_padding >= stride and output_padding >= dilation:\n",
           "    if False:\n", {INVALID}),
    mutant("returns a float", "    return out\n\n\ndef conv_transpose_output_size",
           "    return float(out)\n\n\ndef conv_transpose_output_size", {SLIDES, POOL, CEIL}),
]


@mutant_params(MUTANTS)
def test_mutant_loses_points_on_the_right_check(graded, m):
    result = check_mutant(graded, N, m)
    if m.mistake is None:  # a wrong version no named mistake describes is shown none
        assert_misconception(result, None)


def test_every_ex02_misconception_has_a_mutant():
    assert set(misconception_ids(N)) <= {m.mistake for m in MUTANTS}


@pytest.mark.parametrize("fn,kwargs", [
    ("conv_output_size", dict(n=7, f=3, padding=1, stride=2, dilation=2)),
    ("same_padding", dict(f=5, dilation=3)),
    ("keras_output_size", dict(n=13, f=4, stride=3, padding="same")),
    ("keras_output_size", dict(n=13, f=4, stride=3, padding="valid")),
    ("pool_output_size", dict(n=11, f=3, padding=1, ceil_mode=True)),
    ("conv_transpose_output_size", dict(n=4, f=3, padding=1, stride=3, output_padding=2)),
], ids=str)
def test_the_right_answer_matches_no_entry(fn, kwargs):
    assert MISTAKES.diagnose(CallRecord(fn, (), kwargs, ex02.TRUTH[fn](**kwargs))) is None


def test_check_names_exist():
    for check in course.get(N).checks:
        assert callable(getattr(ex02, check.run))
