"""Exercise 10: the entry (data only). Checks in checks.py, named mistakes in mistakes.py."""
from grader.course.entry import Check, Exercise
from grader.sandbox.limits import Limits

EXERCISE = Exercise(
    10, "train", "Train a CNN",
    functions=("build_model", "train"),
    topic="the slides' MNIST CNN and its training loop, graded on held-out accuracy (GPU when there is one)",
    checks=(
        Check("model_output_shape", "build_model(): the model builds and outputs (N, num_classes) scores", 2),
        Check("loss_goes_down", "train(): the training loss goes down", 2),
        Check("accuracy", "held-out accuracy at or above the bar (digits 95 %, MNIST 97 %)", 4),
        Check("on_device", "the model's parameters end up on the device train() was given", 1),
        Check("inside_budget", "training finishes inside the time budget", 1),
    ),
    hints=(
        "Every batch: optimizer.zero_grad(); loss = loss_fn(model(images), labels); loss.backward(); "
        "optimizer.step() -- without zero_grad the gradients of all earlier batches pile up.",
        "Move the model once (model.to(device), before creating the optimizer) and every batch "
        "(images.to(device), labels.to(device)); call model.train() at the start of each epoch.",
        "Size the first Linear layer from input_shape: two 3x3 convs without padding take 2 pixels off each "
        "side length, 2x2 max pooling halves it (8 -> 6 -> 4 -> 2; 28 -> 26 -> 24 -> 12, i.e. 64*12*12 = 9216).",
        "Use nn.CrossEntropyLoss on the raw scores (no softmax layer before it) and Adam with lr=1e-3; return "
        "one float per epoch: the mean of loss.item() over that epoch's batches.",
    ),
    time_budget=600.0,
    limits=Limits(call_seconds=150.0, load_seconds=60.0, memory_mb=None, cpu_seconds=None),
    libraries=("numpy", "torch"),
    driver=True,
)
