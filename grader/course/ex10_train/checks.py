"""Checks for exercise 10: build_model(input_shape, num_classes) and train(model, loader, device, epochs).

The grader never imports the student's code. It loads the data (data.py), picks the device ('cuda' when torch sees
a GPU, else 'cpu') and asks the student process to run two functions of this exercise's driver.py:

* ``probe``: build the model and run it on 3 training images -> the output shape (the first check);
* ``run`` (ONCE per grading, ``student.memo``): build, train under the time budget, and predict the held-out
  images. The student process gets the training images and labels and the held-out images WITHOUT labels; it sends
  back predicted classes, and the accuracy is computed here from the grader's own labels.

Everything that comes back is data from an untrusted process, so it is validated (types, shapes, value ranges)
before it is judged.

Settings (``student.options``, from ``grade exercise 10 [--data PATH]`` or from tests):

===========  ===========================================================================================
data         a folder with the four MNIST IDX files; default: the built-in scikit-learn digits
device       force a device ('cpu', 'cuda', 'cuda:1'); default: 'cuda' when available, else 'cpu'
epochs       epochs passed to train(); default: digits 15, MNIST 2 on cpu / 3 on cuda
subset       train on this many training images (a seeded, class-balanced subset); default: digits all
             1,438, MNIST 20,000 on cpu / all 60,000 on cuda
budget       seconds train() may take; default: digits 60, MNIST 300 on cpu / 120 on cuda
grace        extra seconds before the student process is killed (data transfer, probe, predictions)
===========  ===========================================================================================

Tests use small ``epochs``/``subset``/``budget`` values to keep mutants fast; the accuracy bars (digits 95 %,
MNIST 97 %) only hold for the default settings.
"""
from __future__ import annotations

import math

import numpy as np

from grader.checking.student import Abort, CheckFailed, Student, traceback_lines
from grader.course.ex10_train import data as data_mod

SEED = 0
BATCH_SIZE = 64
PROBE_BATCH = 3
PROBE_SECONDS = 60.0     # building the model and one forward pass on 3 images
LOSS_DROP = 0.97         # the trained model's loss must be at least 3 % below the untrained model's

# name -> default settings; MNIST's differ by device so that a CPU run fits its budget
DEFAULTS = {
    "digits": {"epochs": 15, "subset": None, "budget": 60.0, "grace": 40.0, "bar": 0.95},
    "mnist-cpu": {"epochs": 2, "subset": 20_000, "budget": 300.0, "grace": 120.0, "bar": 0.97},
    "mnist-cuda": {"epochs": 3, "subset": None, "budget": 120.0, "grace": 120.0, "bar": 0.97},
}


# -- the plan and the runs (each computed once per grading) -----------------------------------------------------
def pick_device(options: dict) -> tuple[str, str]:
    """(device, why) -- the option when given, else 'cuda' when torch sees a GPU, else 'cpu'."""
    if options.get("device"):
        return str(options["device"]), "chosen with the device option"
    import torch

    if torch.cuda.is_available():
        return "cuda", "a GPU was found"
    return "cpu", "no GPU found"


def _plan(student: Student) -> dict:
    return student.memo("plan", lambda: _make_plan(student.options or {}))


def _make_plan(options: dict) -> dict:
    try:
        dataset = data_mod.load(options.get("data"))
    except data_mod.DataError as exc:
        raise CheckFailed(f"the data could not be loaded: {exc}") from None
    device, why = pick_device(options)
    key = "digits" if dataset.name == "digits" else f"mnist-{'cuda' if device.startswith('cuda') else 'cpu'}"
    settings = dict(DEFAULTS[key])
    for name in ("epochs", "subset", "budget", "grace"):
        if options.get(name) is not None:
            settings[name] = options[name]
    subset = settings["subset"]
    if subset is not None and int(subset) < len(dataset.train_y):
        index = data_mod.stratified_subset(dataset.train_y, int(subset), SEED)
        train_x, train_y = dataset.train_x[index], dataset.train_y[index]
    else:
        train_x, train_y = np.ascontiguousarray(dataset.train_x), np.ascontiguousarray(dataset.train_y)
    return {"dataset": dataset, "device": device, "device_why": why, "epochs": int(settings["epochs"]),
            "budget": float(settings["budget"]), "grace": float(settings["grace"]), "bar": float(settings["bar"]),
            "train_x": train_x, "train_y": train_y}


