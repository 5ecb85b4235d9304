"""Reference solution for exercise 10: a small CNN of the slides' kind and its training loop, on whatever device is
given."""
import torch
from torch import nn


def build_model(input_shape, num_classes):
    """conv3x3(16)-ReLU-maxpool2-conv3x3(32)-ReLU-maxpool2-flatten-fc(128)-ReLU-fc(num_classes), sized from
    input_shape (padding=1 keeps the size through each conv; each pooling halves it, rounding down)."""
    channels, height, width = input_shape
    h, w = height // 2 // 2, width // 2 // 2
    if h < 1 or w < 1:
        raise ValueError(f"input {height}x{width} is too small for two 2x2 poolings")
    return nn.Sequential(
        nn.Conv2d(channels, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * h * w, 128), nn.ReLU(),
        nn.Linear(128, num_classes),
    )


def train(model, loader, device, epochs):
    """Adam on cross-entropy, learning rate 3e-3 falling linearly to 0; returns the mean training loss of every
    epoch."""
    device = torch.device(device)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    steps = max(1, epochs * len(loader))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / steps)
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
            schedule.step()
            total += loss.detach() * labels.shape[0]
            count += labels.shape[0]
        losses.append((total / count).item())    # one copy to the CPU per epoch
    return losses
