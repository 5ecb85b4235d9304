"""Exercise 10: train a CNN -- the model and the training loop, graded on what they achieve.

You write two functions; the grader does the rest:

* ``build_model(input_shape, num_classes)`` returns a ``torch.nn.Module`` that maps a batch of images
  (N, C, H, W) to raw class scores ("logits") of shape (N, num_classes);
* ``train(model, loader, device, epochs)`` trains it and returns the mean training loss of every epoch.

The grader builds the model, gives it to ``train`` together with a DataLoader of training images, the device and
the number of epochs, then has the trained model predict held-out images it never saw (their labels stay with the
grader) and computes the accuracy itself. The device is ``cuda`` when a GPU is there, else ``cpu``: the same code
must work on both. Points: the output shape, the loss going down, held-out accuracy (built-in digits: at least
95 %; ``grade exercise 10 --data FOLDER`` with the four MNIST files: at least 97 %), the parameters ending up on
the given device, and training inside the time budget. The report says which device was used and how long it took.

Data (float32 images scaled to [0, 1], int64 labels 0-9):
* default: scikit-learn's real handwritten digits, 8x8 pixels, 1 channel: input_shape = (1, 8, 8), 1,438 training
  and 359 held-out images, 15 epochs, batch size 64;
* ``--data``: MNIST, 28x28: input_shape = (1, 28, 28).

The model: the slides' MNIST CNN works for both sizes if you compute the flatten size from input_shape.

    layer                 28x28 MNIST (slides)          8x8 digits
    Conv2d(1, 32, 3)      (32, 26, 26)      320         (32, 6, 6)       320
    ReLU
    Conv2d(32, 64, 3)     (64, 24, 24)   18,496         (64, 4, 4)    18,496
    ReLU
    MaxPool2d(2)          (64, 12, 12)        0         (64, 2, 2)         0
    Flatten               9,216                         256
    Linear(., 128)        128         1,179,776         128           32,896
    ReLU
    Linear(128, 10)       10              1,290         10             1,290
    total parameters                  1,199,882                       53,002

    A 3x3 convolution without padding takes 2 off each side length (n - f + 1); 2x2 max pooling halves it (floor).
    Note: one slide prints 18,494 for the second conv layer; (3*3*32 + 1) * 64 = 18,496 is right (torch agrees).

The training loop, one epoch at a time:

    model.to(device)                                  # once, BEFORE creating the optimizer
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
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
* forgetting ``optimizer.zero_grad()``: gradients add up over all earlier batches, the loss jumps around and the
  accuracy stays low;
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
* a flatten size copied from the slides (9216) only fits 28x28 input: compute it from input_shape;
* a loop that never ends (``while True:``, or iterating over something that does not end) -- the time budget
  stops it.

Run `grade exercise 10` to check your work (about 10-30 s on a laptop CPU), `grade hint 10` if you are stuck.
"""
import torch
from torch import nn


def build_model(input_shape, num_classes):
    """Build the CNN for images of shape ``input_shape``.

    Args:
        input_shape: (C, H, W) of one image, e.g. (1, 8, 8) for the digits or (1, 28, 28) for MNIST.
        num_classes: number of classes K (10 for digits).

    Returns:
        A torch.nn.Module mapping a float32 batch (N, C, H, W) to raw scores (N, K) -- no softmax at the end
        (nn.CrossEntropyLoss applies log-softmax itself). Suggested: the slides' CNN, conv3x3(32) - ReLU -
        conv3x3(64) - ReLU - maxpool 2x2 - flatten - linear(128) - ReLU - linear(K), with the flatten size
        64 * ((H - 4) // 2) * ((W - 4) // 2) computed from input_shape.
    """
    # TODO: compute the feature-map size after the convs and the pooling, then return nn.Sequential(...).
    raise NotImplementedError


def train(model, loader, device, epochs):
    """Train ``model`` on the mini-batches of ``loader`` for ``epochs`` epochs on ``device``.

    Args:
        model: the nn.Module from build_model (on the CPU when it arrives).
        loader: a torch DataLoader yielding (images, labels): images (B, C, H, W) float32 in [0, 1], labels (B,)
            int64 class indices; shuffled; CPU tensors (pinned when the device is cuda).
        device: a torch.device, torch.device("cuda") or torch.device("cpu"): train there.
        epochs: how many passes over the loader (an int >= 1).

    Returns:
        A list of ``epochs`` floats: the mean training loss of each epoch (Python floats, e.g. via loss.item()).
        The model is trained in place; when train returns, its parameters must be on ``device``.
    """
    # TODO: move the model, create the optimizer and the loss, then loop over epochs and batches
    # (zero_grad, forward, loss, backward, step) and record each epoch's mean loss.
    raise NotImplementedError
