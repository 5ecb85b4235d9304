"""Exercise 10: the reference trains to the bar, the stub is 'not implemented', mutants lose the right points.

Starting a sandboxed student process costs a torch import (seconds on a busy 2-core machine), so:
* real sandboxed gradings (grade_exercise) cover the reference (15 epochs on the digits, once, module-scoped),
  the stub, a train()-only stub, the endless loops (the driver's alarm, and the sandbox's hard timeout), MNIST
  files and a bad data folder;
* the MUTANTS table runs the same checks on the same driver IN THIS PROCESS (``judge``: a stand-in for the
  sandbox box that calls the exercise's driver.py directly and passes everything through the wire protocol), with
  FAST options (3 epochs on 600 images; see grader/course/ex10_train/checks.py) unless the fault needs the bar.
"""
from __future__ import annotations

import gzip
import importlib
import math
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
from grader.grading import _run_check, grade_exercise
from grader.results import CheckResult
from grader.sandbox import protocol
from grader.sandbox.client import LoadResult

N = 10
EX = course.get(N)
NAMES = {c.run: c.name for c in EX.checks}
SHAPE, LOSS, ACC, DEVICE, TIME = (NAMES[k] for k in ("model_output_shape", "loss_goes_down", "accuracy",
                                                      "on_device", "inside_budget"))
FAST = {"epochs": 3, "subset": 600}


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


@pytest.fixture(scope="module")
def grade(tmp_path_factory):
    """grade(source, **options) -> ExerciseResult, the source saved as exercises/ex10_train.py."""
    def run(source: str, **options):
        folder = tmp_path_factory.mktemp("ex10") / "exercises"
        folder.mkdir()
        (folder / EX.file).write_text(source)
        return grade_exercise(EX, folder, options=options or None)
    return run


@pytest.fixture(scope="module")
def reference(grade):
    return grade(solution_source(N))


def test_reference_scores_full_marks_and_reports_device_time_accuracy(reference):
    assert_full_marks(reference)
    info = reference.info
    assert info["device"].split()[0] in ("cpu", "cuda")
    assert "digits" in info["data"] and "15 epochs" in info["data"]
    assert "budget 60 s" in info["training time"]
    accuracy = float(info["held-out accuracy"].split(" %")[0])
    assert accuracy >= 97.0, info  # the bar is 95 %: the reference keeps a margin
    seconds = float(info["training time"].split(" s")[0])
    assert seconds < 30, info


def test_stub_scores_zero_not_implemented(grade):
    assert_not_implemented(grade(stub_source(N)))


def test_train_not_implemented_keeps_the_shape_points():
    stub = stub_source(N)
    source = solution_source(N).split("def train(")[0] + "def train(" + stub.split("def train(")[1]
    result = judge(source, **FAST)
    failed = failed_checks(result)
    assert SHAPE not in failed
    assert set(failed) == {LOSS, ACC, DEVICE, TIME}
    assert all(c.not_implemented and "train() is not implemented" in c.message for c in failed.values())


# -- mutants, judged in this process ------------------------------------------------------------------------------
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
    """Stands in for the Sandbox: runs the exercise's driver.py on the source's module in this process."""

    def __init__(self, source: str):
        self.module = _module(source)
        self.file = Path(EX.file)

    def load(self):
        return LoadResult(True, tuple(f for f in EX.functions if callable(getattr(self.module, f, None))))

    def run_driver(self, target: str, *args, timeout=None, **kwargs):
        mod_name, _, fn_name = target.partition(":")
        fn = getattr(importlib.import_module(mod_name), fn_name)
        return _wire(fn(self.module, *_wire(list(args)), **_wire(kwargs)))


def judge(source: str, **options) -> types.SimpleNamespace:
    """Run exercise 10's checks, in the entry's order, on ``source`` through InProcessBox."""
    student = Student(InProcessBox(source), N, options=options, driver=EX.driver_module)
    checks: list[CheckResult] = [_run_check(EX, check, student) for check in EX.checks]
    return types.SimpleNamespace(checks=checks, score=sum(c.points for c in checks), max_score=EX.points,
                                 status="passed" if all(c.passed for c in checks) else "failed", info=student.info)


