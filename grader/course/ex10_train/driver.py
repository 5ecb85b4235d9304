"""Exercise 10's driver. It runs INSIDE the student process (the sandbox's "driver" request), never in the grader.

The grader (checks.py beside this file) calls, through the sandbox::

    student.run_driver("probe", sample, fn="build_model", scale=16.0, num_classes=10, seed=0)
    student.run_driver("run", train_x, train_y, test_x, fn="train", scale=16.0, num_classes=10,
                       device="cpu", epochs=15, seed=0, time_budget=60.0)

and the student process calls ``probe(student_module, ...)`` / ``run(student_module, ...)``. Plain data goes in (uint8
pixels, int64 labels, numbers, strings) and plain data comes back (lists, numbers, strings, numpy arrays). The
held-out labels never come here: ``run`` returns predicted classes and the grader computes the accuracy itself.

What ``run`` does, in order:
  1. seeds torch/numpy/random, turns on deterministic algorithms where torch has them (cuDNN deterministic, no
     cuDNN benchmark, CUBLAS_WORKSPACE_CONFIG), and picks a thread count that does not oversubscribe the machine;
  2. ``model = student.build_model(input_shape, num_classes)`` -- an exception here is reported as ``build``,
     separately from ``train``, so the model-shape points can still be judged;
  3. probes the output shape on a batch of 3 images (eval mode, no_grad; the model's mode is restored);
  4. measures the mean cross-entropy of the untrained model on up to 1,000 training images (``loss_before``);
  5. builds the DataLoader (TensorDataset, batch size 64, shuffled by a seeded generator, ``pin_memory`` on cuda)
     and calls ``student.train(model, loader, device, epochs)`` under an in-process alarm at ``time_budget``
     seconds (the sandbox's call timeout is the hard backstop for code that swallows the alarm);
  6. records where the parameters and buffers ended up (device, dtype) -- the grader compares with ``device``;
  7. measures ``loss_after`` on the same images, and predicts the held-out images (eval mode, no_grad, batches
     of 500, on the device the model's parameters are on, one ``.cpu()`` at the end).

This file runs in an untrusted process: a student can change what it sends back, but it can only send data, and
the grader validates that data (types, shapes, ranges) and computes the accuracy from its own labels.
"""
from __future__ import annotations

import os
import random
import signal
import time
import warnings

import numpy as np

PROBE_BATCH = 3          # an odd batch size catches a hard-coded batch size or a wrong view()
PREDICT_BATCH = 500
LOSS_SAMPLE = 1000
ALARM_REPEAT = 0.5       # after the budget the alarm fires again every 0.5 s, in case the first one was swallowed


class BudgetExceeded(BaseException):
    """Raised inside the student's train() when the time budget is over (BaseException: `except Exception`
    in a student's loop does not swallow it)."""


class HarnessProblem(Exception):
    """Something the driver found wrong with what the student's code returned (not an exception of theirs)."""


def _problem(message: str) -> dict:
    return {"type": "HarnessProblem", "message": message, "traceback": "", "by_grader": True}


class _Alarm:
    def __init__(self, seconds: float):
        self.seconds = float(seconds)
        self.armed = False
        self.fired = 0

    def _handler(self, signum, frame):
        if self.armed:
            self.fired += 1
            raise BudgetExceeded(f"train() did not finish inside the {self.seconds:g} s budget")

    def __enter__(self):
        self._previous = signal.signal(signal.SIGALRM, self._handler)
        self.armed = True
        signal.setitimer(signal.ITIMER_REAL, max(self.seconds, 0.001), ALARM_REPEAT)
        return self

    def __exit__(self, *exc):
        self.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, self._previous)
        return False


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
        return None, _problem("the file has no function build_model()")
    try:
        model = fn(tuple(int(s) for s in input_shape), int(num_classes))
    except BaseException as exc:
        return None, _describe(exc, module)
    if not isinstance(model, torch.nn.Module):
        return None, _problem(f"build_model() returned {_type_name(model, 'the model')}, expected a torch.nn.Module")
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


def _mean_loss(torch, model, x, y, num_classes: int):
    """Mean cross-entropy of the model (eval mode, no_grad) on x, y; None when it cannot be computed."""
    device, dtype = _placement(torch, model)
    if device is None:
        return None
    was_training = model.training
    model.eval()
    try:
        total = None
        with torch.no_grad():
            for i in range(0, len(x), PREDICT_BATCH):
                logits = model(x[i:i + PREDICT_BATCH].to(device, dtype))
                if not isinstance(logits, torch.Tensor) or tuple(logits.shape) != (len(x[i:i + PREDICT_BATCH]),
                                                                                   num_classes):
                    return None
                part = torch.nn.functional.cross_entropy(logits.float(), y[i:i + PREDICT_BATCH].to(device),
                                                         reduction="sum")
                total = part if total is None else total + part
        return float(total) / len(x)
    except Exception:
        return None
    finally:
        model.train(was_training)


