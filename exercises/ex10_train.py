"""Exercise 10: train a CNN on real handwritten digits -- the model and the training loop, graded on what they achieve.

You write two functions; the grader does the rest:

* ``build_model(input_shape, num_classes)`` returns a ``torch.nn.Module`` with convolution layers that maps a batch
  of images (N, C, H, W) to raw class scores ("logits") of shape (N, num_classes);
* ``train(model, loader, device, epochs)`` trains it and returns the mean training loss of every epoch.

The grader builds the model, gives it to ``train`` with a DataLoader of training images, the device and the number
of epochs, then has the trained model score held-out images it never saw and computes the accuracy itself (their
labels never reach your code). The held-out images are shifted by a pixel and carry a little noise, different in
every run, so only a model that has learned digits recognises them; the training images come from the loader
shifted by up to a pixel at random for the same reason. The grader also measures the loss itself, on held-out
images, before and after training. The device is ``cuda`` when a GPU is there, else ``cpu``: the same code must work
on both.

Points: a CNN with the right output shape (2), the loss going down and the convolutions learning (2), held-out
accuracy of at least 96 % (4), the parameters ending up on the given device (1), and training inside the time
budget (1): on the CPU 120 s of CPU time, on a GPU 60 s (the last two are earned together with the others, not
alone). The report says which device was used and how long training took.

Data (float32 images scaled to [0, 1], int64 labels 0-9, batch size 64):
* default: real MNIST, 28x28 pixels, 1 channel: input_shape = (1, 28, 28); 8,000 training and 2,000 held-out images
  of the official MNIST test set, shipped with the grader; 6 epochs;
* ``--data FOLDER``: the four files of the full MNIST set (60,000 training images; bar 97 %);
* ``--data digits``: scikit-learn's 8x8 digits, a quick check: input_shape = (1, 8, 8), 15 epochs, bar 95 %.
Your code may use torch and numpy; libraries that ship data sets (sklearn, keras, tensorflow, torchvision, ...) are
refused, and the file may be at most 32 KB.

The model. A CNN of the slides' kind, small enough to train in seconds on a CPU, for any input size:

    layer                              28x28 MNIST                    8x8 digits
    Conv2d(1, 16, 3, padding=1)        (16, 28, 28)       160         (16, 8, 8)       160
    ReLU, MaxPool2d(2)                 (16, 14, 14)                   (16, 4, 4)
    Conv2d(16, 32, 3, padding=1)       (32, 14, 14)     4,640         (32, 4, 4)     4,640
    ReLU, MaxPool2d(2)                 (32, 7, 7)                     (32, 2, 2)
    Flatten                            1,568                          128
    Linear(., 128), ReLU               128            200,832         128           16,512
    Linear(128, 10)                    10               1,290         10             1,290

    padding=1 keeps a 3x3 convolution's output the size of its input (n + 2p - f + 1 = n); 2x2 max pooling halves
    it (floor). So the flatten size is 32 * (H // 4) * (W // 4): compute it from input_shape.

The slides' MNIST CNN -- Conv2d(1, 32, 3), ReLU, Conv2d(32, 64, 3), ReLU, MaxPool2d(2), Flatten, Linear(9216, 128),
ReLU, Linear(128, 10): 320 + 18,496 + 1,179,776 + 1,290 = 1,199,882 parameters -- also works (one slide prints
18,494 for its second conv layer; (3*3*32 + 1) * 64 = 18,496 is right), but its two convolutions at full resolution
cost about 5 times as much per image: on a CPU, 6 epochs take about 110-130 s of CPU time, at or over the budget.
On a GPU it is fine.

The training loop, one epoch at a time:

    model.to(device)                                  # once, BEFORE creating the optimizer
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    (optional, a little better: torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / total_steps),
     stepped after every optimizer.step(), with total_steps = epochs * len(loader))
    loss_fn = nn.CrossEntropyLoss()                   # takes raw scores: no softmax layer in the model
    for each epoch:
        model.train()                                 # training mode (matters for dropout / batch norm)
        for images, labels in loader:                 # one mini-batch: (B, C, H, W) float32, (B,) int64
            images = images.to(device, non_blocking=True)   # the loader gives CPU tensors; move every batch
            labels = labels.to(device, non_blocking=True)
            optimizer.zero_grad()                     # clear the gradients of the previous batch
            loss = loss_fn(model(images), labels)     # forward pass, then the loss (a 0-d tensor)
            loss.backward()                           # gradients of the loss w.r.t. every parameter
            optimizer.step()                          # w = w - lr * (the optimizer's version of) dloss/dw
            add loss.item() * len(labels) to the epoch's total
        append total / number of images to the list of losses

An untrained 10-class model predicts roughly uniform probabilities, so the first losses are near
-ln(1/10) = ln(10) = 2.303. Cross-entropy uses the natural log: the slides' -log(0.6) = 0.222 is log base 10;
torch gives -ln(0.6) = 0.511.

The usual mistakes (each costs points here):
* forgetting ``optimizer.zero_grad()``: gradients add up over all earlier batches, and the accuracy stays low;
* a loss that cannot go down: learning rate 0, an optimizer built from a different model's parameters, or an
  update that goes uphill (``(-loss).backward()``, ``maximize=True``);
* data left on the CPU while the model is on the GPU (RuntimeError: "Input type (torch.FloatTensor) and weight
  type (torch.cuda.FloatTensor) should be the same"), or the model never moved, so it silently trains on the CPU;
  move it before creating the optimizer (the PyTorch docs' advice), and keep it in float32 (no model.half());
* ``model.train()`` / ``model.eval()``: training mode during training; the grader switches to eval mode itself
  for predictions;
* ``device == "cuda"`` is False for ``torch.device("cuda")``: compare ``device.type == "cuda"``;
* ``.item()`` or ``.cpu()`` on every batch forces the CPU to wait for the GPU; it is harmless on the CPU, and
  acceptable once per batch, but summing on the device and calling ``.item()`` once per epoch is faster;
* a flatten size copied from the slides (9216) only fits their layers on 28x28 input: compute it from input_shape;
* a loop that never ends (``while True:``, or iterating over something that does not end) -- the time budget
  stops it.

Run `grade exercise 10` to check your work (about 15-60 s on a laptop CPU), `grade hint 10` if you are stuck.
"""
import torch
from torch import nn


