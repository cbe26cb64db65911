"""Writes the checkpoints bundled for `modelstash quickstart`.

A small text classifier (a frozen, pretrained-style embedding table feeding a trainable
two-layer head) is trained for real on synthetic data with AdamW. After each of five epochs
the usual training checkpoint is saved with torch.save: model state, optimizer state, epoch
and validation loss. The frozen embedding is what a store can keep once for all five files;
the head and the Adam moments change every epoch. Finally the best model's state_dict is
saved on its own, as people do for deployment. Deterministic (fixed seed).

Run from the repository root with: /usr/bin/python3 examples/make_quickstart.py
"""
import json
import os

import torch
from torch import nn

torch.manual_seed(7)
out = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "modelstash-cli", "src", "main", "resources", "quickstart")
os.makedirs(out, exist_ok=True)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.EmbeddingBag(2000, 64, mode="mean")
        self.head = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 4))

    def forward(self, tokens):
        return self.head(self.embed(tokens))


model = Classifier()
model.embed.weight.requires_grad_(False)
opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=3e-3)
# synthetic task: the class is decided by which quarter of the vocabulary dominates
x = torch.randint(0, 2000, (512, 16))
y = (x // 500).mode(dim=1).values
xv, yv = torch.randint(0, 2000, (128, 16)), None
yv = (xv // 500).mode(dim=1).values

series = []
best = None
for epoch in range(1, 6):
    for i in range(0, 512, 64):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x[i:i + 64]), y[i:i + 64])
        loss.backward()
        opt.step()
    with torch.no_grad():
        val = nn.functional.cross_entropy(model(xv), yv).item()
        acc = (model(xv).argmax(1) == yv).float().mean().item()
    name = f"checkpoint_epoch{epoch}.pt"
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                "epoch": epoch, "val_loss": val}, os.path.join(out, name))
    series.append({"file": name, "epoch": epoch, "val_loss": round(val, 6), "val_acc": round(acc, 6)})
    if best is None or val < best[1]:
        best = (epoch, val, {k: v.clone() for k, v in model.state_dict().items()})

torch.save(best[2], os.path.join(out, "model_best.pt"))
with open(os.path.join(out, "series.json"), "w") as f:
    json.dump({"checkpoints": series, "best_model": {"file": "model_best.pt", "epoch": best[0]}},
              f, indent=2)
    f.write("\n")
