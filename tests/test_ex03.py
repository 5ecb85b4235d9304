"""Exercise 3: the reference passes, the stub is 'not implemented', pinned answers agree with torch, and realistic
wrong versions lose points on the right check (with the right misconception message, where one is named)."""
import warnings

import pytest

from conftest import assert_loses_points, misconception_ids, mutate, solution_source
from grader import catalog
from grader.checks import ex03
from grader.misconceptions import by_id

N = 3
NAME = {c.run: c.name for c in catalog.get(N).checks}   # check function -> the name the student sees


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
            assert ex03.wrong_count(**kwargs) == answer


# (name, old snippet of the reference, replacement, checks (by function) that must fail,
#  {check function: misconception id it must show}; every other failed check must show no message or one of these)
MUTANTS = [
    ("conv parameter count missing the bias", "    return f * (c // g) * kh * kw + (f if bias else 0)\n",
     "    return f * (c // g) * kh * kw\n",
     {"slide_examples", "conv_matches_torch", "model_matches_torch"},
     {"slide_examples": "ex03-conv-no-bias", "conv_matches_torch": "ex03-conv-no-bias",
      "model_matches_torch": "ex03-model-no-bias", "model_options": "ex03-model-no-bias"}),
    ("one bias per conv layer", "    return f * (c // g) * kh * kw + (f if bias else 0)\n",
     "    return f * (c // g) * kh * kw + (1 if bias else 0)\n",
     {"slide_examples", "conv_matches_torch", "model_matches_torch"},
     {"slide_examples": "ex03-conv-one-bias", "conv_matches_torch": "ex03-conv-one-bias"}),
    ("parameter count ignores the input channels", "    return f * (c // g) * kh * kw + (f if bias else 0)\n",
     "    return f * kh * kw + (f if bias else 0)\n",
     {"slide_examples", "conv_matches_torch", "model_matches_torch"},
     {"slide_examples": "ex03-conv-no-in-channels", "conv_matches_torch": "ex03-conv-no-in-channels",
      "model_matches_torch": "ex03-model-no-in-channels", "model_options": "ex03-model-no-in-channels"}),
    ("groups ignored", "    return f * (c // g) * kh * kw + (f if bias else 0)\n",
     "    return f * c * kh * kw + (f if bias else 0)\n",
     {"conv_matches_torch", "model_options"},
     {"conv_matches_torch": "ex03-conv-groups-ignored"}),
    ("dense parameter count missing the bias", "    return n * m + (m if bias else 0)\n", "    return n * m\n",
     {"slide_examples", "dense_matches_torch", "model_matches_torch"},
     {"slide_examples": "ex03-dense-no-bias", "dense_matches_torch": "ex03-dense-no-bias",
      "model_matches_torch": "ex03-model-no-bias", "model_options": "ex03-model-no-bias"}),
    ("flatten size taken from input_shape", "            shape = (int(np.prod(shape)),)\n",
     "            shape = (int(np.prod(input_shape)),)\n",
     {"slide_examples", "model_matches_torch"},
     {"slide_examples": "ex03-model-flatten-from-input", "model_matches_torch": "ex03-model-flatten-from-input",
      "model_options": "ex03-model-flatten-from-input"}),
    ("pooling does not shrink the shape",
     '            shape = (c, *_sliding(h, w, kernel, stride, padding, "window"))\n',
     '            _sliding(h, w, kernel, stride, padding, "window")\n',
     {"slide_examples", "model_matches_torch"},
     {"slide_examples": "ex03-model-pools-ignored", "model_matches_torch": "ex03-model-pools-ignored",
      "model_options": "ex03-model-pools-ignored"}),
    ("conv stride ignored in the shape", '"kernel_size", o["kernel_size"]), (stride, stride), padding, "kernel"))',
     '"kernel_size", o["kernel_size"]), (1, 1), padding, "kernel"))', {"slide_examples", "model_options"}, {}),
    ("pool stride None taken as 1", '            stride = kernel if o["stride"] is None else',
     '            stride = (1, 1) if o["stride"] is None else', {"slide_examples", "model_matches_torch"}, {}),
    ("options filled into the caller's dicts", "    return name, {**optional, **given}\n",
     "    for key, value in optional.items():\n        given.setdefault(key, value)\n    return name, given\n",
     {"specs_unchanged"}, {}),
    ("dense before flatten accepted", "            if len(shape) != 1:\n", "            if False:\n",
     {"invalid_specs"}, {}),
    ("unknown layers skipped",
     "        raise ValueError(f\"unknown layer {name!r}; known layers: {', '.join(LAYERS)}\")\n",
     "        return 'relu', {}\n", {"invalid_specs"}, {}),
    ("groups not checked", "    if c % g or f % g:\n", "    if False:\n", {"invalid_specs"}, {}),
    ("kernel larger than the feature map accepted", "    if kh > h + 2 * padding or kw > w + 2 * padding:\n",
     "    if False:\n", {"invalid_specs"}, {}),
    ("unknown options ignored", "    if unknown:\n", "    if False:\n", {"invalid_specs"}, {}),
    ("returns a float", "    return total\n", "    return float(total)\n",
     {"slide_examples", "model_matches_torch", "model_options"}, {}),
]


@pytest.mark.parametrize("name,old,new,must_fail,shows", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_mutant_loses_points_on_the_right_property(graded, name, old, new, must_fail, shows):
    result = graded(N, mutate(solution_source(N), old, new))
    failed = assert_loses_points(result, {NAME[r] for r in must_fail}, name)
    allowed = {by_id(ident).message for ident in shows.values()}
    for run, ident in shows.items():
        if run in must_fail:
            check = failed[NAME[run]]
            assert check.misconception == by_id(ident).message, (name, run, check.misconception, check.details[:2])
    for check in failed.values():
        assert check.misconception is None or check.misconception in allowed, (name, check.name, check.misconception)


def test_every_ex03_misconception_has_a_mutant():
    shown = {ident for m in MUTANTS for run, ident in m[4].items() if run in m[3]}
    assert set(misconception_ids(N)) <= shown


def test_check_names_exist():
    for check in catalog.get(N).checks:
        assert callable(getattr(ex03, check.run))
