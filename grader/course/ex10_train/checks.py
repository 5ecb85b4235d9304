"""Checks for exercise 10: build_model(input_shape, num_classes) and train(model, loader, device, epochs).

The grader never imports the student's code. It loads the data (data.py), picks the device ('cuda' when torch sees
a GPU, else 'cpu'), draws a secret seed for this run, and makes three requests to the student process, each running
a function of this exercise's driver.py there (see that file):

* ``prepare``: build the model, probe its output shape, list its convolution layers, and send back the untrained
  model's logits for a batch of held-out images the grader chose (the loss batch);
* ``train``: the student's train() under the time budget. The grader measures the request itself: wall clock here,
  and the student process's CPU time from /proc (the driver's own count is taken when it is larger);
* ``predict``: the trained model's logits for every held-out image.

The student process gets the training images and labels. It never gets a held-out label, and the held-out images it
sees are shifted by a pixel and given noise from the secret seed, in a secret order: an exact lookup of the public
MNIST images finds none of them. The loss before and after training (on the loss batch) and the accuracy are
computed HERE from the logits and the grader's labels; the losses train() returns are only checked for form.
Everything that comes back is data from an untrusted process, so it is validated (types, shapes, value ranges)
before it is judged. Before anything runs, the submission's size is capped (:data:`MAX_SOURCE_BYTES`: it cannot
carry the data set) and its imports of data-set libraries are refused (driver.REFUSED).

Settings (``student.options``, from ``grade exercise 10 [--data PATH|digits]`` or from tests):

===============  =======================================================================================
data             None: the MNIST images shipped with the grader; "digits": scikit-learn's 8x8 digits;
                 else a folder with the four MNIST IDX files
device           force a device ('cpu', 'cuda', 'cuda:1'); default: 'cuda' when available, else 'cpu'
epochs, subset   epochs passed to train(); train on this many training images (a seeded, class-balanced subset)
budget           seconds train() may take: CPU seconds on the CPU, wall seconds on a GPU
grace            extra wall seconds before the student process is killed
perturb_seed     the seed of the held-out perturbation and order (default: secret, new for every run)
===============  =======================================================================================

Tests use small ``epochs``/``subset``/``budget`` values to keep mutants fast; the accuracy bars only hold for the
default settings.
"""
from __future__ import annotations

import ast
import hashlib
import math
import secrets
import time
from pathlib import Path

import numpy as np

from grader.checking.student import Abort, CheckFailed, Student, traceback_lines
from grader.course.ex10_train import data as data_mod
from grader.course.ex10_train.driver import DRIVER_MESSAGES, REFUSED, REFUSED_MODULES
from grader.i18n import N_, gettext as _, ngettext
from grader.sandbox import cputime
from grader.sandbox.client import student_message, worded

SEED = 0
BATCH_SIZE = 64
PROBE_BATCH = 3
PREPARE_SECONDS = 120.0  # building the model, a forward pass on 3 images and on the loss batch
PREDICT_SECONDS = 120.0  # the trained model on every held-out image
LOSS_SAMPLE = 1000       # the loss batch: this many held-out images, chosen with the secret seed
LOSS_DROP = 0.97         # the trained model's loss must be at least 3 % below the untrained model's
WALL_FACTOR = 3.0        # on the CPU the budget is CPU time; the process is killed after 3x that in wall time + grace
MAX_SOURCE_BYTES = 32 * 1024   # a submission over 32 KB is refused: it could carry (part of) the data set

# name -> default settings. The CPU budget counts CPU seconds of the student process (neighbours on a shared machine
# do not change it), the GPU budget wall seconds. The reference trains in about 23 CPU seconds (bench_train.py).
CPU_BUDGET, GPU_BUDGET = 120.0, 60.0
DEFAULTS = {
    "shipped-cpu": {"epochs": 6, "subset": None, "budget": CPU_BUDGET, "grace": 60.0, "bar": 0.96},
    "shipped-cuda": {"epochs": 6, "subset": None, "budget": GPU_BUDGET, "grace": 60.0, "bar": 0.96},
    "files-cpu": {"epochs": 2, "subset": 20_000, "budget": 2 * CPU_BUDGET, "grace": 120.0, "bar": 0.97},
    "files-cuda": {"epochs": 3, "subset": None, "budget": 2 * GPU_BUDGET, "grace": 120.0, "bar": 0.97},
    "digits-cpu": {"epochs": 15, "subset": None, "budget": 30.0, "grace": 40.0, "bar": 0.95},
    "digits-cuda": {"epochs": 15, "subset": None, "budget": 30.0, "grace": 40.0, "bar": 0.95},
}


