"""Exercise 10: the reference trains to the bar on real MNIST, the stub is 'not implemented', and mutants -- hostile
ones included -- lose the right points.

Everything runs on the MNIST images shipped with the grader. Starting a sandboxed student process costs a torch
import (seconds on a busy 2-core machine), and a full training run about 10-35 CPU seconds, so:
* real sandboxed gradings (grade_exercise) cover the reference (the default settings, once, module-scoped), the
  stub, and an endless loop that swallows the driver's alarm (the sandbox's hard timeout);
* the MUTANTS table runs the same checks on the same driver IN THIS PROCESS (``judge``: a stand-in for the sandbox
  box that calls the exercise's driver.py directly and passes everything through the wire protocol), with FAST
  options (2 epochs on 1,000 images) unless the verdict needs the bar: then the default settings, which cost a
  full training only where the mutant really trains.
Every grading here fixes ``perturb_seed`` (the held-out perturbation is secret and new for every real run).
"""
from __future__ import annotations

import importlib
import math
import os
import struct
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_full_marks, assert_not_implemented, failed_checks, mutate, solution_source, stub_source
from grader import course
from grader.checking.student import CheckFailed, Student
from grader.course.ex10_train import checks as ex10
from grader.course.ex10_train import data
from grader.course.ex10_train import driver
from grader.grading import grade_exercise, run_checks
from grader.sandbox import protocol
from grader.sandbox.client import LoadResult
from grader.sandbox.mode import cage_mode

N = 10
EX = course.get(N)
NAMES = {c.run: c.name for c in EX.checks}
SHAPE, LOSS, ACC, DEVICE, TIME = (NAMES[k] for k in ("model_output_shape", "loss_goes_down", "accuracy",
                                                      "on_device", "inside_budget"))
SEEDED = {"perturb_seed": 12}
FAST = {"epochs": 2, "subset": 1000, **SEEDED}
REF = solution_source(N)


@pytest.fixture(autouse=True)
def _restore_torch_state():
    """The in-process driver sets torch's threads and deterministic mode; give them back after each test."""
    import torch

    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    yield
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    if torch.are_deterministic_algorithms_enabled() != deterministic:
        torch.use_deterministic_algorithms(deterministic)


# -- the in-process stand-in for the sandbox ----------------------------------------------------------------------
def _module(source: str) -> types.ModuleType:
    module = types.ModuleType("student_ex10")
    module.__file__ = "student_ex10.py"
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def _wire(value):
    """What the value looks like after a trip through the sandbox's pipe."""
    frame = protocol.encode(value)
    header_len, _ = struct.unpack("<QQ", frame[:16])
    return protocol.decode(frame[16:16 + header_len], frame[16 + header_len:])


class InProcessBox:
    """Stands in for the Sandbox: runs the exercise's driver.py on the source's module in this process (its file is
    written to ``folder`` so that the grader's screening reads it; ``proc.pid`` is this process for the CPU clock)."""

    def __init__(self, source: str, folder: Path):
        self.module = _module(source)
        self.file = folder / EX.file
        self.file.write_text(source)
        self.proc = types.SimpleNamespace(pid=os.getpid())

    def load(self):
        return LoadResult(True, tuple(f for f in EX.functions if callable(getattr(self.module, f, None))))

    def run_driver(self, target: str, *args, timeout=None, wall=None, **kwargs):
        mod_name, _, fn_name = target.partition(":")
        fn = getattr(importlib.import_module(mod_name), fn_name)
        if fn_name == "prepare":
            kwargs["refuse"] = False   # a finder in this process would refuse sklearn to the tests that follow
        return _wire(fn(self.module, *_wire(list(args)), **_wire(kwargs)))


@pytest.fixture
def judge(tmp_path):
    """judge(source, **options): exercise 10's checks on ``source`` through InProcessBox, hygiene rules included."""
    def run(source: str, **options) -> types.SimpleNamespace:
        student = Student(InProcessBox(source, tmp_path), N, options={**SEEDED, **options}, driver=EX.driver_module)
        checks = run_checks(EX, student)
        return types.SimpleNamespace(checks=checks, score=sum(c.points for c in checks), max_score=EX.points,
                                     status="passed" if all(c.passed for c in checks) else "failed",
                                     info=student.info)
    return run


# -- hostile submissions, written out ---------------------------------------------------------------------------
NEVER_TRAINS = REF.split("def train(")[0] + '''def train(model, loader, device, epochs):
    model.to(device)
    return [2.3 / (1 + e) for e in range(epochs)]     # made-up losses, no training
'''

