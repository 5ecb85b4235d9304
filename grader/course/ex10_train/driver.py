"""Exercise 10's driver. It runs INSIDE the student process (the sandbox's "driver" request), never in the grader.

The grader (checks.py beside this file) makes three requests, in this order, through the sandbox::

    prepare(train_x, train_y, loss_x, scale=255.0, num_classes=10, device="cpu", seed=0, batch_size=64)
    train(epochs=6, budget=60.0, clock="cpu")
    predict(heldout_x)

and times the ``train`` request itself (wall clock, and the student process's CPU time read from outside). Plain data
goes in (uint8 pixels, int64 training labels, numbers, strings) and plain data comes back (lists, numbers, strings,
float32 logits). No held-out label ever comes here: ``loss_x`` and ``heldout_x`` are held-out images the grader
shifted and blurred with noise from a seed this process never sees, and the grader computes the loss before and
after training and the accuracy from the logits, with its own labels.

What the requests do:

* ``prepare``: seeds torch/numpy/random, turns on deterministic algorithms where torch has them (cuDNN
  deterministic, no cuDNN benchmark, CUBLAS_WORKSPACE_CONFIG), picks a thread count that does not oversubscribe the
  machine; refuses data-set libraries from now on (:data:`REFUSED`) and reports any already imported;
  ``model = student.build_model(input_shape, num_classes)`` (an exception is reported as ``build``); probes the
  output shape on 3 training images (eval mode, no_grad; the mode is restored); lists the convolution layers and
  keeps a CPU copy of their parameters; computes the untrained model's logits for ``loss_x``; builds the DataLoader
  (TensorDataset, shuffled by a seeded generator, ``pin_memory`` on cuda; with ``shift``, every training image moved
  by up to one pixel at random, see :class:`ShiftedBatches`).
* ``train``: calls ``student.train(model, loader, device, epochs)`` under an in-process alarm at ``budget``
  seconds of this process's CPU time (``clock="cpu"``, ITIMER_PROF) or of wall time (``"wall"``, on a GPU); the
  sandbox's timeout is the hard backstop for code that swallows the alarm or sleeps. Reports where the parameters
  and buffers ended up, how far each convolution's parameters moved, and the losses train() returned.
* ``predict``: the trained model's logits for the held-out images (eval mode, no_grad, batches of 500, pinned
  memory and non-blocking copies to the model's device, one copy back to the CPU).

This file runs in an untrusted process: a student can change what it sends back, but it can only send data; the
grader validates it (types, shapes, ranges) and judges it against what it keeps to itself.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import random
import signal
import sys
import time
import warnings

import numpy as np

PROBE_BATCH = 3          # an odd batch size catches a hard-coded batch size or a wrong view()
PREDICT_BATCH = 500
ALARM_REPEAT = 0.5       # after the budget the alarm fires again every 0.5 s, in case the first one was swallowed
# Libraries that ship data sets (MNIST among them): refused in this exercise, whatever the file system offers.
REFUSED = ("sklearn", "keras", "tensorflow", "tensorflow_datasets", "torchvision", "torchtext", "torchaudio",
           "datasets", "huggingface_hub", "mnist", "emnist", "idx2numpy", "openml", "fastai")
# The grader's own modules that load the data (with the held-out labels) or judge it.
REFUSED_MODULES = ("grader.course.ex10_train.data", "grader.course.ex10_train.checks")

_STATE: dict = {}        # this process's model, loader and device between the requests


class BudgetExceeded(BaseException):
    """Raised inside the student's train() when the time budget is over (BaseException: `except Exception`
    in a student's loop does not swallow it)."""


def N_(message: str) -> str:   # noqa: N802 - marks a text for the grader's catalog (python -m grader.catalog)
    """The identity: the driver's texts stay English data here, in the student process; the grader translates them
    where it shows them (checks.driver_message), from the template and arguments :func:`_problem` sends."""
    return message