def budgets_text(plan: dict | None = None) -> str:
    """The budgets in words, for the report and the README."""
    if plan is not None and plan["clock"] == "wall":
        return _("budget {budget:g} s on the GPU (on the CPU: {cpu:g} s of CPU time)").format(budget=plan["budget"],
                                                                                            cpu=CPU_BUDGET)
    budget = plan["budget"] if plan is not None else CPU_BUDGET
    return _("budget {budget:g} s of CPU time (on a GPU: {gpu:g} s)").format(budget=budget, gpu=GPU_BUDGET)


# -- the plan and the runs (each computed once per grading) -----------------------------------------------------
def pick_device(options: dict) -> tuple[str, str]:
    """(device, why) -- the option when given, else 'cuda' when torch sees a GPU, else 'cpu'."""
    if options.get("device"):
        return str(options["device"]), N_("chosen with the device option")
    import torch

    if torch.cuda.is_available():
        return "cuda", N_("a GPU was found")
    return "cpu", N_("no GPU found")


def _plan(student: Student) -> dict:
    return student.memo("plan", lambda: _make_plan(student.options or {}, student.secret))


def _perturb_seed(options: dict, secret: str | None) -> int:
    """The seed of this grading's held-out perturbation: the option (tests), else derived from the course secret
    (batch: the same hidden images on every run), else fresh from the operating system for every run."""
    if options.get("perturb_seed") is not None:
        return int(options["perturb_seed"])
    if secret:
        return int.from_bytes(hashlib.sha256(f"ex10|perturb|{secret}".encode()).digest()[:8], "big")
    return secrets.randbits(63)


def _make_plan(options: dict, secret: str | None = None) -> dict:
    try:
        dataset = data_mod.load(options.get("data"))
    except data_mod.DataError as exc:
        raise CheckFailed(_("the data could not be loaded: {error}").format(error=exc)) from None
    device, why = pick_device(options)
    on_gpu = device.startswith("cuda")
    kind = "digits" if dataset.name == "digits" else "shipped" if options.get("data") is None else "files"
    settings = dict(DEFAULTS[f"{kind}-{'cuda' if on_gpu else 'cpu'}"])
    for name in ("epochs", "subset", "budget", "grace"):
        if options.get(name) is not None:
            settings[name] = options[name]
    subset = settings["subset"]
    if subset is not None and int(subset) < len(dataset.train_y):
        index = data_mod.stratified_subset(dataset.train_y, int(subset), SEED)
        train_x, train_y = dataset.train_x[index], dataset.train_y[index]
    else:
        train_x, train_y = np.ascontiguousarray(dataset.train_x), np.ascontiguousarray(dataset.train_y)
    seed = _perturb_seed(options, secret)
    order = np.random.default_rng(seed).permutation(len(dataset.test_y))
    heldout_x = data_mod.perturb(dataset.test_x[order], seed, noise=data_mod.PERTURB_NOISE[dataset.name],
                                 top=int(dataset.scale), shift=data_mod.PERTURB_SHIFT[dataset.name])
    return {"dataset": dataset, "device": device, "device_why": why, "epochs": int(settings["epochs"]),
            "budget": float(settings["budget"]), "grace": float(settings["grace"]), "bar": float(settings["bar"]),
            "clock": "wall" if on_gpu else "cpu", "shift": data_mod.PERTURB_SHIFT[dataset.name],
            "train_x": train_x, "train_y": train_y, "heldout_x": heldout_x,
            "heldout_y": np.ascontiguousarray(dataset.test_y[order]), "loss_n": min(LOSS_SAMPLE, len(order))}