# 1-NN on the raw training images (the loader's tensors), wrapped in a CNN whose convolutions are trained for show
NEAREST_TRAINING_IMAGE = REF.replace("    for _ in range(epochs):", "    for _ in range(0):").replace("def build_model(input_shape, num_classes):", '''class Lookup(nn.Module):
    def __init__(self, cnn):
        super().__init__()
        self.cnn = cnn
        self.table = None

    def forward(self, x):
        if self.table is None:
            return self.cnn(x)
        images, labels = self.table
        a, b = images.flatten(1), x.flatten(1)
        d = (b * b).sum(1)[:, None] - 2 * b @ a.T + (a * a).sum(1)[None]
        return 10.0 * nn.functional.one_hot(labels[d.argmin(1)], 10).float()


def build_model(input_shape, num_classes):
    return Lookup(cnn_model(input_shape, num_classes))


def cnn_model(input_shape, num_classes):''').replace("    return losses", '''    model.table = loader.dataset.tensors
    return [2.3 / (1 + e) for e in range(epochs)]''')

# an exact-match lookup of the public MNIST images (here: read from the files shipped with the grader)
EXACT_TEST_IMAGE = REF.replace("def build_model(input_shape, num_classes):", '''import gzip
import os
import sys

import numpy as np


class Lookup(nn.Module):
    def __init__(self, cnn):
        super().__init__()
        self.cnn = cnn
        folder = os.path.join(os.path.dirname(sys.modules["grader"].__file__), "course", "ex10_train", "mnist")
        with gzip.open(os.path.join(folder, "t10k-images-idx3-ubyte.gz")) as f:
            images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
        with gzip.open(os.path.join(folder, "t10k-labels-idx1-ubyte.gz")) as f:
            labels = np.frombuffer(f.read(), np.uint8, offset=8)
        self.table = {image.tobytes(): int(label) for image, label in zip(images, labels)}

    def forward(self, x):
        keys = [np.rint(image[0].cpu().numpy() * 255).astype(np.uint8).tobytes() for image in x]
        found = [self.table.get(k) for k in keys]
        scores = self.cnn(x)
        hits = torch.tensor([k is not None for k in found])
        if hits.any():
            scores = scores.detach().clone()
            scores[hits] = 100 * nn.functional.one_hot(torch.tensor([k for k in found if k is not None]), 10).float()
        return scores


def build_model(input_shape, num_classes):
    return Lookup(cnn_model(input_shape, num_classes))


def cnn_model(input_shape, num_classes):''').replace("    for _ in range(epochs):", "    for _ in range(0):")

IGNORES_INPUT = REF.replace("    return nn.Sequential(\n", "    return nn.Sequential(\n        Blank(),\n").replace(
    "def build_model(", '''class Blank(nn.Module):
    def forward(self, x):
        return x * 0


def build_model(''')

NO_CONV = REF.replace('''        nn.Conv2d(channels, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * h * w, 128), nn.ReLU(),''', '''        nn.Flatten(),
        nn.Linear(channels * height * width, 128), nn.ReLU(),''')
assert NO_CONV != REF and IGNORES_INPUT != REF and EXACT_TEST_IMAGE != REF and NEAREST_TRAINING_IMAGE != REF

FULL = {}    # the default settings: 6 epochs on all 8,000 training images

