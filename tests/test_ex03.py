"""Exercise 3: the reference passes, the stub is 'not implemented', pinned answers agree with torch, and realistic
wrong versions lose points on the right check (with the right misconception message, where one is named)."""
import warnings

import pytest

from conftest import (assert_misconception, check_mutant, failed_checks, misconception_ids, mistake_by_id, mutant,
                      mutant_params)
from grader import course
from grader.checking.student import CallRecord
from grader.course.ex03_param_count import checks as ex03
from grader.course.ex03_param_count.mistakes import MISTAKES, wrong_count

N = 3
NAME = {c.run: c.name for c in course.get(N).checks}   # check function -> the name the student sees
SLIDES, CONV, DENSE, MODEL = (NAME[r] for r in ("slide_examples", "conv_matches_torch", "dense_matches_torch",
                                                "model_matches_torch"))
OPTIONS, INVALID, UNCHANGED = (NAME[r] for r in ("model_options", "invalid_specs", "specs_unchanged"))


@pytest.mark.parametrize("label,fn,kwargs,answer", ex03.SLIDE_EXAMPLES, ids=[e[0] for e in ex03.SLIDE_EXAMPLES])
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


@pytest.mark.parametrize("fn,kwargs,why,torch_refuses", ex03.INVALID, ids=[e[2] for e in ex03.INVALID])
def test_invalid_specs(fn, kwargs, why, torch_refuses):
    """torch refuses the ones marked so; the rest are the exercise's own rules (the reference refuses all)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zero-size layers warn on init
        try:
            ex03.TRUTH[fn](**kwargs)
            refused = False
        except ex03.SpecError:
            refused = False
        except Exception:  # noqa: BLE001 - RuntimeError / ValueError from torch
            refused = True
    assert refused == torch_refuses


def test_generated_architectures_are_valid_and_varied():
    """Every generated model builds in torch, and the generator reaches all layer kinds and options."""
    from hypothesis import given, settings

    seen = set()

    @settings(max_examples=120, derandomize=True, database=None, deadline=None)
    @given(ex03.architectures(options=True))
    def run(case):
        layers, shape = case
        ex03.torch_count(layers, shape)
        for spec in layers:
            name, o = ex03.parse(spec)
            seen.add(name)
            seen.update(f"{name}:{k}" for k in (spec[1] if len(spec) > 1 else {}))
    run()
    assert {"conv", "maxpool", "avgpool", "flatten", "dense", "relu", "tanh", "sigmoid"} <= seen
    assert {"conv:stride", "conv:padding", "conv:groups", "conv:bias", "maxpool:stride", "avgpool:padding",
            "dense:bias"} <= seen


def test_wrong_count_without_mistakes_is_the_truth():
    for _, fn, kwargs, answer in ex03.SLIDE_EXAMPLES:
        if fn == "count_params":
            assert wrong_count(**kwargs) == answer


# mutant(name, old snippet of the reference, replacement, checks that must fail, named mistake, checks showing it)
CONV_COUNT = "    return f * (c // g) * kh * kw + (f if bias else 0)\n"
POOL_SHAPE = '            shape = (c, *_sliding(h, w, kernel, stride, padding, "window"))\n'
CONV_STRIDE = '"kernel_size", o["kernel_size"]), ({}), padding, "kernel"))'
MUTANTS = [
    mutant("conv parameter count missing the bias", CONV_COUNT, "    return f * (c // g) * kh * kw\n",
           {SLIDES, CONV, MODEL}, "ex03-conv-no-bias", {SLIDES, CONV}),
    mutant("one bias per conv layer", CONV_COUNT, "    return f * (c // g) * kh * kw + (1 if bias else 0)\n",
           {SLIDES, CONV, MODEL}, "ex03-conv-one-bias", {SLIDES, CONV}),
    mutant("parameter count ignores the input channels", CONV_COUNT, "    return f * kh * kw + (f if bias else 0)\n",
           {SLIDES, CONV, MODEL}, "ex03-conv-no-in-channels", {SLIDES, CONV}),
    mutant("groups ignored", CONV_COUNT, "    return f * c * kh * kw + (f if bias else 0)\n", {CONV, OPTIONS},
           "ex03-conv-groups-ignored", {CONV}),
    mutant("dense parameter count missing the bias", "    return n * m + (m if bias else 0)\n", "    return n * m\n",
           {SLIDES, DENSE, MODEL}, "ex03-dense-no-bias", {SLIDES, DENSE}),
    mutant("count_params leaves out every bias", "    return name, {**optional, **given}",
           "    return name, {**optional, **given, \"bias\": False}", {MODEL}, "ex03-model-no-bias", {MODEL}),
    mutant("flatten size taken from input_shape", "            shape = (int(np.prod(shape)),)\n",
           "            shape = (int(np.prod(input_shape)),)\n", {SLIDES, MODEL}, "ex03-model-flatten-from-input",
           {SLIDES, MODEL}),
    mutant("pooling does not shrink the shape", POOL_SHAPE,
           '            _sliding(h, w, kernel, stride, padding, "window")\n', {SLIDES, MODEL},
           "ex03-model-pools-ignored", {SLIDES, MODEL}),
    mutant("conv stride ignored in the shape", CONV_STRIDE.format("stride, stride"), CONV_STRIDE.format("1, 1"),
           {SLIDES, OPTIONS}),
    mutant("pool stride None taken as 1", '            stride = kernel if o["stride"] is None else',
           '            stride = (1, 1) if o["stride"] is None else', {SLIDES, MODEL}),
    mutant("options filled into the caller's dicts", "    return name, {**optional, **given}\n",
           "    for key, value in optional.items():\n        given.setdefault(key, value)\n    return name, given\n",
           {UNCHANGED}),
    mutant("dense before flatten accepted", "            if len(shape) != 1:\n", "            if False:\n", {INVALID}),
    mutant("unknown layers skipped",
           "        raise ValueError(f\"unknown layer {name!r}; known layers: {', '.join(LAYERS)}\")\n",
           "        return 'relu', {}\n", {INVALID}),
    mutant("groups not checked", "    if c % g or f % g:\n", "    if False:\n", {INVALID}),
    mutant("kernel larger than the feature map accepted", "    if kh > h + 2 * padding or kw > w + 2 * padding:\n",
           "    if False:\n", {INVALID}),
    mutant("unknown options ignored", "    if unknown:\n", "    if False:\n", {INVALID}),
    mutant("returns a float", "    return total\n", "    return float(total)\n", {SLIDES, MODEL, OPTIONS}),
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
        return
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