def _fail(summary: str, *details: str, not_implemented: bool = False) -> CheckFailed:
    failure = CheckFailed(summary, *details)
    failure.not_implemented = not_implemented
    return failure


def _error_failure(what: str, error: dict) -> CheckFailed:
    """CheckFailed for an exception the driver caught in the student's code ('build_model()', 'train()')."""
    kind = str(error.get("type", "Exception"))
    if error.get("by_grader") is True:  # not an exception of the student's: the driver describing a problem
        return _fail(driver_message(error))
    if kind == "NotImplementedError":
        return _fail(_("{what} is not implemented yet").format(what=what), not_implemented=True)
    message = driver_message(error) if error.get("template") in DRIVER_MESSAGES else student_message(error)
    return _fail(_("{what} raised {exception}: {message}").format(what=what, exception=kind, message=message),
                 *traceback_lines(error))


def driver_message(error: dict) -> str:
    """The driver's description of a problem, in the student's language: the driver (in the student process) sends
    its English template and plain-string arguments; only the driver's own templates are translated here, anything
    else is shown as the English text it sent."""
    return worded(error, DRIVER_MESSAGES)


def _check_functions(student: Student) -> None:
    load = student.box.load()
    if load.ok:
        for fn in ("build_model", "train"):
            if fn not in load.functions:
                raise _fail(_("{file} has no function {fn}() (was it renamed or deleted?)").format(
                    file=student.box.file.name, fn=fn))


def refused_imports(source: str) -> list[str]:
    """The refused libraries (driver.REFUSED, driver.REFUSED_MODULES) that ``source`` imports: import statements,
    and ``__import__`` / ``import_module`` calls with a literal name."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and \
                isinstance(node.args[0].value, str) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                    "__import__", "import_module"):
            names.append(node.args[0].value)
    found = {n.partition(".")[0] if n.partition(".")[0] in REFUSED else n for n in names
             if n.partition(".")[0] in REFUSED or n in REFUSED_MODULES}
    return sorted(found)


def _refusal(student: Student, file_name: str, names) -> CheckFailed:
    return _fail(_("{file} imports {names}: not allowed in exercise 10 (data-set libraries, and the grader's data, "
                   "reach the held-out digits); build and train the model with torch on the loader train() is given")
                 .format(file=file_name, names=", ".join(names)))


def _screen(student: Student) -> None:
    """The submission's size and imports, read here (never run): raise CheckFailed when it is refused."""
    path = Path(student.box.file)
    try:
        raw = path.read_bytes()
    except OSError:
        return   # (a test's stand-in box without a file)
    if len(raw) > MAX_SOURCE_BYTES:
        raise _fail(_("{file} is {size:,} bytes; exercise 10 accepts at most {limit:,} (a submission must not carry "
                      "data): remove embedded data or long outputs").format(file=path.name, size=len(raw),
                                                                           limit=MAX_SOURCE_BYTES))
    names = refused_imports(raw.decode("utf-8", errors="replace"))
    if names:
        raise _refusal(student, path.name, names)


def _shared(student: Student, key: str, compute) -> dict:
    """``compute()`` once per grading (the preparation, the training run); every check that judges it re-raises the
    same failure when it failed."""
    value = student.memo(key, compute)
    if isinstance(value, CheckFailed):
        raise _fail(value.summary, *value.details, not_implemented=value.not_implemented)
    return value


def _driver(student: Student, function: str, *args, fn: str, timeout: float, wall: float | None = None, **kwargs):
    """Run the driver's ``function`` (exercising the student's ``fn``) in the student process; (result, None) or
    (None, CheckFailed). ``timeout``: the request's CPU budget; ``wall``: its wall-clock limit (default: the
    sandbox's safety net, a multiple of ``timeout``)."""
    try:
        return student.run_driver(function, *args, fn=fn, timeout=timeout, wall=wall, **kwargs), None
    except Abort as abort:      # timeout, crash, the time budget
        return None, abort.failure
    except CheckFailed as exc:  # only possible if the student's code broke the driver itself
        return None, _fail(_("the grader's training driver failed inside your process: {summary}").format(
            summary=exc.summary))