# (name, source, options, checks that must fail, checks that must pass, words in the first must-fail check's text)
MUTANTS = [
    ("no zero_grad", mutate(REF, "            optimizer.zero_grad(set_to_none=True)\n", ""), FULL,
     {LOSS, ACC, DEVICE, TIME}, {SHAPE}, "optimizer.zero_grad() is missing"),
    ("learning rate 0", mutate(REF, "lr=3e-3", "lr=0.0"), FAST, {LOSS, ACC, DEVICE, TIME}, {SHAPE},
     "did not go down"),
    ("plain SGD with a tiny learning rate", mutate(REF, "torch.optim.Adam(model.parameters(), lr=3e-3)",
                                                   "torch.optim.SGD(model.parameters(), lr=0.001)"), FAST,
     {LOSS, ACC, DEVICE, TIME}, {SHAPE}, "learning rate"),
    ("gradient ascent", mutate(REF, "            loss.backward()", "            (-loss).backward()"), FAST,
     {LOSS, ACC}, {SHAPE}, "went up"),
    ("maximize=True", mutate(REF, "lr=3e-3)", "lr=3e-3, maximize=True)"), FAST, {LOSS}, {SHAPE}, "went up"),
    ("endless epoch loop", mutate(REF, "    for _ in range(epochs):", "    while True:"), {**FAST, "budget": 1},
     {TIME, LOSS, ACC, DEVICE}, {SHAPE}, "did not finish inside the 1 s budget"),
    ("model that ignores its input", IGNORES_INPUT, FAST, {LOSS, ACC, DEVICE, TIME}, {SHAPE}, "did not go down"),
    ("1-NN lookup of the raw training images", NEAREST_TRAINING_IMAGE, FULL, {LOSS, ACC, DEVICE, TIME}, {SHAPE},
     "below the 96 % bar"),
    ("exact lookup of the public test images", EXACT_TEST_IMAGE, FULL, {LOSS, ACC, DEVICE, TIME}, {SHAPE},
     "below the 96 % bar"),
    ("a model without convolutions", NO_CONV, FAST, {SHAPE}, set(), "no convolution layer"),
    ("fake losses, no training", NEVER_TRAINS, FAST, {LOSS, ACC, DEVICE, TIME}, {SHAPE}, "did not go down"),
    ("one class too few", mutate(REF, "nn.Linear(128, num_classes)", "nn.Linear(128, num_classes - 1)"), FAST,
     {SHAPE, LOSS, ACC}, set(), "expected (3, 10)"),
    ("flatten size copied from a 28x28 slide", mutate(REF, "nn.Linear(32 * h * w, 128)", "nn.Linear(9216, 128)"),
     FAST, {SHAPE, LOSS, ACC}, set(), "derive the size of the first Linear layer"),
    ("no flatten", mutate(REF, "        nn.Flatten(),\n", ""), FAST, {SHAPE}, set(), "forward pass"),
    ("model left on the meta device", mutate(REF, "    return losses", "    model.to('meta')\n    return losses"),
     FAST, {ACC, DEVICE}, {SHAPE}, "meta"),
    ("model turned into float16", mutate(REF, "    return losses", "    model.half()\n    return losses"), FAST,
     {DEVICE}, {SHAPE, LOSS, TIME}, "float16"),
    ("forgot to return the losses", mutate(REF, "    return losses", "    pass"), FAST,
     {LOSS}, {SHAPE}, "train() returned None"),
    ("one loss per batch", mutate(REF, "            count += labels.shape[0]\n",
                                  "            count += labels.shape[0]\n            losses.append(loss.item())\n"),
     FAST, {LOSS}, {SHAPE}, "losses for 2 epochs"),
    ("float labels", mutate(REF, "loss_fn(model(images), labels)", "loss_fn(model(images), labels.float())"), FAST,
     {LOSS, ACC, DEVICE, TIME}, {SHAPE}, "train() raised"),
    ("build_model returns nothing", mutate(REF, "    return nn.Sequential(", "    model = nn.Sequential("), FAST,
     {SHAPE, LOSS, ACC, DEVICE, TIME}, set(), "returned None"),
]