# (name, old snippet of the reference, replacement, options, checks that must fail, checks that must pass,
#  words the message of the first must-fail check contains)
REF = solution_source(N)
MUTANTS = [
    ("no zero_grad", "            optimizer.zero_grad(set_to_none=True)\n", "", {},
     {ACC}, {SHAPE, DEVICE, TIME}, "below the 95 % bar"),
    ("learning rate 0", "lr=1e-3", "lr=0.0", FAST, {LOSS, ACC}, {SHAPE, DEVICE, TIME}, "did not go down"),
    ("plain SGD with a tiny learning rate", "torch.optim.Adam(model.parameters(), lr=1e-3)",
     "torch.optim.SGD(model.parameters(), lr=0.01)", FAST, {LOSS, ACC}, {SHAPE, DEVICE, TIME}, "barely went down"),
    ("gradient ascent", "            loss.backward()", "            (-loss).backward()", FAST,
     {LOSS, ACC}, {SHAPE, DEVICE, TIME}, "went up"),
    ("maximize=True", "lr=1e-3)", "lr=1e-3, maximize=True)", FAST, {LOSS}, {SHAPE, DEVICE, TIME}, "went up"),
    ("endless epoch loop", "    for _ in range(epochs):", "    while True:", {**FAST, "budget": 1},
     {TIME, LOSS, ACC, DEVICE}, {SHAPE}, "did not finish inside the 1 s budget"),
    ("one class too few", "nn.Linear(128, num_classes)", "nn.Linear(128, num_classes - 1)", FAST,
     {SHAPE, LOSS, ACC}, set(), "expected (3, 10)"),
    ("flatten size copied from the 28x28 slides", "nn.Linear(64 * h * w, 128)", "nn.Linear(9216, 128)", FAST,
     {SHAPE, LOSS, ACC}, set(), "derive the size of the first Linear layer"),
    ("no flatten", "        nn.Flatten(),\n", "", FAST, {SHAPE}, set(), "forward pass"),
    ("model left on the meta device", "    return losses", "    model.to('meta')\n    return losses", FAST,
     {DEVICE}, {SHAPE, LOSS, TIME}, "on meta"),
    ("model turned into float16", "    return losses", "    model.half()\n    return losses", FAST,
     {DEVICE}, {SHAPE, LOSS, TIME}, "float16"),
    ("forgot to return the losses", "    return losses", "    pass", FAST,
     {LOSS}, {SHAPE, DEVICE, TIME}, "train() returned None"),
    ("one loss per batch", "            count += labels.shape[0]\n",
     "            count += labels.shape[0]\n            losses.append(loss.item())\n", FAST,
     {LOSS}, {SHAPE, DEVICE, TIME}, "losses for 3 epochs"),
    ("float labels", "loss_fn(model(images), labels)", "loss_fn(model(images), labels.float())", FAST,
     {LOSS, ACC, DEVICE, TIME}, {SHAPE}, "train() raised"),
    ("build_model returns nothing", "    return nn.Sequential(", "    model = nn.Sequential(", FAST,
     {SHAPE, LOSS, ACC, DEVICE, TIME}, set(), "returned None"),
]