def _prepared(student: Student) -> dict:
    return _shared(student, "prepare", lambda: _run_prepare(student))


def _run_prepare(student: Student) -> dict | CheckFailed:
    try:
        _screen(student)
        _check_functions(student)
        plan = _plan(student)
    except CheckFailed as failure:
        return failure
    ds = plan["dataset"]
    result, failure = _driver(student, "prepare", plan["train_x"], plan["train_y"],
                              plan["heldout_x"][:plan["loss_n"]], fn="build_model", scale=ds.scale,
                              num_classes=ds.num_classes, device=plan["device"], seed=SEED, batch_size=BATCH_SIZE,
                              shift=plan["shift"], timeout=PREPARE_SECONDS)
    if failure is not None and failure.kind is not None:
        return _fail(_("building the model: {summary}").format(summary=failure.summary))
    if failure is not None:
        return failure
    try:
        return _valid_prepare(result, plan)
    except CheckFailed as bad:
        return bad


def _malformed(what: str) -> CheckFailed:
    return _fail(_("the student process sent back malformed results ({what}); was the grader's driver.py changed?")
                 .format(what=what))


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


def _valid_strings(result: dict, key: str) -> list[str]:
    value = result.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _malformed(key)
    return value


def _valid_logits(value, rows: int, classes: int, what: str):
    if value is None:
        return None
    if not isinstance(value, np.ndarray) or value.dtype != np.float32 or value.shape != (rows, classes):
        raise _malformed(f"{what} must be float32 of shape ({rows}, {classes})")
    return value


def _valid_prepare(result, plan: dict) -> dict:
    if not isinstance(result, dict):
        raise _malformed("not a dict")
    ds = plan["dataset"]
    refused = _valid_strings(result, "refused")
    if refused:
        raise _fail(_("your code imported {names}: not allowed in exercise 10 (data-set libraries, and the "
                      "grader's data, reach the held-out digits)").format(names=", ".join(refused)))
    out = {"errors": _valid_errors(result), "output_shape": _valid_shape(result.get("output_shape")),
           "output_type": str(result.get("output_type")), "conv_layers": _valid_strings(result, "conv_layers"),
           "logits_before": _valid_logits(result.get("logits_before"), plan["loss_n"], ds.num_classes,
                                          "logits_before")}
    name = result.get("device_name")
    if isinstance(name, str) and name:
        plan["device_shown"] = f"{plan['device']}: {name[:100]}"
    return out


def _process_cpu(box) -> float | None:
    """CPU seconds (user + system) of the student process and everything it started (in a cage: the keeper, the
    namespace's pid 1 and the student's process), read from /proc by the grader; None where there is no /proc or no
    process id."""
    pid = getattr(getattr(box, "proc", None), "pid", None)
    if not isinstance(pid, int):
        return None
    return cputime.tree_seconds(pid)


def _training(student: Student) -> dict:
    """The one training run; raises CheckFailed when there is none to judge."""
    return _shared(student, "run", lambda: _train(student))