def _fail(summary: str, *details: str, not_implemented: bool = False) -> CheckFailed:
    failure = CheckFailed(summary, *details)
    failure.not_implemented = not_implemented
    return failure


def _error_failure(what: str, error: dict) -> CheckFailed:
    """CheckFailed for an exception the driver caught in the student's code ('build_model()', 'train()')."""
    kind = str(error.get("type", "Exception"))
    if error.get("by_grader") is True:  # not an exception of the student's: the driver describing a problem
        return _fail(str(error.get("message", "")))
    if kind == "NotImplementedError":
        return _fail(f"{what} is not implemented yet", not_implemented=True)
    return _fail(f"{what} raised {kind}: {error.get('message', '')}", *traceback_lines(error))


def _driver(student: Student, function: str, *args, fn: str, timeout: float, **kwargs):
    """Run the driver's ``function`` (exercising the student's ``fn``) in the student process; (result, None) or
    (None, CheckFailed)."""
    try:
        return student.run_driver(function, *args, fn=fn, timeout=timeout, **kwargs), None
    except Abort as abort:      # timeout, crash, the time budget
        return None, abort.failure
    except CheckFailed as exc:  # only possible if the student's code broke the driver itself
        return None, _fail(f"the grader's training driver failed inside your process: {exc.summary}")


def _check_functions(student: Student) -> None:
    load = student.box.load()
    if load.ok:
        for fn in ("build_model", "train"):
            if fn not in load.functions:
                raise _fail(f"{student.box.file.name} has no function {fn}() (was it renamed or deleted?)")


def _shared(student: Student, key: str, compute) -> dict:
    """``compute()`` once per grading (the probe, the training run); every check that judges it re-raises the same
    failure when it failed."""
    value = student.memo(key, compute)
    if isinstance(value, CheckFailed):
        raise _fail(value.summary, *value.details, not_implemented=value.not_implemented)
    return value


def _probe(student: Student) -> dict:
    return _shared(student, "probe", lambda: _run_probe(student))


def _run_probe(student: Student) -> dict | CheckFailed:
    _check_functions(student)
    plan = _plan(student)
    result, failure = _driver(student, "probe", plan["train_x"][:PROBE_BATCH], fn="build_model",
                              scale=plan["dataset"].scale, num_classes=plan["dataset"].num_classes, seed=SEED,
                              timeout=PROBE_SECONDS)
    if failure is not None and failure.kind is not None:
        return _fail(f"building the model: {failure.summary}")
    return failure if failure is not None else _valid_probe(result)


def _malformed(what: str) -> CheckFailed:
    return _fail(f"the student process sent back malformed results ({what}); was the grader's driver.py "
                 f"changed?")


def _valid_errors(result: dict) -> dict:
    errors = result.get("errors")
    if not isinstance(errors, dict) or not all(isinstance(v, dict) for v in errors.values()):
        raise _malformed("errors")
    return errors


def _valid_shape(value):
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(s, int) and not isinstance(s, bool) for s in value):
        raise _malformed("output_shape")
    return tuple(value)


def _valid_probe(result) -> dict | CheckFailed:
    try:
        if not isinstance(result, dict):
            raise _malformed("not a dict")
        return {"errors": _valid_errors(result), "output_shape": _valid_shape(result.get("output_shape")),
                "output_type": str(result.get("output_type"))}
    except CheckFailed as failure:
        return failure


def _training(student: Student) -> dict:
    """The one training run; raises CheckFailed when there is none to judge."""
    return _shared(student, "run", lambda: _train(student))