@pytest.mark.parametrize("name,old,new,options,must_fail,must_pass,words", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_mutant_loses_points_on_the_right_check(name, old, new, options, must_fail, must_pass, words):
    result = judge(mutate(REF, old, new), **options)
    failed = failed_checks(result)
    assert must_fail <= set(failed), (name, {n: c.message for n, c in failed.items()})
    assert not (must_pass & set(failed)), (name, {n: c.message for n, c in failed.items()})
    first = next(c for c in result.checks if c.name in must_fail)
    assert words in first.message + " ".join(first.details), (first.message, first.details)
    assert result.score < result.max_score and not any(c.not_implemented for c in result.checks)


def test_in_process_judge_passes_the_reference_with_fast_options():
    result = judge(REF, **FAST)       # (3 epochs on 600 images are too few for the accuracy bar)
    assert set(failed_checks(result)) == {ACC}, {c.name: c.message for c in result.checks if not c.passed}
    assert result.info["training time"].endswith("(budget 60 s)") and "on 600 for 3 epochs" in result.info["data"]


def test_losses_as_tensors_are_accepted():
    result = judge(mutate(REF, "losses.append((total / count).item())", "losses.append(total / count)"), **FAST)
    assert LOSS not in failed_checks(result)


def test_alarm_swallowed_endless_loop_is_killed_by_the_sandbox(grade):
    source = mutate(REF, "    for _ in range(epochs):", "    while True:\n        try:\n            time.sleep(0.05)\n"
                                                           "        except BaseException:\n            pass\n"
                                                           "    for _ in range(epochs):")
    source = "import time\n" + source
    result = grade(source, **FAST, budget=1, grace=2)
    failed = failed_checks(result)
    assert SHAPE not in failed
    assert {TIME, LOSS, ACC, DEVICE} <= set(failed)
    assert "the process was stopped after 3 s" in failed[TIME].message
    assert "did not finish" in result.info["training time"]


# -- the device check's logic, for a GPU run, tested on the CPU ------------------------------------------------
def _fake_student(device: str, run: dict) -> Student:
    student = Student(box=types.SimpleNamespace(), exercise=N, options={"device": device})
    ds = data.digits()
    base = {"errors": {}, "output_shape": (3, 10), "param_names": ["0.weight", "0.bias"],
            "param_devices": ["cpu", "cpu"], "param_dtypes": ["float32", "float32"], "buffer_devices": [],
            "losses": [2.0, 1.0], "losses_type": "a list of numbers", "loss_before": 2.3, "loss_after": 0.5,
            "train_seconds": 1.0, "timed_out": False, "device_name": None,
            "predictions": ds.test_y.copy(), "budget": 60.0}
    base.update(run)
    for key, value in {
            "plan": {"dataset": ds, "device": device, "device_why": "test", "epochs": 2, "budget": 60.0,
                     "grace": 5.0, "bar": 0.95, "train_x": ds.train_x, "train_y": ds.train_y},
            "probe": {"errors": {}, "output_shape": (3, 10), "output_type": "a tensor"},
            "run": base}.items():
        student.memo(key, lambda value=value: value)   # what the checks of one grading share, computed already
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


# -- what comes back from the student process is validated -------------------------------------------------------
def _good_result(n_test: int) -> dict:
    return {"errors": {}, "output_shape": [3, 10], "param_names": ["w"], "param_devices": ["cpu"],
            "param_dtypes": ["float32"], "buffer_devices": [], "losses": [2.0, 1.0], "losses_type": "list",
            "loss_before": 2.3, "loss_after": 0.4, "train_seconds": 1.0, "timed_out": False, "device_name": None,
            "predictions": np.zeros(n_test, np.int64)}


@pytest.mark.parametrize("key,value", [
    ("predictions", np.zeros(5, np.int64)),                 # wrong length
    ("predictions", np.zeros(359) + 0.5),                   # floats
    ("predictions", np.full(359, 10, np.int64)),             # class out of range
    ("predictions", np.full(359, -1, np.int64)),
    ("losses", ["1.0"]),
    ("param_devices", "cpu"),
    ("timed_out", "no"),
    ("errors", []),
    ("output_shape", [3.0, 10]),
])
def test_tampered_results_are_rejected(key, value):
    plan = ex10._plan(_fake_student("cpu", {}))
    result = _good_result(359)
    result[key] = value
    with pytest.raises(CheckFailed, match="malformed"):
        ex10._valid_run(result, dict(plan))
    ex10._valid_run(_good_result(359), dict(plan))  # and the untampered one is fine


# -- the driver, run in this process on the reference (fast, no sandbox) ---------------------------------------
def _small():
    ds = data.digits()
    idx = data.stratified_subset(ds.train_y, 300, 0)
    return ds.train_x[idx], ds.train_y[idx], ds.test_x[:50]


def test_driver_reports_build_errors_separately_from_train_errors():
    x, y, t = _small()
    broken_build = _module(REF.replace("    channels, height, width = input_shape", "    raise KeyError('oops')"))
    out = driver.run(broken_build, x, y, t, scale=16.0, num_classes=10, device="cpu", epochs=1)
    assert out["errors"]["build"]["type"] == "KeyError" and "train" not in out["errors"]
    broken_train = _module(REF.replace("    device = torch.device(device)", "    raise KeyError('oops')"))
    out = driver.run(broken_train, x, y, t, scale=16.0, num_classes=10, device="cpu", epochs=1)
    assert "build" not in out["errors"] and out["errors"]["train"]["type"] == "KeyError"
    assert out["output_shape"] == [3, 10] and out["loss_before"] > 2.0


def test_driver_stops_an_endless_train_at_the_budget_and_keeps_the_shape():
    x, y, t = _small()
    endless = _module(REF.replace("    for _ in range(epochs):", "    while True:"))
    out = driver.run(endless, x, y, t, scale=16.0, num_classes=10, device="cpu", epochs=1, time_budget=0.5)
    assert out["timed_out"] and out["output_shape"] == [3, 10] and out["predictions"] is None
    assert 0.4 < out["train_seconds"] < 5


def test_driver_is_deterministic_and_returns_plain_data():
    x, y, t = _small()
    module = _module(REF)
    a = driver.run(module, x, y, t, scale=16.0, num_classes=10, device="cpu", epochs=2, seed=3)
    b = driver.run(module, x, y, t, scale=16.0, num_classes=10, device="cpu", epochs=2, seed=3)
    assert a["losses"] == b["losses"] and np.array_equal(a["predictions"], b["predictions"])
    assert isinstance(a["predictions"], np.ndarray) and a["predictions"].dtype == np.int64
    assert a["predictions"].shape == (50,) and a["loss_after"] < a["loss_before"]
    assert a["param_devices"] == ["cpu"] * 8 and set(a["param_dtypes"]) == {"float32"}


def test_probe_returns_the_output_shape():
    ds = data.digits()
    out = driver.probe(_module(REF), ds.train_x[:3], scale=16.0, num_classes=10)
    assert out == {"output_shape": [3, 10], "output_type": "a tensor of dtype float32", "errors": {}, "batch": 3}


# -- the slides' numbers, pinned, and what torch says ------------------------------------------------------------
@pytest.mark.parametrize("shape,params,flat", [((1, 28, 28), 1_199_882, 9216), ((1, 8, 8), 53_002, 256)])
def test_reference_model_has_the_parameter_counts_in_the_stub(shape, params, flat):
    import torch

    model = _module(REF).build_model(shape, 10)
    assert sum(p.numel() for p in model.parameters()) == params
    assert model[6].in_features == flat
    assert sum(p.numel() for p in model[2].parameters()) == 18_496  # the slide's 18,494 is wrong
    assert f"{params:,}" in stub_source(N) and "18,494" in stub_source(N)
    assert model(torch.zeros(2, *shape)).shape == (2, 10)


def test_untrained_loss_and_natural_log_cross_entropy():
    import torch
    import torch.nn.functional as F

    uniform = F.cross_entropy(torch.zeros(1, 10), torch.tensor([3]))
    assert math.isclose(float(uniform), math.log(10), rel_tol=1e-6) and "2.303" in stub_source(N)
    slide = F.nll_loss(torch.log(torch.tensor([[0.3, 0.6, 0.1]])), torch.tensor([1]))
    assert round(float(slide), 3) == 0.511 and "0.511" in stub_source(N)


# -- MNIST (IDX files written here from upscaled digits) and the CLI -------------------------------------------------
def _write_idx(path: Path, array: np.ndarray) -> None:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)