def _train(student: Student) -> dict | CheckFailed:
    try:
        prepared = _prepared(student)
    except CheckFailed as failure:
        return failure
    if "build" in prepared["errors"]:
        return _error_failure("build_model()", prepared["errors"]["build"])
    plan = _plan(student)
    ds = plan["dataset"]
    student.info[N_("device")] = f"{plan['device']} ({_(plan['device_why'])})"
    n = len(plan["train_y"])
    trained = (ngettext("trained on all {n:,} for {epochs} epoch, batch size {batch}",
                        "trained on all {n:,} for {epochs} epochs, batch size {batch}", plan["epochs"])
               if n == len(ds.train_y) else
               ngettext("trained on {n:,} for {epochs} epoch, batch size {batch}",
                        "trained on {n:,} for {epochs} epochs, batch size {batch}", plan["epochs"])).format(
        n=n, epochs=plan["epochs"], batch=BATCH_SIZE)
    if plan["shift"]:
        trained += _(", each image shifted by up to a pixel at random")
    heldout = (_("held-out images shifted by a pixel, with noise, from a seed kept by the grader") if plan["shift"]
               else _("held-out images with noise, from a seed kept by the grader"))
    student.info[N_("data")] = f"{ds.description}; {trained}; {heldout}"
    backstop = plan["budget"] * (WALL_FACTOR if plan["clock"] == "cpu" else 1.0) + plan["grace"]
    cpu0, t0 = _process_cpu(student.box), time.perf_counter()
    result, failure = _driver(student, "train", fn="train", epochs=plan["epochs"], budget=plan["budget"],
                              clock=plan["clock"], timeout=backstop, wall=backstop)
    wall, cpu1 = time.perf_counter() - t0, _process_cpu(student.box)
    if failure is not None and failure.kind == "timeout":
        student.info[N_("training time")] = _("did not finish inside the budget ({budgets})").format(
            budgets=budgets_text(plan))
        return _fail(_("train() did not finish inside the {budget:g} s budget: the process was stopped after "
                       "{backstop:g} s (an endless loop, or far too slow)").format(budget=plan["budget"],
                                                                                   backstop=backstop))
    if failure is not None and failure.kind not in (None, "raised"):
        return _fail(_("training: {summary}").format(summary=failure.summary))
    if failure is not None:
        return failure
    try:
        run = _valid_train(result, plan)
    except CheckFailed as bad:
        return bad
    measured = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
    run["wall_seconds"] = wall
    run["cpu_seconds"] = max(v for v in (measured, run["reported_cpu"], 0.0) if v is not None)
    used = run["cpu_seconds"] if plan["clock"] == "cpu" else wall
    run["over_budget"] = run["timed_out"] or used > plan["budget"]
    if run["timed_out"]:
        run["time_text"] = _("did not finish inside the budget ({budgets})").format(budgets=budgets_text(plan))
    else:
        run["time_text"] = _("{cpu:.1f} s CPU, {wall:.1f} s wall; {budgets}").format(
            cpu=run["cpu_seconds"], wall=wall, budgets=budgets_text(plan))
    run["logits"] = None
    if not run["timed_out"] and "train" not in run["errors"]:
        result, failure = _driver(student, "predict", plan["heldout_x"], fn="train", timeout=PREDICT_SECONDS)
        if failure is not None:
            return _fail(_("predicting the held-out images: {summary}").format(summary=failure.summary))
        try:
            if not isinstance(result, dict):
                raise _malformed("not a dict")
            run["errors"].update(_valid_errors(result))
            run["logits"] = _valid_logits(result.get("logits"), len(plan["heldout_y"]), ds.num_classes, "logits")
        except CheckFailed as bad:
            return bad
    return run


def _valid_train(result, plan: dict) -> dict:
    if not isinstance(result, dict):
        raise _malformed("not a dict")
    refused = _valid_strings(result, "refused")
    if refused:
        raise _fail(_("your code imported {names}: not allowed in exercise 10 (data-set libraries, and the "
                      "grader's data, reach the held-out digits)").format(names=", ".join(refused)))
    run = {"errors": _valid_errors(result)}
    for key in ("param_names", "param_devices", "param_dtypes", "buffer_devices"):
        run[key] = _valid_strings(result, key)
    if not len(run["param_names"]) == len(run["param_devices"]) == len(run["param_dtypes"]):
        raise _malformed("parameter lists")
    changes = result.get("conv_changes")
    if not isinstance(changes, list) or not all(
            isinstance(c, list) and len(c) == 2 and isinstance(c[0], str) and isinstance(c[1], float) for c in changes):
        raise _malformed("conv_changes")
    run["conv_changes"] = changes
    losses = result.get("losses")
    if losses is not None and not (isinstance(losses, list) and all(isinstance(v, float) for v in losses)):
        raise _malformed("losses")
    run["losses"], run["losses_type"] = losses, str(result.get("losses_type"))
    value = result.get("cpu_seconds")
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise _malformed("cpu_seconds")
    run["reported_cpu"] = None if value is None or not math.isfinite(value) else float(value)
    if not isinstance(result.get("timed_out"), bool):
        raise _malformed("timed_out")
    run["timed_out"] = result["timed_out"]
    return run