# The driver's descriptions of a problem: English templates the grader translates (only these).
NO_BUILD_MODEL = N_("the file has no function build_model()")
NO_TRAIN = N_("the file has no function train()")
NOT_A_MODULE = N_("build_model() returned {returned}, expected a torch.nn.Module")
NO_VALUES = N_("the model cannot predict: its parameters hold no values (they are on the 'meta' device, or there are "
               "none)")
WRONG_OUTPUT = N_("the model's output for a batch of {count} images is {shape}, expected shape ({count}, {classes})")
NO_MODEL = N_("there is no model to train (build_model() failed)")
NO_TRAINED_MODEL = N_("there is no trained model to predict with")
REFUSED_IMPORT = N_("'import {module}' is not allowed in exercise 10: it reaches data sets (the held-out digits among "
                    "them); train on the loader you are given")
DRIVER_MESSAGES = (NO_BUILD_MODEL, NO_TRAIN, NOT_A_MODULE, NO_VALUES, WRONG_OUTPUT, NO_MODEL, NO_TRAINED_MODEL,
                   REFUSED_IMPORT)


class HarnessProblem(Exception):
    """Something the driver found wrong with what the student's code returned (not an exception of theirs):
    ``template`` (one of :data:`DRIVER_MESSAGES`) and its arguments."""

    def __init__(self, template: str, **args):
        self.template, self.args_ = template, {k: str(v) for k, v in args.items()}
        super().__init__(template.format(**self.args_))


def _problem(template: str, **args) -> dict:
    """The error dict for a problem the driver found: the English message, and its template and arguments (plain
    strings) for the grader to translate."""
    args = {k: str(v) for k, v in args.items()}
    return {"type": "HarnessProblem", "message": template.format(**args), "template": template, "args": args,
            "traceback": "", "by_grader": True}


class _Alarm:
    """Raise BudgetExceeded in the main thread after ``seconds`` of CPU time (``clock="cpu"``: all threads of
    this process, ITIMER_PROF) or of wall time (``"wall"``), then again every ALARM_REPEAT seconds."""

    def __init__(self, seconds: float, clock: str):
        self.seconds = float(seconds)
        self.timer, self.signum = ((signal.ITIMER_PROF, signal.SIGPROF) if clock == "cpu"
                                   else (signal.ITIMER_REAL, signal.SIGALRM))
        self.armed = False
        self.fired = 0

    def _handler(self, signum, frame):
        if self.armed:
            self.fired += 1
            raise BudgetExceeded(f"train() did not finish inside the {self.seconds:g} s budget")

    def __enter__(self):
        self._previous = signal.signal(self.signum, self._handler)
        self.armed = True
        signal.setitimer(self.timer, max(self.seconds, 0.001), ALARM_REPEAT)
        return self

    def __exit__(self, *exc):
        self.armed = False
        signal.setitimer(self.timer, 0, 0)
        signal.signal(self.signum, self._previous)
        return False


