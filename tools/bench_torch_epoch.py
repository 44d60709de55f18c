"""One training epoch of the book's LeNet-style CNN in PyTorch: the reference for `make bench`.

Standalone on purpose: run it with a Python that has torch (``python3 tools/bench_torch_epoch.py``);
it imports only torch and numpy and reads the digits straight from the package's data file, so it
needs neither the project's virtualenv nor cnnbp_core. It trains the architecture of
`cnnbp_core.nn.models.lenet` (batch_norm=False, dropout=0) in float64 on one thread with SGD and
momentum, and prints the best wall time of one epoch as a single line
``torch_epoch_seconds=<float>``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

DIGITS = Path(__file__).resolve().parent.parent / "cnnbp_core" / "data" / "files" / "digits.npz"


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 10),
    )


def epoch(model, opt, x, y, batch_size, generator):
    model.train()
    order = torch.randperm(len(y), generator=generator)
    for start in range(0, len(y), batch_size):
        idx = order[start : start + batch_size]
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
        loss.backward()
        opt.step()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-train", type=int, default=1438, help="examples per epoch")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=7, help="timed epochs; the best is printed")
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(0)
    with np.load(DIGITS) as npz:
        images, labels = npz["images"], npz["labels"]
    x = torch.from_numpy(images[: args.n_train, None].astype(np.float64) / 16.0)
    y = torch.from_numpy(labels[: args.n_train].astype(np.int64))
    model = lenet().to(torch.float64)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    generator = torch.Generator().manual_seed(0)
    epoch(model, opt, x, y, args.batch_size, generator)  # warm-up
    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        epoch(model, opt, x, y, args.batch_size, generator)
        best = min(best, time.perf_counter() - start)
    print(f"torch_epoch_seconds={best:.6f}")


if __name__ == "__main__":
    main()
