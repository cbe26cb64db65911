"""Writes examples/checkpoint.pt: a small real training checkpoint made by torch.save.

A tiny CNN is trained for a few steps on synthetic data with AdamW, then the usual dictionary
of model state, optimizer state, epoch and best accuracy is saved. Deterministic (fixed seed).

Run with: /usr/bin/python3 examples/make_example.py
"""
import os

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding=1),
    nn.BatchNorm2d(8),
    nn.ReLU(),
    nn.Flatten(),
    nn.Linear(8 * 8 * 8, 10),
)
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
x = torch.randn(32, 1, 8, 8)
y = torch.randint(0, 10, (32,))
for _ in range(3):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()

here = os.path.dirname(os.path.abspath(__file__))
torch.save(
    {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3, "best_acc": 0.25},
    os.path.join(here, "checkpoint.pt"),
)