@pytest.mark.parametrize("name,source,options,must_fail,must_pass,words", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_mutant_loses_points_on_the_right_check(judge, name, source, options, must_fail, must_pass, words):
    result = judge(source, **options)
    failed = failed_checks(result)
    assert must_fail <= set(failed), (name, {n: c.message for n, c in failed.items()})
    assert not (must_pass & set(failed)), (name, {n: c.message for n, c in failed.items()})
    said = " ".join(c.message + " " + " ".join(c.details) for c in result.checks if c.name in must_fail)
    assert words in said, said
    assert result.score < result.max_score and not any(c.not_implemented for c in result.checks)


def test_a_train_that_never_trains_earns_only_the_model_points(judge):
    result = judge(NEVER_TRAINS, **FULL)
    assert result.score == 2 and not failed_checks(result).get(SHAPE)
    assert "did not go down" in failed_checks(result)[LOSS].message
    assert "the losses train() returned: 2.3, 1.15" in " ".join(failed_checks(result)[LOSS].details)


def test_in_process_judge_passes_the_reference_with_fast_options_but_the_bar(judge):
    result = judge(REF, **FAST)       # (2 epochs on 1,000 images are too few for the accuracy bar)
    assert set(failed_checks(result)) == {ACC}, {c.name: c.message for c in result.checks if not c.passed}
    assert "budget 120 s of CPU time (on a GPU: 60 s)" in result.info["training time"]
    assert "on 1,000 for 2 epochs" in result.info["data"] and "28x28" in result.info["data"]


def test_losses_as_tensors_are_accepted(judge):
    result = judge(mutate(REF, "losses.append((total / count).item())", "losses.append(total / count)"), **FAST)
    assert LOSS not in failed_checks(result)


# -- real sandboxed gradings --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def grade(tmp_path_factory):
    """grade(source, **options) -> ExerciseResult, the source saved as exercises/ex10_train.py."""
    def run(source: str, **options):
        folder = tmp_path_factory.mktemp("ex10") / "exercises"
        folder.mkdir()
        (folder / EX.file).write_text(source)
        return grade_exercise(EX, folder, options={**SEEDED, **options})
    return run


@pytest.fixture(scope="module")
def reference(grade):
    return grade(REF)


def test_reference_scores_full_marks_on_mnist_and_reports_device_time_accuracy(reference):
    assert_full_marks(reference)
    info = reference.info
    assert info["device"].split()[0] in ("cpu", "cuda")
    assert "real MNIST digits" in info["data"] and "all 8,000 for 6 epochs" in info["data"]
    assert "budget 120 s of CPU time (on a GPU: 60 s)" in info["training time"]
    accuracy = float(info["held-out accuracy"].split(" %")[0])
    assert accuracy >= 97.0, info        # the bar is 96 %: the reference keeps a margin
    assert "/2,000 correct; the bar is 96 %" in info["held-out accuracy"]
    cpu = float(info["training time"].split(" s CPU")[0])
    assert 0 < cpu < 120, info


def test_stub_scores_zero_not_implemented(grade):
    assert_not_implemented(grade(stub_source(N)))


def test_alarm_swallowed_endless_loop_is_killed_by_the_sandbox(grade):
    source = mutate(REF, "    for _ in range(epochs):", "    while True:\n        try:\n            time.sleep(0.05)\n"
                                                           "        except BaseException:\n            pass\n"
                                                           "    for _ in range(epochs):")
    result = grade("import time\n" + source, **FAST, budget=1, grace=2)
    failed = failed_checks(result)
    assert SHAPE not in failed and {TIME, LOSS, ACC, DEVICE} <= set(failed)
    assert "did not finish inside the 1 s budget: the process was stopped after 5 s" in failed[LOSS].message
    assert "did not finish" in result.info["training time"]


# A lookup that survives the perturbation: read the public images from the grader's own files, search the 9 shifts of
# every held-out image for its original, answer the original's label. Only a file system without those files stops
# it: the student process's view does not contain data.SHIPPED_DIR (an empty folder is mounted over it).
_FORWARD = EXACT_TEST_IMAGE[EXACT_TEST_IMAGE.index("    def forward(self, x):"):
                            EXACT_TEST_IMAGE.index("\n\n\ndef build_model") + 1]     # the exact lookup's forward
SHIFT_SEARCH = EXACT_TEST_IMAGE.replace('''        self.table = {image.tobytes(): int(label) for image, label in zip(images, labels)}
''', '''        rng, held = np.random.default_rng(0), []       # the grader's public split: 20 % of each class
        for c in range(10):
            members = np.flatnonzero(labels == c)
            held.extend(rng.choice(members, size=round(len(members) * 0.2), replace=False))
        self.images = torch.from_numpy(images[held].reshape(len(held), -1).astype(np.float32) / 255)
        self.labels = torch.from_numpy(labels[held].astype(np.int64))
''').replace(_FORWARD, '''    def forward(self, x):
        best = torch.full((len(x),), float("inf"))
        label = torch.zeros(len(x), dtype=torch.int64)
        padded = nn.functional.pad(x[:, 0], (1, 1, 1, 1))
        a = self.images
        for dy in (0, 1, 2):
            for dx in (0, 1, 2):
                b = padded[:, dy:dy + 28, dx:dx + 28].reshape(len(x), -1)
                d = (b * b).sum(1)[:, None] - 2 * b @ a.T + (a * a).sum(1)[None]
                value, index = d.min(1)
                better = value < best
                best[better], label[better] = value[better], self.labels[index[better]]
        return 100 * nn.functional.one_hot(label, 10).float()
''')
assert SHIFT_SEARCH != EXACT_TEST_IMAGE and "d.min(1)" in SHIFT_SEARCH


@pytest.mark.skipif(not cage_mode().ok, reason=f"no cage on this machine: {cage_mode().why}")
def test_the_shipped_files_are_out_of_the_student_process_reach(grade):
    result = grade(SHIFT_SEARCH, **FAST)
    assert ACC in failed_checks(result), result.info.get("held-out accuracy")


def test_train_not_implemented_keeps_the_shape_points(judge):
    source = REF.split("def train(")[0] + "def train(" + stub_source(N).split("def train(")[1]
    result = judge(source, **FAST)
    failed = failed_checks(result)
    assert set(failed) == {LOSS, ACC, DEVICE, TIME}
    assert all(c.not_implemented and "train() is not implemented" in c.message for c in failed.values())


# -- what the student process may not do -----------------------------------------------------------------------------
@pytest.mark.parametrize("line,name", [("import sklearn.datasets", "sklearn"),
                                       ("from grader.course.ex10_train import data", "grader.course.ex10_train.data")])
def test_data_set_libraries_are_refused_before_anything_runs(judge, line, name):
    result = judge(line + "\n" + REF, **FAST)
    assert result.score == 0
    assert all(f"imports {name}: not allowed in exercise 10" in c.message for c in result.checks[:3]), \
        [c.message for c in result.checks]


@pytest.mark.parametrize("source,names", [
    ("from keras.datasets import mnist\nimport tensorflow_datasets as tfds", ["keras", "tensorflow_datasets"]),
    ("def f():\n    return __import__('torchvision.datasets')", ["torchvision"]),
    ("import importlib\nimportlib.import_module('sklearn')", ["sklearn"]),
    ("from grader.course.ex10_train.data import shipped", ["grader.course.ex10_train.data"]),
    ("import numpy, torch\nfrom torch import nn\nimport os.path\nfrom . import x", []),
])
def test_refused_imports_are_found_in_the_source(source, names):
    assert ex10.refused_imports(source) == names


def test_a_data_set_library_imported_at_run_time_is_refused_in_the_student_process():
    ds = data.shipped()
    module = _module(REF.replace("    device = torch.device(device)",
                                 "    __import__('skl' + 'earn.datasets')\n    device = torch.device(device)"))
    finders, loaded = list(sys.meta_path), {k: v for k, v in sys.modules.items() if k.partition(".")[0] == "sklearn"}
    for name in loaded:       # as in a fresh student process, where nothing has imported scikit-learn
        del sys.modules[name]
    try:
        prepared = driver.prepare(module, ds.train_x[:200], ds.train_y[:200], ds.test_x[:10], scale=255.0,
                                  num_classes=10, device="cpu")
        out = driver.train(module, epochs=1, budget=30)
    finally:
        sys.meta_path[:] = finders    # the finder stays in a student process; not in this one
        sys.modules.update(loaded)
    assert prepared["errors"] == {}   # ("refused" lists the grader modules this test process has loaded)
    assert out["errors"]["train"]["type"] == "ImportError"
    assert "'import sklearn' is not allowed in exercise 10" in out["errors"]["train"]["message"]


def test_a_submission_over_32_kb_is_refused(judge):
    result = judge(REF + "\n# " + "x" * 33_000 + "\n", **FAST)
    assert result.score == 0
    assert all("exercise 10 accepts at most 32,768" in c.message for c in result.checks[:3])


def test_the_held_out_images_are_perturbed_per_run_and_never_their_labels(tmp_path):
    sent = []

    class Recorder(InProcessBox):
        def run_driver(self, target, *args, timeout=None, wall=None, **kwargs):
            sent.append((target.rpartition(":")[2], args, kwargs))
            return super().run_driver(target, *args, timeout=timeout, **kwargs)

    plans = []
    for seed in (None, None, 5):
        options = {"epochs": 1, "subset": 300} | ({} if seed is None else {"perturb_seed": seed})
        student = Student(Recorder(REF, tmp_path), N, options=options, driver=EX.driver_module)
        run_checks(EX, student)
        plans.append(ex10._plan(student))
    ds = data.shipped()
    originals = {x.tobytes() for x in ds.test_x}
    predicted = [args[0] for name, args, _ in sent if name == "predict"]
    assert len(predicted) == 3 and not any(x.tobytes() in originals for x in predicted[0])
    assert not np.array_equal(predicted[0], predicted[1])       # a secret seed, new for every run
    labels = {ds.test_y.tobytes(), np.sort(ds.test_y).tobytes()}
    for name, args, kwargs in sent:                             # no held-out label in any request
        for value in [*args, *kwargs.values()]:
            if isinstance(value, np.ndarray) and value.dtype == np.int64 and len(value) == len(ds.test_y):
                assert value.tobytes() not in labels and not np.array_equal(value, plans[0]["heldout_y"])
    assert sorted(plans[2]["heldout_y"].tolist()) == sorted(ds.test_y.tolist())


def test_one_nearest_neighbour_and_exact_lookups_stay_far_below_the_bar():
    """The measurements behind the bar: the raw training images as a 1-NN lookup, and an exact lookup of the public
    images, on the perturbed held-out images (the reference clears 96 % with margin, see above)."""
    ds = data.shipped()
    heldout = data.perturb(ds.test_x, 3, noise=16.0, top=255)
    a = ds.train_x.reshape(len(ds.train_x), -1).astype(np.float32)
    b = heldout.reshape(len(heldout), -1).astype(np.float32)
    nearest = ((b * b).sum(1)[:, None] - 2 * b @ a.T + (a * a).sum(1)[None]).argmin(1)
    accuracy = float(np.mean(ds.train_y[nearest] == ds.test_y))
    assert 0.80 < accuracy < 0.92, accuracy        # 1-NN on the raw, unperturbed images: 95.25 %
    table = {x.tobytes() for x in ds.test_x}
    assert not any(x.tobytes() in table for x in heldout)


# -- the device check's logic, for a GPU run, tested on the CPU ------------------------------------------------
def _fake_student(device: str, run: dict) -> Student:
    student = Student(box=types.SimpleNamespace(), exercise=N, options={"device": device})
    base = {"errors": {}, "param_names": ["0.weight", "0.bias"], "param_devices": ["cpu", "cpu"],
            "param_dtypes": ["float32", "float32"], "buffer_devices": [], "losses": [2.0, 1.0],
            "losses_type": "a list of numbers", "timed_out": False, "over_budget": False, "wall_seconds": 1.0,
            "cpu_seconds": 1.0, "conv_changes": [["0", 0.1]], "logits": None}
    base.update(run)
    ds = data.digits()
    student.memo("plan", lambda: {"dataset": ds, "device": device, "device_why": "test", "epochs": 2,
                                  "budget": 60.0, "grace": 5.0, "bar": 0.95, "clock": "cpu"})
    student.memo("run", lambda: base)
    return student


@pytest.mark.parametrize("device,params,dtypes,buffers,words", [
    ("cuda", ["cpu", "cpu"], ["float32"] * 2, [], "on cpu, but train() was given device 'cuda'"),
    ("cuda:0", ["cuda:0", "cpu"], ["float32"] * 2, [], "1 of 2 parameter tensors are on cpu"),
    ("cuda:1", ["cuda:0", "cuda:0"], ["float32"] * 2, [], "on cuda:0, but train() was given device 'cuda:1'"),
    ("cpu", ["meta", "meta"], ["float32"] * 2, [], "meta"),
    ("cuda", ["cuda:0", "cuda:0"], ["float16", "float16"], [], "float16"),
    ("cuda", ["cuda:0", "cuda:0"], ["float32"] * 2, ["cpu"], "buffer"),
])
def test_device_check_fails_for_a_model_left_elsewhere(device, params, dtypes, buffers, words):
    student = _fake_student(device, {"param_devices": params, "param_dtypes": dtypes, "buffer_devices": buffers})
    with pytest.raises(CheckFailed) as info:
        ex10.on_device(student)
    assert words in info.value.summary


@pytest.mark.parametrize("device,params", [("cuda", ["cuda:0", "cuda:0"]), ("cuda:0", ["cuda:0", "cuda:0"]),
                                           ("cpu", ["cpu", "cpu"])])
def test_device_check_passes_on_the_given_device(device, params):
    ex10.on_device(_fake_student(device, {"param_devices": params}))


def test_device_check_fails_for_a_model_without_parameters():
    student = _fake_student("cpu", {"param_names": [], "param_devices": [], "param_dtypes": []})
    with pytest.raises(CheckFailed, match="no parameters"):
        ex10.on_device(student)


def test_budget_check_judges_the_time_the_grader_measured():
    student = _fake_student("cpu", {"over_budget": True, "cpu_seconds": 75.5, "wall_seconds": 80.0})
    with pytest.raises(CheckFailed, match=r"train\(\) took 75.5 s of CPU time, over the 60 s budget"):
        ex10.inside_budget(student)
    ex10.inside_budget(_fake_student("cpu", {}))


# -- what comes back from the student process is validated -------------------------------------------------------
def _good_train_result() -> dict:
    return {"errors": {}, "param_names": ["w"], "param_devices": ["cpu"], "param_dtypes": ["float32"],
            "buffer_devices": [], "losses": [2.0, 1.0], "losses_type": "list", "cpu_seconds": 1.0,
            "timed_out": False, "conv_changes": [["0", 0.5]], "refused": []}


@pytest.mark.parametrize("key,value", [
    ("losses", ["1.0"]),
    ("param_devices", "cpu"),
    ("timed_out", "no"),
    ("errors", []),
    ("conv_changes", [["0", "big"]]),
    ("cpu_seconds", "fast"),
])
def test_tampered_train_results_are_rejected(key, value):
    result = _good_train_result()
    result[key] = value
    with pytest.raises(CheckFailed, match="malformed"):
        ex10._valid_train(result, {})
    ex10._valid_train(_good_train_result(), {})   # and the untampered one is fine


@pytest.mark.parametrize("value", [np.zeros((5, 10), np.float32), np.zeros((7, 10)), np.zeros((7, 9), np.float32),
                                   [[0.0] * 10] * 7])
def test_tampered_logits_are_rejected(value):
    with pytest.raises(CheckFailed, match="malformed"):
        ex10._valid_logits(value, 7, 10, "logits")
    assert ex10._valid_logits(np.zeros((7, 10), np.float32), 7, 10, "logits").shape == (7, 10)


def test_cross_entropy_matches_torch():
    import torch

    rng = np.random.default_rng(0)
    logits, labels = (rng.normal(size=(50, 10)) * 30).astype(np.float32), rng.integers(0, 10, 50)
    expected = float(torch.nn.functional.cross_entropy(torch.from_numpy(logits).double(), torch.from_numpy(labels)))
    assert math.isclose(ex10.cross_entropy(logits, labels), expected, rel_tol=1e-9)
    assert math.isclose(ex10.cross_entropy(np.zeros((3, 10), np.float32), np.array([1, 2, 3])), math.log(10))


# -- the driver, run in this process on the reference (fast, no sandbox) ---------------------------------------
def _small():
    ds = data.shipped()
    return ds.train_x[:300], ds.train_y[:300], ds.test_x[:50]


def _prepare(module, x, y, t, **kwargs):
    return driver.prepare(module, x, y, t, scale=255.0, num_classes=10, device="cpu", refuse=False, **kwargs)


def test_driver_reports_build_errors_separately_from_train_errors():
    x, y, t = _small()
    out = _prepare(_module(REF.replace("    channels, height, width = input_shape", "    raise KeyError('oops')")),
                   x, y, t)
    assert out["errors"]["build"]["type"] == "KeyError" and out["logits_before"] is None
    broken_train = _module(REF.replace("    device = torch.device(device)", "    raise KeyError('oops')"))
    out = _prepare(broken_train, x, y, t)
    assert out["errors"] == {} and out["output_shape"] == [3, 10] and out["conv_layers"] == ["0", "3"]
    assert out["logits_before"].shape == (50, 10) and out["logits_before"].dtype == np.float32
    trained = driver.train(broken_train, epochs=1, budget=30)
    assert trained["errors"]["train"]["type"] == "KeyError" and trained["conv_changes"] == [["0", 0.0], ["3", 0.0]]
    assert driver.predict(broken_train, t)["errors"]["predict"]["by_grader"]


def test_driver_stops_an_endless_train_at_the_cpu_budget():
    x, y, t = _small()
    endless = _module(REF.replace("    for _ in range(epochs):", "    while True:"))
    _prepare(endless, x, y, t)
    out = driver.train(endless, epochs=1, budget=0.5, clock="cpu")
    assert out["timed_out"] and out["losses"] is None and 0.4 < out["cpu_seconds"] < 5


def test_driver_is_deterministic_and_returns_plain_data():
    x, y, t = _small()
    module = _module(REF)
    runs = []
    for _ in range(2):
        _prepare(module, x, y, t, seed=3)
        trained = driver.train(module, epochs=2, budget=60)
        runs.append((trained, driver.predict(module, t)))
    (a, pa), (b, pb) = runs
    assert a["losses"] == b["losses"] and np.array_equal(pa["logits"], pb["logits"])
    assert pa["logits"].shape == (50, 10) and pa["logits"].dtype == np.float32
    assert a["param_devices"] == ["cpu"] * 8 and set(a["param_dtypes"]) == {"float32"}
    assert all(moved > 0 for _, moved in a["conv_changes"])


def test_the_loader_shifts_each_training_image_by_at_most_a_pixel():
    import torch

    x = torch.from_numpy(data.shipped().train_x[:64].astype(np.float32))
    batch = [(img, torch.tensor(0)) for img in x]
    shifted, _ = driver.ShiftedBatches(torch, 0)(batch)
    padded = torch.nn.functional.pad(x, (1, 1, 1, 1))
    seen = set()
    for original, got in zip(padded, shifted):
        found = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
                 if torch.equal(original[:, 1 - dy:29 - dy, 1 - dx:29 - dx], got)]
        assert found
        seen.add(found[0])
    assert len(seen) >= 6


