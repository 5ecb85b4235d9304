"""Reference solution for exercise 10: the slides' MNIST CNN and its training loop, on whatever device is given."""
import torch
from torch import nn


def build_model(input_shape, num_classes):
    """conv3x3(32)-ReLU-conv3x3(64)-ReLU-maxpool2-flatten-fc(128)-ReLU-fc(num_classes), sized from input_shape."""
    channels, height, width = input_shape
    h, w = (height - 4) // 2, (width - 4) // 2     # two valid 3x3 convs (-2 each), then 2x2 max pooling
    if h < 1 or w < 1:
        raise ValueError(f"input {height}x{width} is too small for two 3x3 convolutions and a 2x2 pooling")
    return nn.Sequential(
        nn.Conv2d(channels, 32, kernel_size=3), nn.ReLU(),
        nn.Conv2d(32, 64, kernel_size=3), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * h * w, 128), nn.ReLU(),
        nn.Linear(128, num_classes),
    )


def train(model, loader, device, epochs):
    """Adam (lr 1e-3) on cross-entropy; returns the mean training loss of every epoch."""
    device = torch.device(device)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    non_blocking = device.type == "cuda"        # overlaps the copy with compute when the loader pins memory
    losses = []
    for _ in range(epochs):
        model.train()
        total = torch.zeros((), device=device)  # summed on the device: no .item() (a GPU sync) per batch
        count = 0
        for images, labels in loader:
            images = images.to(device, non_blocking=non_blocking)
            labels = labels.to(device, non_blocking=non_blocking)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(images), labels)
            loss.backward()
            optimizer.step()
            total += loss.detach() * labels.shape[0]
            count += labels.shape[0]
        losses.append((total / count).item())    # one copy to the CPU per epoch
    return losses