class _RefuseDataLibraries(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Refuse imports of the libraries in :data:`REFUSED` (they ship the data sets) with a clear reason.

    ``find_spec`` answers with a spec whose loading raises ImportError, rather than raising itself: torch probes
    optional libraries with ``importlib.util.find_spec`` (torch._dynamo's trace rules, on the first optimizer), and
    a probe that raises would break torch; the spec has no origin, so the probe records nothing."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in REFUSED or fullname in REFUSED_MODULES:
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        error = ImportError(REFUSED_IMPORT.format(module=module.__name__), name=module.__name__)
        error.grader_template = REFUSED_IMPORT   # described with its template, translated by the grader
        raise error


def refused_loaded() -> list[str]:
    """The refused libraries and modules this process has imported."""
    return sorted({name.partition(".")[0] if name.partition(".")[0] in REFUSED else name
                   for name in list(sys.modules) if name.partition(".")[0] in REFUSED or name in REFUSED_MODULES})


def _refuse_from_now_on() -> None:
    if not any(isinstance(f, _RefuseDataLibraries) for f in sys.meta_path):
        sys.meta_path.insert(0, _RefuseDataLibraries())


def _threads() -> int:
    """Half the cores (at most 4): on a shared 2-core machine one thread is several times faster than two."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return min(4, max(1, cores // 2))


def _setup(seed: int):
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS; read at handle creation
    import torch

    warnings.filterwarnings("ignore", message=".*deterministic.*")
    torch.set_num_threads(_threads())
    try:
        torch.use_deterministic_algorithms(True, warn_only=True)
    except (AttributeError, TypeError, RuntimeError):  # pragma: no cover - old torch
        pass
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    _seed(torch, seed)
    return torch


def _seed(torch, seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # seeds every cuda device too


def _describe(exc: BaseException, module) -> dict:
    """The student process's description of a student exception (type, message, the student's traceback frames)."""
    from grader.sandbox.student_process import describe_exception

    return describe_exception(exc, getattr(module, "__file__", "") or "")


def _as_float(torch, pixels, scale: float):
    """uint8 pixels (N, C, H, W) -> float32 tensor in [0, 1]."""
    pixels = np.asarray(pixels)
    if not (pixels.flags.writeable and pixels.flags.c_contiguous):  # torch warns about read-only arrays
        pixels = np.array(pixels, order="C")
    return torch.from_numpy(pixels).to(torch.float32).div_(float(scale))


def _placement(torch, model):
    """(device, floating dtype) of the model's first parameter; device None when it has none or they are on meta."""
    params = list(model.parameters())
    if not params or params[0].device.type == "meta":
        return None, torch.float32
    dtype = next((p.dtype for p in params if p.is_floating_point()), torch.float32)
    return params[0].device, dtype


def _build(torch, module, input_shape, num_classes):
    """(model, None) or (None, error dict)."""
    fn = getattr(module, "build_model", None)
    if not callable(fn):
        return None, _problem(NO_BUILD_MODEL)
    try:
        model = fn(tuple(int(s) for s in input_shape), int(num_classes))
    except BaseException as exc:
        return None, _describe(exc, module)
    if not isinstance(model, torch.nn.Module):
        return None, _problem(NOT_A_MODULE, returned=_type_name(model, "the model"))
    return model, None


def _type_name(value, missing: str = "") -> str:
    if value is None:
        return f"None (did you forget to return {missing}?)" if missing else "None"
    t = type(value)
    return f"a {t.__module__}.{t.__qualname__}" if t.__module__ not in ("builtins", None) else f"a {t.__qualname__}"


def _probe_shape(torch, module, model, sample) -> tuple[list | None, str | None, dict | None]:
    """Output shape (list), output type description, error dict -- for a forward pass on ``sample``."""
    device, dtype = _placement(torch, model)
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            out = model(sample.to(device or "cpu", dtype))
    except BaseException as exc:
        return None, None, _describe(exc, module)
    finally:
        model.train(was_training)
    if not isinstance(out, torch.Tensor):
        return None, _type_name(out), None
    return [int(s) for s in out.shape], f"a tensor of dtype {str(out.dtype).replace('torch.', '')}", None


def _conv_layers(torch, model) -> list[tuple[str, object]]:
    """(name, module) of every convolution layer (Conv1d/2d/3d and the transposed ones) in the model."""
    conv = torch.nn.modules.conv._ConvNd
    return [(name or type(m).__name__, m) for name, m in model.named_modules() if isinstance(m, conv)]


def _snapshot(torch, layers) -> dict:
    return {name: [p.detach().to("cpu", copy=True) for p in m.parameters(recurse=False)] for name, m in layers}


def _changes(torch, layers, before: dict) -> list[list]:
    """[name, largest absolute change of any of its parameters] for every convolution layer."""
    out = []
    for name, m in layers:
        moved = 0.0
        for old, new in zip(before.get(name, []), m.parameters(recurse=False)):
            if new.device.type == "meta" or new.shape != old.shape:
                moved = float("nan")
                break
            moved = max(moved, float((new.detach().to("cpu", torch.float32) - old.float()).abs().max()))
        out.append([name, moved])
    return out


def _logits(torch, model, images, num_classes: int):
    """float32 numpy logits (N, num_classes) of the model on ``images`` (eval mode, no_grad, batches of 500, pinned
    memory and non-blocking copies on cuda, one copy back to the CPU). Raises HarnessProblem for a wrong output."""
    device, dtype = _placement(torch, model)
    if device is None:
        raise HarnessProblem(NO_VALUES)
    if device.type == "cuda":
        images = images.pin_memory()
    was_training = model.training
    model.eval()
    chunks = []
    try:
        with torch.no_grad():
            for i in range(0, len(images), PREDICT_BATCH):
                batch = images[i:i + PREDICT_BATCH].to(device, dtype, non_blocking=True)
                logits = model(batch)
                if not isinstance(logits, torch.Tensor) or tuple(logits.shape) != (len(batch), num_classes):
                    shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else _type_name(logits)
                    raise HarnessProblem(WRONG_OUTPUT, count=len(batch), shape=shape, classes=num_classes)
                chunks.append(logits.detach().float())
    finally:
        model.train(was_training)
    return torch.cat(chunks).cpu().numpy().astype(np.float32)  # the one copy back to the CPU


def _plain_losses(torch, losses):
    """(list of floats or None, description of what train() returned)."""
    if isinstance(losses, (list, tuple)):
        items, tensors = [], False
        for v in losses:
            if isinstance(v, bool):
                return None, f"a {type(losses).__name__} containing a bool"
            if isinstance(v, (int, float, np.integer, np.floating)):
                items.append(float(v))
            elif isinstance(v, torch.Tensor) and v.numel() == 1 and v.device.type != "meta":
                items.append(float(v.detach().float().cpu()))
                tensors = True
            else:
                return None, f"a {type(losses).__name__} containing {_type_name(v)}"
        return items, f"a {type(losses).__name__} of {'tensors' if tensors else 'numbers'}"
    return None, _type_name(losses, "the list of losses")


def _sync(torch, device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class ShiftedBatches:
    """The loader's collate_fn: stacks a batch, then moves every image by (dy, dx) drawn from {-1, 0, 1}^2 (the
    edge that comes in is 0), from a seeded generator -- data augmentation that matches the held-out images, which
    the grader shifts by one pixel. (B, C, H, W) float32 in, (B, C, H, W) out; labels untouched."""

    def __init__(self, torch, seed: int):
        self.torch = torch
        self.generator = torch.Generator().manual_seed(seed)

    def __call__(self, batch):
        torch = self.torch
        x = torch.stack([item[0] for item in batch])
        y = torch.stack([item[1] for item in batch])
        n, c, h, w = x.shape
        d = torch.randint(0, 3, (n, 2), generator=self.generator)          # 0, 1, 2 = shift by +1, 0, -1
        padded = torch.nn.functional.pad(x, (1, 1, 1, 1))
        rows = torch.arange(h)[None, :] + d[:, :1]                            # (B, H)
        cols = torch.arange(w)[None, :] + d[:, 1:]                            # (B, W)
        x = padded[torch.arange(n)[:, None, None, None], torch.arange(c)[None, :, None, None],
                   rows[:, None, :, None], cols[:, None, None, :]]
        return x, y


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


# -- the three requests ------------------------------------------------------------------------------------------
def prepare(module, train_x, train_y, loss_x, *, scale: float, num_classes: int, device: str, seed: int = 0,
            batch_size: int = 64, shift: bool = True, refuse: bool = True) -> dict:
    """Build the model, probe it, keep what training needs; see the module docstring. ``refuse``: refuse the data
    libraries in this process from now on (tests that run this driver inside the test process pass False)."""
    _STATE.clear()
    if refuse:
        _refuse_from_now_on()
    torch = _setup(seed)
    dev = torch.device(device)
    out = {"device": str(dev), "device_name": torch.cuda.get_device_name(dev) if dev.type == "cuda" else None,
           "threads": torch.get_num_threads(), "refused": refused_loaded() if refuse else [], "output_shape": None,
           "output_type": None, "conv_layers": [], "logits_before": None, "errors": {}}
    x = _as_float(torch, train_x, scale)
    y = torch.from_numpy(np.array(train_y, dtype=np.int64, order="C"))
    model, error = _build(torch, module, x.shape[1:], num_classes)
    if error:
        out["errors"]["build"] = error
        return out
    shape, kind, error = _probe_shape(torch, module, model, x[:PROBE_BATCH])
    out["output_shape"], out["output_type"] = shape, kind
    if error:
        out["errors"]["forward"] = error
    layers = _conv_layers(torch, model)
    out["conv_layers"] = [name for name, _ in layers]
    if shape == [min(PROBE_BATCH, len(x)), num_classes]:
        try:
            out["logits_before"] = _logits(torch, model, _as_float(torch, loss_x, scale), num_classes)
        except Exception:
            out["logits_before"] = None
    _seed(torch, seed)  # training starts from the same RNG state whatever the probe did
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y), batch_size=batch_size, shuffle=True,
        generator=torch.Generator().manual_seed(seed), pin_memory=dev.type == "cuda",
        collate_fn=ShiftedBatches(torch, seed + 1) if shift else None)
    _STATE.update(refuse=refuse, torch=torch, model=model, loader=loader, device=dev, layers=layers,
                  before=_snapshot(torch, layers), scale=float(scale), num_classes=int(num_classes))
    return out