# -- the numbers in the stub, and what torch says ----------------------------------------------------------------
@pytest.mark.parametrize("shape,params,flat", [((1, 28, 28), 206_922, 1568), ((1, 8, 8), 22_602, 128)])
def test_reference_model_has_the_parameter_counts_in_the_stub(shape, params, flat):
    import torch

    model = _module(REF).build_model(shape, 10)
    assert sum(p.numel() for p in model.parameters()) == params
    assert model[7].in_features == flat
    assert model(torch.zeros(2, *shape)).shape == (2, 10)
    table = [f"{sum(p.numel() for p in layer.parameters()):,}" for layer in model if list(layer.parameters())]
    assert all(n in stub_source(N) for n in table), table


def test_the_slides_cnn_numbers_in_the_stub():
    from torch import nn

    slides = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                           nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Linear(128, 10))
    assert sum(p.numel() for p in slides.parameters()) == 1_199_882 and "1,199,882" in stub_source(N)
    assert sum(p.numel() for p in slides[2].parameters()) == 18_496 and "18,494" in stub_source(N)


def test_untrained_loss_and_natural_log_cross_entropy():
    import torch
    import torch.nn.functional as F

    uniform = F.cross_entropy(torch.zeros(1, 10), torch.tensor([3]))
    assert math.isclose(float(uniform), math.log(10), rel_tol=1e-6) and "2.303" in stub_source(N)
    slide = F.nll_loss(torch.log(torch.tensor([[0.3, 0.6, 0.1]])), torch.tensor([1]))
    assert round(float(slide), 3) == 0.511 and "0.511" in stub_source(N)