def _train_finished(run: dict, plan: dict) -> None:
    """Raise CheckFailed unless train() returned normally inside the budget."""
    if run["timed_out"]:
        raise _fail(_("train() did not finish inside the {budget:g} s budget, so there is no trained model to "
                      "judge").format(budget=plan["budget"]))
    if "train" in run["errors"]:
        raise _error_failure("train()", run["errors"]["train"])


def _show_facts(student: Student, run: dict) -> None:
    plan = _plan(student)
    if plan.get("device_shown"):
        student.info[N_("device")] = f"{plan['device_shown']} ({_(plan['device_why'])})"
    if run.get("time_text"):
        student.info[N_("training time")] = run["time_text"]


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
        return _("(none)")
    shown = [f"{v:.3g}" for v in losses[:20]]
    return ", ".join(shown) + (_(", ... ({count} in all)").format(count=len(losses)) if len(losses) > 20 else "")


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy (natural log) of float logits (N, K) against int labels (N,): mean(logsumexp - logit_y)."""
    z = logits.astype(np.float64)
    top = z.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))
    return float(np.mean(lse - z[np.arange(len(labels)), labels]))


# -- the checks -------------------------------------------------------------------------------------------------
def model_output_shape(student):
    """build_model(input_shape, num_classes) builds a CNN (at least one convolution layer) that maps (N, C, H, W)
    images to (N, num_classes) scores."""
    probe = _prepared(student)
    plan = _plan(student)
    ds = plan["dataset"]
    if "build" in probe["errors"]:
        raise _error_failure("build_model()", probe["errors"]["build"])
    batch = (PROBE_BATCH, *ds.input_shape)
    if "forward" in probe["errors"]:
        failure = _error_failure(_("the model's forward pass on a batch of shape {shape}").format(shape=batch),
                                 probe["errors"]["forward"])
        failure.details.append(_("derive the size of the first Linear layer from input_shape (the same code must "
                                 "work for 8x8 digits and 28x28 MNIST), and flatten before it (nn.Flatten())"))
        raise failure
    shape, expected = probe["output_shape"], (PROBE_BATCH, ds.num_classes)
    if shape is None:
        raise _fail(_("the model returned {returned} for a batch of shape {shape}, expected a tensor of shape "
                      "{expected}").format(returned=probe["output_type"], shape=batch, expected=expected))
    if shape != expected:
        details = []
        if len(shape) != 2:
            details.append(_("flatten the feature maps before the Linear layers (nn.Flatten() or x.flatten(1))"))
        elif shape[0] != PROBE_BATCH:
            details.append(_("the batch dimension changed: flatten with nn.Flatten() / x.flatten(1), not "
                             "x.view(-1, k) with a wrong k, and never hard-code the batch size"))
        if shape and shape[-1] != ds.num_classes:
            details.append(_("the last layer must have num_classes = {classes} outputs").format(
                classes=ds.num_classes))
        raise _fail(_("the model's output for a batch of shape {batch} has shape {shape}, expected {expected}: one "
                      "score (logit) per class for every image").format(batch=batch, shape=shape, expected=expected),
                    *details)
    if not probe["conv_layers"]:
        raise _fail(_("the model has no convolution layer: this exercise is a CNN (nn.Conv2d layers, then pooling, "
                      "then Linear layers)"))


def _measured_losses(student: Student, run: dict, plan: dict) -> tuple[float, float] | None:
    """(loss before, loss after) on the loss batch, computed here from the logits and the grader's labels."""
    before = _prepared(student)["logits_before"]
    after = run["logits"][:plan["loss_n"]] if run["logits"] is not None else None
    if before is None or after is None:
        return None
    labels = plan["heldout_y"][:plan["loss_n"]]
    return cross_entropy(before, labels), cross_entropy(after, labels)


