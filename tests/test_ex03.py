"""Exercise 3: the reference passes, the stub is 'not implemented', pinned answers agree with torch, and realistic
wrong versions lose points on the right check (with the right misconception message, where one is named)."""
import warnings

import pytest

from conftest import (TRIVIAL_BODIES, assert_earns_its_own_points_only, assert_earns_nothing, assert_misconception,
                      assert_one_function_per_check, check_mutant, failed_checks, misconception_ids, mistake_by_id,
                      mutant, mutant_params, solution_source, stub_source, trivial_source, with_reference_functions)
from grader import course
from grader.checking.student import CallRecord
from grader.course.ex03_param_count import checks as ex03
from grader.course.ex03_param_count.mistakes import MISTAKES, wrong_count

N = 3
NAME = {c.run: c.name for c in course.get(N).checks}   # check function -> the name the student sees
CONV_SLIDES, CONV, CONV_INVALID, DENSE, DENSE_INVALID = (NAME[r] for r in (
    "conv_slide_examples", "conv_matches_torch", "conv_invalid", "dense_matches_torch", "dense_invalid"))
SLIDES, MODEL, OPTIONS, INVALID, UNCHANGED = (NAME[r] for r in (
    "model_slide_examples", "model_matches_torch", "model_options", "invalid_specs", "specs_unchanged"))


PINNED = ex03.SLIDE_EXAMPLES + ex03.OPTION_EXAMPLES


@pytest.mark.parametrize("label,fn,kwargs,answer", PINNED, ids=[e[0] for e in PINNED])
def test_pinned_slide_answers_agree_with_torch(label, fn, kwargs, answer):
    assert ex03.TRUTH[fn](**kwargs) == answer


def test_known_slide_mistakes_are_not_the_pinned_answers():
    pinned = {e[0]: e[3] for e in ex03.SLIDE_EXAMPLES}
    assert pinned["MNIST CNN Conv_2: (3*3*32 + 1) * 64 = 18,496 (not 18,494)"] != 18494
    assert pinned["one 3x3 filter on 3 channels: 3*3*3 + 1 = 28 (the slide prints 10)"] != 10
    assert pinned["16 3x3 filters on 3 channels: 28 * 16 = 448 (the slide prints 160)"] != 160
    assert pinned["7-layer network on 100x100, weights only: 175,250,000"] not in (227550000, 225250000)


def test_model_examples_from_torch_modules_directly():
    """The layer-by-layer truth agrees with a plain nn.Sequential for the slides' MNIST CNN and LeNet-5."""
    import torch.nn as nn

    mnist = nn.Sequential(nn.Conv2d(1, 32, 3, device="meta"), nn.ReLU(), nn.Conv2d(32, 64, 3, device="meta"),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(9216, 128, device="meta"), nn.ReLU(),
                          nn.Linear(128, 10, device="meta"))
    lenet = nn.Sequential(nn.Conv2d(1, 6, 5, device="meta"), nn.Tanh(), nn.AvgPool2d(2),
                          nn.Conv2d(6, 16, 5, device="meta"), nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120, device="meta"), nn.Tanh(), nn.Linear(120, 84, device="meta"), nn.Tanh(),
                          nn.Linear(84, 10, device="meta"))
    for model, spec, shape in ((mnist, ex03.MNIST_CNN, (1, 28, 28)), (lenet, ex03.LENET5, (1, 32, 32))):
        expected = sum(p.numel() for p in model.parameters() if p.requires_grad)
        assert ex03.torch_count(spec, shape)[0] == expected


INVALID_ROWS = [(fn, *row) for fn, rows in ex03.INVALID.items() for row in rows]