# -- other data: MNIST files (written here from the shipped images), the digits, and the CLI ----------------------
def _write_idx(path: Path, array: np.ndarray) -> None:
    import gzip

    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)


@pytest.fixture(scope="module")
def mnist_folder(tmp_path_factory):
    """A folder in the full MNIST layout: 600 training and 200 test images taken from the shipped ones."""
    ds = data.shipped()
    folder = tmp_path_factory.mktemp("mnist")
    _write_idx(folder / "train-images-idx3-ubyte.gz", ds.train_x[:600, 0])
    _write_idx(folder / "train-labels-idx1-ubyte.gz", ds.train_y[:600])
    _write_idx(folder / "t10k-images-idx3-ubyte", ds.test_x[:200, 0])
    _write_idx(folder / "t10k-labels-idx1-ubyte", ds.test_y[:200])
    return folder


def test_grading_on_mnist_files(judge, mnist_folder):
    result = judge(REF, data=str(mnist_folder), epochs=2, subset=300)
    failed = failed_checks(result)
    assert not {SHAPE, LOSS} & set(failed), {n: c.message for n, c in failed.items()}
    assert result.info["data"].startswith("MNIST") and "28x28" in result.info["data"]
    assert "/200 correct; the bar is 97 %" in result.info["held-out accuracy"]