def _train(student: Student) -> dict | CheckFailed:
    try:
        probe = _probe(student)
    except CheckFailed as failure:
        return failure
    if "build" in probe["errors"]:
        return _error_failure("build_model()", probe["errors"]["build"])
    plan = _plan(student)
    ds = plan["dataset"]
    student.info["device"] = f"{plan['device']} ({plan['device_why']})"
    n = len(plan["train_y"])
    student.info["data"] = (f"{ds.description}; trained on {'all ' if n == len(ds.train_y) else ''}{n:,} for "
                            f"{plan['epochs']} epoch{'s' if plan['epochs'] != 1 else ''}, batch size {BATCH_SIZE}")
    result, failure = _driver(
        student, "run", plan["train_x"], plan["train_y"], np.ascontiguousarray(ds.test_x), fn="train",
        scale=ds.scale, num_classes=ds.num_classes, device=plan["device"], epochs=plan["epochs"], seed=SEED,
        time_budget=plan["budget"], batch_size=BATCH_SIZE, timeout=plan["budget"] + plan["grace"])
    if failure is not None and failure.kind == "timeout":
        student.info["training time"] = f"did not finish inside the {plan['budget']:g} s budget"
        return _fail(f"train() did not finish inside the {plan['budget']:g} s budget: the process was stopped "
                     f"after {plan['budget'] + plan['grace']:g} s (an endless loop, or far too slow)")
    if failure is not None and failure.kind not in (None, "raised"):
        return _fail(f"training: {failure.summary}")
    if failure is not None:
        return failure
    try:
        return _valid_run(result, plan)
    except CheckFailed as bad:
        return bad


def _valid_run(result, plan: dict) -> dict:
    if not isinstance(result, dict):
        raise _malformed("not a dict")
    ds = plan["dataset"]
    run = {"errors": _valid_errors(result), "output_shape": _valid_shape(result.get("output_shape"))}
    for key in ("param_names", "param_devices", "param_dtypes", "buffer_devices"):
        value = result.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _malformed(key)
        run[key] = value
    if not len(run["param_names"]) == len(run["param_devices"]) == len(run["param_dtypes"]):
        raise _malformed("parameter lists")
    losses = result.get("losses")
    if losses is not None and not (isinstance(losses, list) and
                                   all(isinstance(v, float) for v in losses)):
        raise _malformed("losses")
    run["losses"], run["losses_type"] = losses, str(result.get("losses_type"))
    for key in ("loss_before", "loss_after", "train_seconds"):
        value = result.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise _malformed(key)
        run[key] = None if value is None else float(value)
    if not isinstance(result.get("timed_out"), bool):
        raise _malformed("timed_out")
    run["timed_out"] = result["timed_out"]
    run["device_name"] = result.get("device_name") if isinstance(result.get("device_name"), str) else None
    preds = result.get("predictions")
    if preds is not None:
        n = len(ds.test_y)
        if not isinstance(preds, np.ndarray) or preds.dtype.kind not in "iu" or preds.shape != (n,):
            raise _malformed(f"predictions must be {n} integers")
        if preds.size and (preds.min() < 0 or preds.max() >= ds.num_classes):
            raise _malformed(f"predicted classes must be 0..{ds.num_classes - 1}")
    run["predictions"] = preds
    if run["device_name"]:
        plan["device_shown"] = f"{plan['device']}: {run['device_name']}"
    secs = run["train_seconds"]
    run["budget"] = plan["budget"]
    if run["timed_out"]:
        run["time_text"] = f"did not finish inside the {plan['budget']:g} s budget"
    elif secs is not None:
        run["time_text"] = f"{secs:.1f} s (budget {plan['budget']:g} s)"
    return run


def _train_finished(run: dict, plan: dict) -> None:
    """Raise CheckFailed unless train() returned normally inside the budget."""
    if run["timed_out"]:
        raise _fail(f"train() did not finish inside the {plan['budget']:g} s budget, so there is no trained model "
                    f"to judge")
    if "train" in run["errors"]:
        raise _error_failure("train()", run["errors"]["train"])


def _show_facts(student: Student, run: dict) -> None:
    plan = _plan(student)
    if plan.get("device_shown"):
        student.info["device"] = f"{plan['device_shown']} ({plan['device_why']})"
    if run.get("time_text"):
        student.info["training time"] = run["time_text"]


def _judged_run(student: Student, finished: bool = True) -> tuple[dict, dict]:
    """(the training run, its plan), with the run's facts shown; ``finished``: raise unless train() returned normally
    inside the budget."""
    run = _training(student)
    plan = _plan(student)
    _show_facts(student, run)
    if finished:
        _train_finished(run, plan)
    return run, plan


def _fmt_losses(losses) -> str:
    if not losses:
        return "(none)"
    shown = [f"{v:.3g}" for v in losses[:20]]
    return ", ".join(shown) + (f", ... ({len(losses)} in all)" if len(losses) > 20 else "")