@pytest.fixture(scope="module")
def fake_mnist(tmp_path_factory):
    """28x28 'MNIST' made of the digits, each pixel tripled and padded by 2: 500 training, 200 test images."""
    ds = data.digits()
    def big(x):
        return np.pad(np.kron(x[:, 0] * 15, np.ones((3, 3), np.uint8)), ((0, 0), (2, 2), (2, 2)))
    folder = tmp_path_factory.mktemp("mnist")
    _write_idx(folder / "train-images-idx3-ubyte.gz", big(ds.train_x[:500]))
    _write_idx(folder / "train-labels-idx1-ubyte.gz", ds.train_y[:500])
    _write_idx(folder / "t10k-images-idx3-ubyte", big(ds.test_x[:200]))
    _write_idx(folder / "t10k-labels-idx1-ubyte", ds.test_y[:200])
    return folder


def test_grading_on_mnist_files(fake_mnist):
    result = judge(solution_source(N), data=str(fake_mnist), epochs=1, subset=300)
    failed = failed_checks(result)
    assert not {SHAPE, LOSS, DEVICE, TIME} & set(failed), {n: c.message for n, c in failed.items()}
    assert result.info["data"].startswith("MNIST") and "28x28" in result.info["data"]
    assert "bar is 97 %" in result.info["held-out accuracy"]


def test_bad_data_folder_fails_the_checks_with_the_file_name(tmp_path):
    result = judge(solution_source(N), data=str(tmp_path))
    assert result.score == 0
    assert all("train-images-idx3-ubyte" in c.message for c in result.checks), [c.message for c in result.checks]


def test_cli_reports_a_truncated_file_in_one_line_with_exit_2(fake_mnist, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in fake_mnist.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    raw = (bad / "t10k-images-idx3-ubyte").read_bytes()
    (bad / "t10k-images-idx3-ubyte").write_bytes(raw[:1000])
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / EX.file).write_text(solution_source(N))
    proc = subprocess.run([sys.executable, "-m", "grader.cli", "exercise", "10", "--path", str(tmp_path),
                           "--data", str(bad)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "t10k-images-idx3-ubyte" in lines[0] and "truncated" in lines[0], proc.stderr