def test_grading_on_the_digits(judge):
    result = judge(REF, data="digits")
    assert_full_marks(result)
    assert "scikit-learn digits, 8x8" in result.info["data"] and "bar is 95 %" in result.info["held-out accuracy"]


def test_bad_data_folder_fails_the_checks_with_the_file_name(judge, tmp_path):
    (tmp_path / "empty").mkdir()
    result = judge(REF, data=str(tmp_path / "empty"))
    assert result.score == 0
    assert all("train-images-idx3-ubyte" in c.message for c in result.checks[:3]), [c.message for c in result.checks]


def test_cli_reports_a_truncated_file_in_one_line_with_exit_2(mnist_folder, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in mnist_folder.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    raw = (bad / "t10k-images-idx3-ubyte").read_bytes()
    (bad / "t10k-images-idx3-ubyte").write_bytes(raw[:1000])
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / EX.file).write_text(REF)
    proc = subprocess.run([sys.executable, "-m", "grader.cli", "exercise", "10", "--path", str(tmp_path),
                           "--data", str(bad)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "t10k-images-idx3-ubyte" in lines[0] and "truncated" in lines[0], proc.stderr


def test_cli_reports_a_missing_data_folder_in_one_line_with_exit_2(tmp_path):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / EX.file).write_text(REF)
    proc = subprocess.run([sys.executable, "-m", "grader.cli", "exercise", "10", "--path", str(tmp_path),
                           "--data", str(tmp_path / "nowhere")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "nowhere: not a folder" in lines[0], proc.stderr


def test_the_budgets_in_the_entry_and_the_stub_are_the_graders():
    said = f"CPU: {ex10.CPU_BUDGET:g} s of CPU time; GPU: {ex10.GPU_BUDGET:g} s"
    assert said in TIME and f"on the CPU {ex10.CPU_BUDGET:g} s of CPU time, on a GPU {ex10.GPU_BUDGET:g} s" in \
        " ".join(stub_source(N).split())
    assert f"{ex10.DEFAULTS['shipped-cpu']['bar'] * 100:g} %" in ACC and ex10.MAX_SOURCE_BYTES == 32 * 1024


# -- the messages in Traditional Chinese ----------------------------------------------------------------------------
def test_failure_messages_in_chinese(judge):
    """With --lang zh-TW the refusal (read by the grader) and a problem the driver found in the student process
    (sent as an English template with its arguments, translated by the grader) are Chinese; English by default."""
    from grader import i18n

    returns_none = REF.replace("    return nn.Sequential(", "    return None\n    nn.Sequential(", 1)
    with i18n.speaking("zh-TW"):
        refused = judge("import sklearn.datasets\n" + REF, **FAST)
        not_a_module = judge(returns_none, **FAST)
    assert "import 了 sklearn：第 10 題不允許" in refused.checks[0].message, refused.checks[0].message
    assert "build_model() 傳回了 None" in not_a_module.checks[0].message, not_a_module.checks[0].message
    assert "應該是一個 torch.nn.Module" in not_a_module.checks[0].message
    english = judge(returns_none, **FAST)
    assert "build_model() returned None" in english.checks[0].message
    assert "expected a torch.nn.Module" in english.checks[0].message


def test_only_the_drivers_own_templates_are_translated():
    """The student process could send any template: only the driver's own are formatted, else its text is shown."""
    from grader import i18n

    hostile = {"by_grader": True, "message": "plain text", "template": "{returned.__class__.__mro__}",
               "args": {"returned": "x"}}
    good = {"by_grader": True, "message": "english", "template": driver.NOT_A_MODULE, "args": {"returned": "None"}}
    with i18n.speaking("zh-TW"):
        assert ex10.driver_message(hostile) == "plain text"
        assert ex10.driver_message({**good, "args": {"returned": 5}}) == "english"
        assert ex10.driver_message(good) == "build_model() 傳回了 None，應該是一個 torch.nn.Module"
    assert ex10.driver_message(good) == "build_model() returned None, expected a torch.nn.Module"


def test_the_refusal_raised_in_the_student_process_is_translated_by_the_grader():
    from grader import i18n
    from grader.sandbox.student_process import describe_exception

    with pytest.raises(ImportError) as raised:
        driver._RefuseDataLibraries().exec_module(types.ModuleType("sklearn"))
    error = describe_exception(raised.value, "ex10_train.py")
    assert error["message"].startswith("'import sklearn' is not allowed in exercise 10")
    assert ex10._error_failure("train()", error).summary == f"train() raised ImportError: {error['message']}"
    with i18n.speaking("zh-TW"):
        summary = ex10._error_failure("train()", error).summary
    assert summary.startswith("train() 引發了 ImportError：第 10 題不允許 'import sklearn'：它拿得到資料集"), summary