def train(module, *, epochs: int, budget: float, clock: str = "cpu") -> dict:
    """Call the student's train() under the budget; report the losses it returned and where the model ended up."""
    out = {"losses": None, "losses_type": None, "timed_out": False, "alarms": 0, "wall_seconds": None,
           "cpu_seconds": None, "param_names": [], "param_devices": [], "param_dtypes": [], "buffer_devices": [],
           "conv_changes": [], "refused": [], "errors": {}}
    if "model" not in _STATE:
        out["errors"]["train"] = _problem(NO_MODEL)
        return out
    torch, model, dev = _STATE["torch"], _STATE["model"], _STATE["device"]
    fn = getattr(module, "train", None)
    if not callable(fn):
        out["errors"]["train"] = _problem(NO_TRAIN)
        return out
    finished = False
    alarm = _Alarm(budget, clock)
    t0, c0 = time.perf_counter(), _cpu_seconds()
    try:
        try:
            with alarm:
                losses = fn(model, _STATE["loader"], dev, int(epochs))
                _sync(torch, dev)
            finished = True
        finally:
            out["wall_seconds"], out["cpu_seconds"] = time.perf_counter() - t0, _cpu_seconds() - c0
            out["alarms"] = alarm.fired
    except BudgetExceeded:
        out["timed_out"] = True
    except BaseException as exc:  # the student's exception, SystemExit included
        out["errors"]["train"] = _describe(exc, module)
    if alarm.fired:
        out["timed_out"] = True   # the student's code swallowed the alarm and finished late
    for name, p in model.named_parameters():
        out["param_names"].append(name)
        out["param_devices"].append(str(p.device))
        out["param_dtypes"].append(str(p.dtype).replace("torch.", ""))
    out["buffer_devices"] = [str(b.device) for b in model.buffers()]
    out["conv_changes"] = _changes(torch, _STATE["layers"], _STATE["before"])
    out["refused"] = refused_loaded() if _STATE.get("refuse") else []
    _STATE["trained"] = finished
    if finished:
        out["losses"], out["losses_type"] = _plain_losses(torch, losses)
    return out


def predict(module, images) -> dict:
    """The trained model's logits for ``images`` (the perturbed held-out images), or where that failed."""
    out = {"logits": None, "errors": {}}
    if not _STATE.get("trained"):
        out["errors"]["predict"] = _problem(NO_TRAINED_MODEL)
        return out
    torch = _STATE["torch"]
    try:
        out["logits"] = _logits(torch, _STATE["model"], _as_float(torch, images, _STATE["scale"]),
                                _STATE["num_classes"])
    except HarnessProblem as exc:
        out["errors"]["predict"] = _problem(exc.template, **exc.args_)
    except BaseException as exc:
        out["errors"]["predict"] = _describe(exc, module)
    return out