@pytest.mark.parametrize("fn,kwargs,why,torch_refuses", INVALID_ROWS, ids=[f"{r[0]}: {r[2]}" for r in INVALID_ROWS])
def test_invalid_specs(fn, kwargs, why, torch_refuses):
    """torch refuses the ones marked so; the rest are the exercise's own rules (the reference refuses all)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zero-size layers warn on init
        try:
            ex03.TRUTH[fn](**kwargs)
            refused = False
        except ex03.SpecError:
            refused = False
        except Exception:  # noqa: BLE001 - RuntimeError / ValueError / TypeError from torch
            refused = True
    assert refused == torch_refuses


def test_the_issues_invalid_calls_are_in_the_tables():
    rows = {fn: [kwargs for kwargs, _, _ in rows] for fn, rows in ex03.INVALID.items()}
    assert dict(in_channels=3, out_channels=8, kernel_size=3.7) in rows["conv_params"]
    assert dict(in_features=10, out_features=0) in rows["dense_params"]
    convs = [kw["layers"][0][1] for kw in rows["count_params"] if kw["layers"] and kw["layers"][0][:1] == ("conv",)
             and isinstance(kw["layers"][0][1], dict)]
    for option, value in (("stride", 0), ("stride", 1.5), ("padding", -1)):
        assert any(c.get(option) == value for c in convs), (option, value)


def test_generated_architectures_are_valid_and_varied():
    """Every generated model builds in torch, and the generator reaches all layer kinds and options."""
    from hypothesis import given, settings

    from grader.checking.deferred import build

    seen = set()

    @settings(max_examples=120, derandomize=True, database=None, deadline=None)
    @given(build(ex03.architectures(options=True)))
    def run(case):
        layers, shape = case
        ex03.torch_count(layers, shape)
        for spec in layers:
            name, o = ex03.parse(spec)
            seen.add(name)
            seen.update(f"{name}:{k}" for k in (spec[1] if len(spec) > 1 else {}))
            if len(spec) == 2 and spec[1] == {}:
                seen.add(f"{name} {{}}")
            if name == "conv" and set(spec[1]) == set(ex03.LAYERS["conv"][0]) | set(ex03.LAYERS["conv"][1]):
                seen.add("conv: defaults written out")
            if name in ("maxpool", "avgpool") and isinstance(o["kernel_size"], tuple):
                seen.add("pool (KH, KW)")
    run()
    assert {"conv", "maxpool", "avgpool", "flatten", "dense", "relu", "tanh", "sigmoid"} <= seen
    assert {"conv:stride", "conv:padding", "conv:groups", "conv:bias", "maxpool:stride", "avgpool:padding",
            "dense:bias"} <= seen
    assert {"relu {}", "flatten {}", "conv: defaults written out", "pool (KH, KW)"} <= seen


def test_wrong_count_without_mistakes_is_the_truth():
    for _, fn, kwargs, answer in ex03.SLIDE_EXAMPLES:
        if fn == "count_params":
            assert wrong_count(**kwargs) == answer


# mutant(name, old snippet of the reference, replacement, checks that must fail, named mistake, checks showing it)
CONV_COUNT = "    return f * (c // g) * kh * kw + (f if bias else 0)\n"
POOL_SHAPE = '            shape = (c, *_sliding(h, w, kernel, stride, padding, "window"))\n'
CONV_STRIDE = '"kernel_size", o["kernel_size"]), ({}), padding, "kernel"))'
WHOLE = "    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):\n"
ALL_COUNTS = {CONV_SLIDES, CONV, SLIDES, MODEL, OPTIONS}   # conv_params is part of every model's count
MUTANTS = [
    mutant("conv parameter count missing the bias", CONV_COUNT, "    return f * (c // g) * kh * kw\n",
           ALL_COUNTS, "ex03-conv-no-bias", {CONV_SLIDES, CONV}),
    mutant("one bias per conv layer", CONV_COUNT, "    return f * (c // g) * kh * kw + (1 if bias else 0)\n",
           ALL_COUNTS, "ex03-conv-one-bias", {CONV_SLIDES, CONV}),
    mutant("parameter count ignores the input channels", CONV_COUNT, "    return f * kh * kw + (f if bias else 0)\n",
           ALL_COUNTS, "ex03-conv-no-in-channels", {CONV_SLIDES, CONV}),
    mutant("groups ignored", CONV_COUNT, "    return f * c * kh * kw + (f if bias else 0)\n", {CONV, OPTIONS},
           "ex03-conv-groups-ignored", {CONV}),
    mutant("dense parameter count missing the bias", "    return n * m + (m if bias else 0)\n", "    return n * m\n",
           {DENSE, SLIDES, MODEL, OPTIONS}, "ex03-dense-no-bias", {DENSE}),
    mutant("count_params leaves out every bias", "    return name, {**optional, **given}",
           "    return name, {**optional, **given, \"bias\": False}", {SLIDES, MODEL, OPTIONS}, "ex03-model-no-bias",
           {SLIDES, MODEL}),
    mutant("flatten size taken from input_shape", "            shape = (int(np.prod(shape)),)\n",
           "            shape = (int(np.prod(input_shape)),)\n", {SLIDES, MODEL, OPTIONS},
           "ex03-model-flatten-from-input", {SLIDES, MODEL}),
    mutant("pooling does not shrink the shape", POOL_SHAPE,
           '            _sliding(h, w, kernel, stride, padding, "window")\n', {SLIDES, MODEL, OPTIONS},
           "ex03-model-pools-ignored", {SLIDES, MODEL}),
    mutant("conv stride ignored in the shape", CONV_STRIDE.format("stride, stride"), CONV_STRIDE.format("1, 1"),
           {SLIDES, OPTIONS}),
    mutant("pool stride None taken as 1", '            stride = kernel if o["stride"] is None else',
           '            stride = (1, 1) if o["stride"] is None else', {SLIDES, MODEL, OPTIONS},
           "ex03-model-pool-stride-one", {SLIDES, MODEL}),
    mutant("options filled into the caller's dicts", "    return name, {**optional, **given}\n",
           "    for key, value in optional.items():\n        given.setdefault(key, value)\n    return name, given\n",
           {UNCHANGED}),
    mutant("dense before flatten accepted", "            if len(shape) != 1:\n", "            if False:\n", {INVALID}),
    mutant("unknown layers skipped",
           "        raise ValueError(f\"unknown layer {name!r}; known layers: {', '.join(LAYERS)}\")\n",
           "        return 'relu', {}\n", {INVALID}),
    mutant("groups not checked", "    if c % g or f % g:\n", "    if False:\n", {CONV_INVALID, INVALID}),
    mutant("kernel larger than the feature map accepted", "    if kh > h + 2 * padding or kw > w + 2 * padding:\n",
           "    if False:\n", {INVALID}),
    mutant("unknown options ignored", "    if unknown:\n", "    if False:\n", {INVALID}),
    mutant("returns a float", "    return total\n", "    return float(total)\n", {SLIDES, MODEL, OPTIONS}),
    # sizes: floats such as 3.7 and 3.0 are not sizes (the issue: conv_params(3, 8, 3.7) returned a count)
    mutant("floats accepted as sizes", WHOLE, "    if isinstance(value, bool):\n", {CONV_INVALID, DENSE_INVALID,
                                                                                    INVALID}),
    mutant("zero accepted as a size", '    n, m = _whole("in_features", in_features, 1), _whole("out_features", '
           'out_features, 1)\n', '    n, m = _whole("in_features", in_features, 1), _whole("out_features", '
           'out_features, 0)\n', {DENSE_INVALID}),
    # stride 0 must be a ValueError, not a ZeroDivisionError
    mutant("stride not validated (ZeroDivisionError for 0)",
           '            stride, padding = _whole("stride", o["stride"], 1), _whole("padding", o["padding"], 0)\n',
           '            stride, padding = o["stride"], o["padding"]\n', {INVALID}),
    mutant("a spec of ('relu', {}) refused", "    given = spec[1] if len(spec) == 2 else {}\n",
           "    given = spec[1] if len(spec) == 2 else {}\n    if len(spec) == 2 and not given:\n"
           "        raise ValueError('empty options')\n", {OPTIONS}),
    mutant("pool (KH, KW) window: stride None taken as KH", '            stride = kernel if o["stride"] is None else',
           '            stride = (kernel[0],) * 2 if o["stride"] is None else', {OPTIONS}),
]

# A wrong conv_params or dense_params is also a wrong count_params (which uses them): that count has a named mistake
# of its own. mutant -> (the model's mistake, the checks that must show it); every check shows one of the two
# messages or none (model_options may).
MODEL_MISTAKE = {
    "conv parameter count missing the bias": ("ex03-model-conv-no-bias", {MODEL}),
    "parameter count ignores the input channels": ("ex03-model-no-in-channels", {MODEL}),
    "dense parameter count missing the bias": ("ex03-model-dense-no-bias", {MODEL}),
}


@mutant_params(MUTANTS)
def test_mutant_loses_points_on_the_right_check(graded, m):
    if m.name not in MODEL_MISTAKE:
        result = check_mutant(graded, N, m)
        if m.mistake is None:  # a wrong version no named mistake describes is shown none
            assert_misconception(result, None)
    else:
        result = check_mutant(graded, N, m._replace(mistake=None))
        model_mistake, model_checks = MODEL_MISTAKE[m.name]
        failed = failed_checks(result)
        for ident, checks in ((m.mistake, m.shown_on), (model_mistake, model_checks)):
            for name in checks:
                assert name in failed, (m.name, name, sorted(failed))
                assert failed[name].misconception == mistake_by_id(ident).message, \
                    (m.name, name, failed[name].misconception, failed[name].details[:2])
        allowed = {mistake_by_id(m.mistake).message, mistake_by_id(model_mistake).message}
        assert {c.misconception for c in result.checks if c.misconception} <= allowed, m.name
    # every mutant fails exactly the checks its row lists, besides hygiene checks not earned for want of a value check
    judged = {name for name, c in failed_checks(result).items() if "earned once" not in c.message}
    assert judged == m.must_fail | m.shown_on, sorted(judged)


def test_every_ex03_misconception_has_a_mutant():
    shown = {m.mistake for m in MUTANTS} | {ident for ident, _ in MODEL_MISTAKE.values()}
    assert set(misconception_ids(N)) <= shown


@pytest.mark.parametrize("fn,kwargs", [
    ("conv_params", dict(in_channels=6, out_channels=12, kernel_size=(3, 5), groups=3)),
    ("conv_params", dict(in_channels=4, out_channels=8, kernel_size=3, bias=False)),
    ("dense_params", dict(in_features=400, out_features=120)),
    ("count_params", dict(layers=ex03.MNIST_CNN, input_shape=(1, 28, 28))),
    ("count_params", dict(layers=ex03.LENET5, input_shape=(1, 32, 32))),
], ids=str)
def test_the_right_answer_matches_no_entry(fn, kwargs):
    assert MISTAKES.diagnose(CallRecord(fn, (), kwargs, ex03.TRUTH[fn](**kwargs))) is None


def test_entries_name_the_wrong_answers_they_describe():
    kwargs = dict(layers=ex03.LENET5, input_shape=(1, 32, 32))
    call = CallRecord("count_params", (), kwargs, wrong_count(**kwargs, pools_shrink=False))
    assert MISTAKES.diagnose(call) == mistake_by_id("ex03-model-pools-ignored").message
    call = CallRecord("conv_params", (3, 16, 3), {}, 16 * 3 * 3 * 3 + 1)
    assert MISTAKES.diagnose(call) == mistake_by_id("ex03-conv-one-bias").message


def test_check_names_exist():
    for check in course.get(N).checks:
        assert callable(getattr(ex03, check.run))


# -- what each check judges: one function each ------------------------------------------------------------------------
def test_every_check_judges_one_function_with_its_own_hint():
    assert_one_function_per_check(N, 14)
    for fn in course.get(N).functions:
        assert any(c.hygiene for c in course.get(N).checks if c.function == fn), fn


def _with_reference(functions) -> str:
    """The stub with the reference's body of each of ``functions`` (and the reference's helpers)."""
    source, reference = stub_source(N), solution_source(N)
    helpers = reference[reference.index("# name -> (required options"):reference.index("def _whole")]
    helpers += reference[reference.index("def _pair"):reference.index("def conv_params")]
    source = source.replace("\n\ndef _whole", "\n\n" + helpers + "def _whole", 1)
    return with_reference_functions(N, functions, source)


@pytest.mark.parametrize("fn", ["conv_params", "dense_params"])
def test_a_finished_function_earns_its_points_while_the_others_are_todo(graded, fn):
    assert_earns_its_own_points_only(graded(N, _with_reference([fn])), fn)


TRIVIAL = {**TRIVIAL_BODIES, "returns 1": "return 1"}


@pytest.mark.parametrize("body", TRIVIAL.values(), ids=TRIVIAL.keys())
def test_trivial_submissions_earn_nothing(graded, body):
    assert_earns_nothing(graded(N, trivial_source(N, body)))


def test_the_hint_shown_is_the_failed_checks(grade_mutant):
    result = grade_mutant("options filled into the caller's dicts")
    assert result.hint == next(c.hint for c in course.get(N).checks if c.name == UNCHANGED)