def _predict(torch, model, images, num_classes: int):
    device, dtype = _placement(torch, model)
    if device is None:
        raise HarnessProblem("the model cannot predict: its parameters hold no values (they are on the 'meta' "
                             "device, or there are none)")
    if device.type == "cuda":
        images = images.pin_memory()
    model.eval()
    chunks = []
    with torch.no_grad():
        for i in range(0, len(images), PREDICT_BATCH):
            batch = images[i:i + PREDICT_BATCH].to(device, dtype, non_blocking=True)
            logits = model(batch)
            if not isinstance(logits, torch.Tensor) or tuple(logits.shape) != (len(batch), num_classes):
                shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else _type_name(logits)
                raise HarnessProblem(f"the model's output for a batch of {len(batch)} held-out images is {shape}, "
                                     f"expected shape ({len(batch)}, {num_classes})")
            chunks.append(logits.argmax(dim=1))
    return torch.cat(chunks).cpu().numpy().astype(np.int64)  # the one copy back to the CPU


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


def probe(module, sample, *, scale: float, num_classes: int, seed: int = 0) -> dict:
    """Build the model and run it on ``sample`` (a few uint8 images): its output shape, or where it failed."""
    torch = _setup(seed)
    x = _as_float(torch, sample, scale)
    model, error = _build(torch, module, x.shape[1:], num_classes)
    if error:
        return {"output_shape": None, "output_type": None, "errors": {"build": error}}
    shape, kind, error = _probe_shape(torch, module, model, x)
    return {"output_shape": shape, "output_type": kind, "errors": {"forward": error} if error else {},
            "batch": int(len(x))}


def run(module, train_x, train_y, test_x, *, scale: float, num_classes: int, device: str, epochs: int,
        seed: int = 0, time_budget: float = 60.0, batch_size: int = 64) -> dict:
    """Build, train and predict; returns plain data only (see the module docstring)."""
    torch = _setup(seed)
    dev = torch.device(device)
    out = {"device": str(dev), "device_name": None, "threads": torch.get_num_threads(), "output_shape": None,
           "output_type": None, "losses": None, "losses_type": None, "loss_before": None, "loss_after": None,
           "predictions": None, "param_names": [], "param_devices": [], "param_dtypes": [], "buffer_devices": [],
           "train_seconds": None, "timed_out": False, "alarms": 0, "errors": {}}
    if dev.type == "cuda":
        out["device_name"] = torch.cuda.get_device_name(dev)

    x = _as_float(torch, train_x, scale)
    y = torch.from_numpy(np.array(train_y, dtype=np.int64, order="C"))
    t = _as_float(torch, test_x, scale)

    model, error = _build(torch, module, x.shape[1:], num_classes)
    if error:
        out["errors"]["build"] = error
        return out
    shape, kind, error = _probe_shape(torch, module, model, x[:PROBE_BATCH])
    out["output_shape"], out["output_type"] = shape, kind
    if error:
        out["errors"]["forward"] = error
    if shape == [min(PROBE_BATCH, len(x)), num_classes]:
        out["loss_before"] = _mean_loss(torch, model, x[:LOSS_SAMPLE], y[:LOSS_SAMPLE], num_classes)

    _seed(torch, seed)  # training starts from the same RNG state whatever the probe did
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y), batch_size=batch_size, shuffle=True,
        generator=torch.Generator().manual_seed(seed), pin_memory=dev.type == "cuda")

    train = getattr(module, "train", None)
    if not callable(train):
        out["errors"]["train"] = _problem("the file has no function train()")
        return out
    finished = False
    alarm = _Alarm(time_budget)
    t0 = time.perf_counter()
    try:
        try:
            with alarm:
                losses = train(model, loader, dev, int(epochs))
                _sync(torch, dev)
            finished = True
        finally:
            out["train_seconds"] = time.perf_counter() - t0
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
    if not finished:
        return out
    out["losses"], out["losses_type"] = _plain_losses(torch, losses)

    if shape == [min(PROBE_BATCH, len(x)), num_classes]:
        out["loss_after"] = _mean_loss(torch, model, x[:LOSS_SAMPLE], y[:LOSS_SAMPLE], num_classes)
    try:
        out["predictions"] = _predict(torch, model, t, num_classes)
    except HarnessProblem as exc:
        out["errors"]["predict"] = _problem(str(exc))
    except BaseException as exc:
        out["errors"]["predict"] = _describe(exc, module)
    return out
