"""Exercise 2: the reference passes, the stub is 'not implemented', pinned answers agree with torch, and realistic
wrong versions lose points on the right check (with the right misconception message, where one is named)."""
import functools
import itertools

import pytest

from conftest import assert_loses_points, assert_misconception, misconception_ids, mutate, solution_source
from grader import catalog
from grader.checks import ex02

N = 2
NAME = {c.run: c.name for c in catalog.get(N).checks}   # check function -> the name the student sees


@pytest.mark.parametrize("label,fn,kwargs,answer", ex02.SLIDE_EXAMPLES, ids=[e[0] for e in ex02.SLIDE_EXAMPLES])
def test_pinned_slide_answers_agree_with_torch(label, fn, kwargs, answer):
    if fn == "same_padding":  # torch has no same_padding(); the property is: this padding keeps the size
        for n in (kwargs["f"], 9, 32):
            assert ex02.torch_conv(n, kwargs["f"], padding=answer) == n
    else:
        assert ex02.TRUTH[fn](**kwargs) == answer


@pytest.mark.parametrize("kwargs,answer", ex02.OVERHANG, ids=[str(k) for k, _ in ex02.OVERHANG])
def test_pinned_ceil_mode_overhang_agrees_with_torch(kwargs, answer):
    assert ex02.torch_pool(**kwargs) == answer


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


# (name, old snippet of the reference, replacement, checks (by function) that must fail, misconception id or None)
MUTANTS = [
    ("size formula missing +1", "    return (n + 2 * padding - span) // stride + 1\n",
     "    return (n + 2 * padding - span) // stride\n",
     {"slide_examples", "conv_matches_torch", "conv_dilation"}, "ex02-conv-no-plus-one"),
    ("ceil where floor belongs (conv)", "    return (n + 2 * padding - span) // stride + 1\n",
     "    return -(-(n + 2 * padding - span) // stride) + 1\n",
     {"slide_examples", "conv_matches_torch"}, "ex02-conv-ceil"),
    ("dilation ignored", "    span = dilation * (f - 1) + 1\n", "    span = f\n",
     {"conv_dilation"}, "ex02-conv-dilation-ignored"),
    ("same padding ignores dilation", "    total = dilation * (f - 1)\n", "    total = f - 1\n",
     {"same_padding_keeps_size"}, "ex02-same-padding-dilation-ignored"),
    ("even kernel padded anyway", "    if total % 2:\n", "    if False:\n", {"same_padding_keeps_size"}, None),
    ("keras 'valid' rounded down", "        return -(-(n - f + 1) // stride)\n",
     "        return (n - f + 1) // stride\n",
     {"slide_examples", "keras_sizes"}, "ex02-keras-valid-floor"),
    ("keras 'same' rounded down", "        return -(-n // stride)\n", "        return n // stride\n",
     {"slide_examples", "keras_sizes"}, "ex02-keras-same-floor"),
    ("keras 'same' ignores stride", "        return -(-n // stride)\n", "        return n\n",
     {"slide_examples", "keras_sizes"}, "ex02-keras-same-ignores-stride"),
    ("pool stride None taken as 1", '    stride = f if stride is None else _whole("stride", stride, 1)\n',
     '    stride = 1 if stride is None else _whole("stride", stride, 1)\n',
     {"slide_examples", "pool_matches_torch"}, "ex02-pool-stride-one"),
    ("ceil_mode ignored", "    out = (-(-room // stride) if ceil_mode else room // stride) + 1\n",
     "    out = room // stride + 1\n", {"pool_ceil_mode"}, "ex02-pool-ceil-ignored"),
    ("ceil_mode without the last-window rule",
     "        out -= 1  # the last window would start in the right padding",
     "        pass  # the last window would start in the right padding", {"pool_ceil_mode"}, "ex02-pool-ceil-no-drop"),
    ("ceil_mode refuses an overhanging window", "    room = n + 2 * padding - f\n",
     "    room = n + 2 * padding - f\n    if room < 0:\n        raise ValueError('window does not fit')\n",
     {"pool_ceil_mode"}, None),
    ("transposed conv with the conv formula",
     "    out = (n - 1) * stride - 2 * padding + dilation * (f - 1) + output_padding + 1\n",
     "    return (n + 2 * padding - dilation * (f - 1) - 1) // stride + 1\n",
     {"slide_examples", "transpose_matches_torch"}, "ex02-transpose-conv-formula"),
    ("output_padding ignored", "    out = (n - 1) * stride - 2 * padding + dilation * (f - 1) + output_padding + 1\n",
     "    out = (n - 1) * stride - 2 * padding + dilation * (f - 1) + 1\n",
     {"transpose_matches_torch"}, "ex02-transpose-output-padding-ignored"),
    ("floats accepted", "    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):\n",
     "    if isinstance(value, bool):\n", {"invalid_arguments"}, None),
    ("kernel larger than the input accepted", "    if span > n + 2 * padding:\n", "    if False:\n",
     {"invalid_arguments"}, None),
    ("pool padding over half the window accepted", "    if 2 * padding > f:\n", "    if False:\n",
     {"invalid_arguments"}, None),
    ("output_padding not checked", "    if output_padding >= stride and output_padding >= dilation:\n",
     "    if False:\n", {"invalid_arguments"}, None),
    ("returns a float", "    return out\n\n\ndef conv_transpose_output_size", "    return float(out)\n\n\n"
     "def conv_transpose_output_size", {"slide_examples", "pool_matches_torch", "pool_ceil_mode"}, None),
]


@pytest.mark.parametrize("name,old,new,must_fail,ident", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_mutant_loses_points_on_the_right_property(graded, name, old, new, must_fail, ident):
    result = graded(N, mutate(solution_source(N), old, new))
    assert_loses_points(result, {NAME[r] for r in must_fail}, name)
    assert_misconception(result, ident, {NAME[r] for r in must_fail})


def test_every_ex02_misconception_has_a_mutant():
    assert set(misconception_ids(N)) <= {m[4] for m in MUTANTS}


def test_check_names_exist():
    for check in catalog.get(N).checks:
        assert callable(getattr(ex02, check.run))