def loss_goes_down(student):
    """The grader's loss (cross-entropy on a batch of held-out images it chose, from the model's logits and its own
    labels) is clearly lower after training than before; every convolution layer's parameters changed; and the
    per-epoch losses train() returned are as many as the epochs, finite, and going down."""
    run, plan = _judged_run(student)
    losses, epochs = run["losses"], plan["epochs"]
    if losses is None:
        raise _fail(_("train() returned {returned}; expected a list of {epochs} per-epoch mean losses (floats: use "
                      "loss.item())").format(returned=run["losses_type"], epochs=epochs))
    if len(losses) != epochs:
        raise _fail(_("train() returned {count} losses for {epochs} epochs; append one mean loss per epoch").format(
            count=len(losses), epochs=epochs), _("losses: {losses}").format(losses=_fmt_losses(losses)))
    bad = next((i for i, v in enumerate(losses) if not math.isfinite(v)), None)
    if bad is not None:
        raise _fail(_("the loss became {value} in epoch {epoch}: training diverged (learning rate far too high, or "
                      "gradients piling up because optimizer.zero_grad() is missing?)").format(value=losses[bad],
                                                                                             epoch=bad + 1),
                    _("losses: {losses}").format(losses=_fmt_losses(losses)))
    pair = _measured_losses(student, run, plan)
    if pair is None:
        raise _fail(_("cannot tell whether the loss went down: the model's scores for the grader's batch could not "
                      "be computed before or after training"))
    before, after = pair
    measured = _("the grader's mean cross-entropy on {n:,} held-out images: {before:.4g} before training, "
                 "{after:.4g} after").format(n=plan["loss_n"], before=before, after=after)
    yours = _("the losses train() returned: {losses}").format(losses=_fmt_losses(losses))
    if not math.isfinite(after) or after > before:
        raise _fail(_("the loss went up: training makes the model worse (gradients piling up because "
                      "optimizer.zero_grad() is missing, a minus sign on the loss, maximize=True, or a learning rate "
                      "far too high?)"), measured, yours)
    if not after < 0.999 * before:
        raise _fail(_("the loss did not go down: the model did not change (learning rate 0? does the optimizer get "
                      "model.parameters(), and does the loop call loss.backward() and optimizer.step()?)"),
                    measured, yours)
    if not after < LOSS_DROP * before:
        raise _fail(_("the loss barely went down (by less than {percent:.0f} %): the learning rate is far too small "
                      "(Adam: 1e-3; plain SGD: about 0.1, or 0.01 with momentum=0.9)").format(
                          percent=(1 - LOSS_DROP) * 100), measured, yours)
    still = [name for name, moved in run["conv_changes"] if not (moved > 0)]
    if still:
        raise _fail(_("{count} of {total} convolution layers did not change during training (for example "
                      "{example}): does the model use them on its input, and does the optimizer get all of "
                      "model.parameters()?").format(count=len(still), total=len(run["conv_changes"]),
                                                    example=still[0]), measured)
    if len(losses) >= 2 and not losses[-1] < losses[0]:
        raise _fail(_("the per-epoch losses that train() returned do not go down (first {first:.4g}, last "
                      "{last:.4g}): is each epoch's mean computed from that epoch's batches?").format(
                          first=losses[0], last=losses[-1]), measured, yours)