def build_model(input_shape, num_classes):
    """Build the CNN for images of shape ``input_shape``.

    Args:
        input_shape: (C, H, W) of one image, e.g. (1, 8, 8) for the digits or (1, 28, 28) for MNIST.
        num_classes: number of classes K (10 for digits).

    Returns:
        A torch.nn.Module with convolution layers, mapping a float32 batch (N, C, H, W) to raw scores (N, K) -- no
        softmax at the end (nn.CrossEntropyLoss applies log-softmax itself). Suggested: conv3x3(16, padding=1) -
        ReLU - maxpool 2x2 - conv3x3(32, padding=1) - ReLU - maxpool 2x2 - flatten - linear(128) - ReLU - linear(K),
        with the flatten size 32 * (H // 4) * (W // 4) computed from input_shape.
    """
    # TODO: compute the feature-map size after the convs and the pooling, then return nn.Sequential(...).
    raise NotImplementedError


def train(model, loader, device, epochs):
    """Train ``model`` on the mini-batches of ``loader`` for ``epochs`` epochs on ``device``.

    Args:
        model: the nn.Module from build_model (on the CPU when it arrives).
        loader: a torch DataLoader yielding (images, labels): images (B, C, H, W) float32 in [0, 1], labels (B,)
            int64 class indices; shuffled, each image shifted by up to a pixel at random; CPU tensors (pinned
            when the device is cuda).
        device: a torch.device, torch.device("cuda") or torch.device("cpu"): train there.
        epochs: how many passes over the loader (an int >= 1).

    Returns:
        A list of ``epochs`` floats: the mean training loss of each epoch (Python floats, e.g. via loss.item()).
        The model is trained in place; when train returns, its parameters must be on ``device``.
    """
    # TODO: move the model, create the optimizer and the loss, then loop over epochs and batches
    # (zero_grad, forward, loss, backward, step) and record each epoch's mean loss.
    raise NotImplementedError