# -- the checks -------------------------------------------------------------------------------------------------
def model_output_shape(student):
    """build_model(input_shape, num_classes) builds, and maps (N, C, H, W) images to (N, num_classes) scores."""
    probe = _probe(student)
    plan = _plan(student)
    ds = plan["dataset"]
    if "build" in probe["errors"]:
        raise _error_failure("build_model()", probe["errors"]["build"])
    batch = (PROBE_BATCH, *ds.input_shape)
    if "forward" in probe["errors"]:
        failure = _error_failure(f"the model's forward pass on a batch of shape {batch}", probe["errors"]["forward"])
        failure.details.append("derive the size of the first Linear layer from input_shape (the same code must "
                               "work for 8x8 digits and 28x28 MNIST), and flatten before it (nn.Flatten())")
        raise failure
    shape, expected = probe["output_shape"], (PROBE_BATCH, ds.num_classes)
    if shape is None:
        raise _fail(f"the model returned {probe['output_type']} for a batch of shape {batch}, expected a tensor of "
                    f"shape {expected}")
    if shape != expected:
        details = []
        if len(shape) != 2:
            details.append("flatten the feature maps before the Linear layers (nn.Flatten() or x.flatten(1))")
        elif shape[0] != PROBE_BATCH:
            details.append("the batch dimension changed: flatten with nn.Flatten() / x.flatten(1), not x.view(-1, k) "
                           "with a wrong k, and never hard-code the batch size")
        if shape and shape[-1] != ds.num_classes:
            details.append(f"the last layer must have num_classes = {ds.num_classes} outputs")
        raise _fail(f"the model's output for a batch of shape {batch} has shape {shape}, expected {expected}: "
                    f"one score (logit) per class for every image", *details)


def loss_goes_down(student):
    """The trained model's loss on training images is clearly below the untrained model's, and train()'s own
    per-epoch losses are finite and go down."""
    run, plan = _judged_run(student)
    losses, epochs = run["losses"], plan["epochs"]
    if losses is None:
        raise _fail(f"train() returned {run['losses_type']}; expected a list of {epochs} per-epoch mean losses "
                    f"(floats: use loss.item())")
    if len(losses) != epochs:
        raise _fail(f"train() returned {len(losses)} losses for {epochs} epochs; append one mean loss per epoch",
                    f"losses: {_fmt_losses(losses)}")
    bad = next((i for i, v in enumerate(losses) if not math.isfinite(v)), None)
    if bad is not None:
        raise _fail(f"the loss became {losses[bad]} in epoch {bad + 1}: training diverged (learning rate far too "
                    f"high, or gradients piling up because optimizer.zero_grad() is missing?)",
                    f"losses: {_fmt_losses(losses)}")
    before, after = run["loss_before"], run["loss_after"]
    n = min(len(plan["train_y"]), 1000)
    if before is not None and after is not None:
        measured = f"mean cross-entropy on {n:,} training images: {before:.4g} before training, {after:.4g} after"
        if not math.isfinite(after) or after > before:
            raise _fail("the training loss went up: the updates make the model worse (a minus sign on the loss, "
                        "maximize=True, or a negative learning rate?)", measured, f"losses: {_fmt_losses(losses)}")
        if not after < 0.999 * before:
            raise _fail("the training loss did not go down: the model did not change (learning rate 0? does the "
                        "optimizer get model.parameters(), and does the loop call loss.backward() and "
                        "optimizer.step()?)", measured, f"losses: {_fmt_losses(losses)}")
        if not after < LOSS_DROP * before:
            raise _fail(f"the training loss barely went down (by less than {(1 - LOSS_DROP) * 100:.0f} %): the "
                        f"learning rate is far too small (Adam: 1e-3; plain SGD: about 0.1, or 0.01 with "
                        f"momentum=0.9)", measured, f"losses: {_fmt_losses(losses)}")
    elif len(losses) < 2:
        raise _fail("cannot tell whether the loss went down: the trained model could not be evaluated and train() "
                    "returned a single loss")
    if len(losses) >= 2 and not losses[-1] < losses[0]:
        raise _fail(f"the per-epoch losses that train() returned do not go down (first {losses[0]:.4g}, last "
                    f"{losses[-1]:.4g}): is each epoch's mean computed from that epoch's batches?",
                    f"losses: {_fmt_losses(losses)}")


