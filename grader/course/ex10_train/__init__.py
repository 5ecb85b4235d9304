"""Exercise 10: the entry (data only). Checks in checks.py, the code that runs in the student process in driver.py,
the data (real MNIST digits shipped in mnist/) in data.py."""
from grader.course.entry import Check, Exercise
from grader.sandbox.limits import Limits

EXERCISE = Exercise(
    10, "train", "Train a CNN",
    functions=("build_model", "train"),
    topic="a CNN of the slides' kind trained on real MNIST digits, graded on held-out accuracy (GPU when there is one)",
    checks=(
        Check("model_output_shape", "build_model(): a CNN that outputs (N, num_classes) scores", 2,
              function="build_model"),
        Check("loss_goes_down", "train(): the loss the grader measures goes down, and the convolutions learn", 2,
              function="train"),
        Check("accuracy", "held-out accuracy at or above the bar (MNIST 96 %, with --data 97 %, digits 95 %)", 4),
        Check("on_device", "the model's parameters end up on the device train() was given", 1, function="train",
              hygiene=True),
        Check("inside_budget", "training finishes inside the time budget (CPU: 120 s of CPU time; GPU: 60 s)", 1,
              function="train", hygiene=True),
    ),
    hints=(
        "Every batch: optimizer.zero_grad(); loss = loss_fn(model(images), labels); loss.backward(); "
        "optimizer.step() -- without zero_grad the gradients of all earlier batches pile up.",
        "Move the model once (model.to(device), before creating the optimizer) and every batch "
        "(images.to(device), labels.to(device)); call model.train() at the start of each epoch.",
        "Size the first Linear layer from input_shape: a 3x3 conv with padding=1 keeps the size, 2x2 max pooling "
        "halves it (28 -> 14 -> 7, so 32 channels give 32*7*7 = 1568 features; 8 -> 4 -> 2 for the digits).",
        "Use nn.CrossEntropyLoss on the raw scores (no softmax layer before it) and Adam with lr=3e-3 (better: 3e-3 "
        "falling to 0 over the run); return one float per epoch: the mean of loss.item() over that epoch's batches.",
    ),
    time_budget=900.0,
    limits=Limits(call_seconds=150.0, load_seconds=60.0, memory_mb=None, cpu_seconds=None),
    libraries=("numpy", "torch"),
    driver=True,
)