def accuracy(student):
    """Held-out accuracy (computed here from the model's logits and the grader's own labels) at or above the bar."""
    run, plan = _judged_run(student)
    ds = plan["dataset"]
    if "predict" in run["errors"]:
        raise _error_failure(_("predicting the held-out images"), run["errors"]["predict"])
    if run["logits"] is None:
        raise _malformed("no logits for the held-out images")
    preds = run["logits"].argmax(axis=1)
    if not np.isfinite(run["logits"]).all():
        preds = np.where(np.isfinite(run["logits"]).all(axis=1), preds, -1)   # a NaN score is no prediction
    labels = plan["heldout_y"]
    correct = int(np.sum(preds == labels))
    total = len(labels)
    acc = correct / total
    bar = plan["bar"]
    shown, bar_shown = f"{acc * 100:.1f} %", f"{bar * 100:g} %"
    student.info[N_("held-out accuracy")] = _("{accuracy} ({correct:,}/{total:,} correct; the bar is {bar})").format(
        accuracy=shown, correct=correct, total=total, bar=bar_shown)
    if acc >= bar:
        return
    losses = run["losses"] or []
    details = [_("per-epoch training losses: {losses}").format(losses=_fmt_losses(losses))] if losses else []
    if any(b > a * 1.05 for a, b in zip(losses, losses[1:])):
        details.append(_("the loss rises between epochs: gradients piling up because optimizer.zero_grad() is not "
                         "called before each loss.backward() look like this, and so does a learning rate that is too "
                         "high"))
    elif losses and losses[-1] > 0.5:
        details.append(_("the training loss is still high at the end: check the learning rate (Adam: 1e-3) and "
                         "that every batch is used"))
    counts = np.bincount(preds[preds >= 0], minlength=ds.num_classes)
    if counts.max() > 0.5 * total:
        details.append(_("the model predicts class {label} for {percent:.0f} % of the images").format(
            label=int(counts.argmax()), percent=counts.max() * 100 / total))
    raise _fail(_("held-out accuracy {accuracy} ({correct:,}/{total:,}) is below the {bar} bar").format(
        accuracy=shown, correct=correct, total=total, bar=bar_shown), *details)


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
        raise _fail(_("the model has no parameters, so nothing can be trained (are the layers attributes of the "
                      "nn.Module, or inside nn.Sequential?)"))
    wrong = [(n, d) for n, d in zip(names, devices) if not _same_device(d, expected)]
    if wrong:
        where = sorted({d for _, d in wrong})
        meta = _(" ('meta' tensors have shapes but no values)") if "meta" in where else ""
        raise _fail(_("{count} of {total} parameter tensors are on {where}{meta}, but train() was given device "
                      "'{device}': call model.to(device) at the start of train(), before creating the optimizer, and "
                      "move every batch with .to(device)").format(count=len(wrong), total=len(names),
                                                                  where=", ".join(where), meta=meta, device=expected),
                    _("for example {name} is on {device}").format(name=wrong[0][0], device=wrong[0][1]))
    stray = [d for d in run["buffer_devices"] if not _same_device(d, expected)]
    if stray:
        raise _fail(_("{count} buffer(s) of the model (e.g. BatchNorm running statistics) are on {where}, not "
                      "'{device}': register tensors with self.register_buffer() so model.to(device) moves them")
                    .format(count=len(stray), where=stray[0], device=expected))
    odd = [(n, t) for n, t in zip(names, dtypes) if t != "float32"]
    if odd:
        kinds = sorted({t for _, t in odd})
        raise _fail(_("{count} of {total} parameter tensors are {kinds}, but the data is float32: keep the model in "
                      "float32 (no model.half() or model.double())").format(count=len(odd), total=len(names),
                                                                          kinds=", ".join(kinds)),
                    _("for example {name} is {dtype}").format(name=odd[0][0], dtype=odd[0][1]))


def inside_budget(student):
    """train() returned inside the time budget: CPU seconds of the student process on the CPU, wall seconds on a GPU,
    both measured by the grader."""
    run, plan = _judged_run(student, finished=False)
    if run["timed_out"]:
        raise _fail(_("train() did not finish inside the {budget:g} s budget (an endless loop? the epoch loop "
                      "should run `epochs` times, and `for images, labels in loader:` ends by itself)").format(
                          budget=plan["budget"]))
    _train_finished(run, plan)
    if run["over_budget"]:
        used = run["cpu_seconds"] if plan["clock"] == "cpu" else run["wall_seconds"]
        took = (_("train() took {used:.1f} s of CPU time, over the {budget:g} s budget") if plan["clock"] == "cpu"
                else _("train() took {used:.1f} s, over the {budget:g} s budget")).format(used=used,
                                                                                         budget=plan["budget"])
        raise _fail(took + _(" (a smaller model, e.g. 16 and 32 channels with pooling after each convolution, trains "
                             "several times faster)"))