def accuracy(student):
    """Held-out accuracy (computed here, from the grader's own labels) at or above the data set's bar."""
    run, plan = _judged_run(student)
    ds = plan["dataset"]
    if "predict" in run["errors"]:
        raise _error_failure("predicting the held-out images", run["errors"]["predict"])
    preds = run["predictions"]
    if preds is None:
        raise _malformed("no predictions")
    correct = int(np.sum(preds == ds.test_y))
    total = len(ds.test_y)
    acc = correct / total
    bar = plan["bar"]
    shown, bar_shown = f"{acc * 100:.1f} %", f"{bar * 100:g} %"
    student.info["held-out accuracy"] = f"{shown} ({correct:,}/{total:,} correct; the bar is {bar_shown})"
    if acc >= bar:
        return
    losses = run["losses"] or []
    details = [f"per-epoch training losses: {_fmt_losses(losses)}"] if losses else []
    if any(b > a * 1.05 for a, b in zip(losses, losses[1:])):
        details.append("the loss rises between epochs: gradients piling up because optimizer.zero_grad() is not "
                       "called before each loss.backward() look like this, and so does a learning rate that is too "
                       "high")
    elif losses and losses[-1] > 0.5:
        details.append("the training loss is still high at the end: check the learning rate (Adam: 1e-3) and that "
                       "every batch is used")
    counts = np.bincount(preds, minlength=ds.num_classes)
    if counts.max() > 0.5 * total:
        details.append(f"the model predicts class {int(counts.argmax())} for {counts.max() * 100 / total:.0f} % of "
                       f"the images")
    raise _fail(f"held-out accuracy {shown} ({correct:,}/{total:,}) is below the {bar_shown} bar", *details)


def _same_device(got: str, expected) -> bool:
    import torch

    try:
        dev = torch.device(got)
    except (RuntimeError, TypeError, ValueError):
        return False
    return dev.type == expected.type and (expected.index is None or dev.index in (None, expected.index))


def on_device(student):
    """After train(), every parameter and buffer is on the device train() was given, in float32."""
    import torch

    run, plan = _judged_run(student)
    expected = torch.device(plan["device"])
    names, devices, dtypes = run["param_names"], run["param_devices"], run["param_dtypes"]
    if not names:
        raise _fail("the model has no parameters, so nothing can be trained (are the layers attributes of the "
                    "nn.Module, or inside nn.Sequential?)")
    wrong = [(n, d) for n, d in zip(names, devices) if not _same_device(d, expected)]
    if wrong:
        where = sorted({d for _, d in wrong})
        meta = " ('meta' tensors have shapes but no values)" if "meta" in where else ""
        raise _fail(f"{len(wrong)} of {len(names)} parameter tensors are on {', '.join(where)}{meta}, but train() "
                    f"was given device '{expected}': call model.to(device) at the start of train(), before creating "
                    f"the optimizer, and move every batch with .to(device)",
                    f"for example {wrong[0][0]} is on {wrong[0][1]}")
    stray = [d for d in run["buffer_devices"] if not _same_device(d, expected)]
    if stray:
        raise _fail(f"{len(stray)} buffer(s) of the model (e.g. BatchNorm running statistics) are on {stray[0]}, not "
                    f"'{expected}': register tensors with self.register_buffer() so model.to(device) moves them")
    odd = [(n, t) for n, t in zip(names, dtypes) if t != "float32"]
    if odd:
        kinds = sorted({t for _, t in odd})
        raise _fail(f"{len(odd)} of {len(names)} parameter tensors are {', '.join(kinds)}, but the data is float32: "
                    f"keep the model in float32 (no model.half() or model.double())",
                    f"for example {odd[0][0]} is {odd[0][1]}")


def inside_budget(student):
    """train() returned inside the time budget."""
    run, plan = _judged_run(student, finished=False)
    if run["timed_out"]:
        raise _fail(f"train() did not finish inside the {plan['budget']:g} s budget (an endless loop? the epoch "
                    f"loop should run `epochs` times, and `for images, labels in loader:` ends by itself)")
    _train_finished(run, plan)
    secs = run["train_seconds"]
    if secs is None or secs > plan["budget"]:
        raise _fail(f"train() took {secs or float('nan'):.1f} s, over the {plan['budget']:g} s budget")
