#!/usr/bin/python3
"""Generates the benchmark scenarios: real, small PyTorch training runs saved with torch.save.

Run with a Python that has torch (Debian's python3-torch is at /usr/bin/python3):

    /usr/bin/python3 bench/scenarios.py OUT            # full mode, ~350 MB, a few minutes
    /usr/bin/python3 bench/scenarios.py --quick OUT    # tiny, for CI, a few seconds

Each scenario goes into its own folder OUT/S1 ... OUT/S6 with a manifest.json that lists the
files in the order they were saved, the model path each belongs to, and (for fine-tunes) the
version it was derived from:

    {"scenario": "S2", "title": ..., "description": ...,
     "versions": [{"file": "base/model.pt", "path": "s2/base", "base": null}, ...]}

Everything is deterministic: fixed seeds, a fixed thread count and training data read from
files every Debian machine has (Python's standard library sources, the license texts,
C headers, Perl modules), with a deterministic fallback if one of those corpora is missing.
"""

import argparse
import glob
import hashlib
import json
import math
import os
import shutil
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

THREADS = 1  # OpenMP with 2 threads on a shared 2-core machine runs ~30x slower

# Sizes per mode. Full: a ~1.1 M parameter byte-level transformer (~13 MB per checkpoint with
# AdamW state) and a ~0.36 M parameter CNN; quick: models of a few thousand parameters.
CONFIGS = {
    "full": dict(
        d_model=128, n_layer=5, n_head=4, ctx=128, batch=16,
        s1_checkpoints=10, s1_every=25,
        s2_finetunes=4, s2_steps=40, s2_frozen_blocks=3,
        s3_checkpoints=10, s3_every=5,
        cnn_width=32, cnn_hidden=128, img=32, cnn_batch=64,
        s5_lrs=[0.003, 0.01, 0.03, 0.1], s5_epochs=3, s5_steps_per_epoch=25,
        s6_epochs=20, s6_steps_per_epoch=15, s6_train_images=128,
    ),
    "quick": dict(
        d_model=8, n_layer=1, n_head=2, ctx=16, batch=4,
        s1_checkpoints=2, s1_every=5,
        s2_finetunes=1, s2_steps=5, s2_frozen_blocks=1,
        s3_checkpoints=2, s3_every=2,
        cnn_width=4, cnn_hidden=8, img=16, cnn_batch=8,
        s5_lrs=[0.1], s5_epochs=1, s5_steps_per_epoch=3,
        s6_epochs=3, s6_steps_per_epoch=3, s6_train_images=32,
    ),
}

BASE_CORPUS = ["/usr/lib/python3.11/*.py", "/usr/lib/python3*/*.py"]
FINETUNE_CORPORA = [
    ("licenses", ["/usr/share/common-licenses/*"]),
    ("c-headers", ["/usr/include/*.h"]),
    ("perl", ["/usr/share/perl/5*/*.pm"]),
    ("torch-src", ["/usr/lib/python3/dist-packages/torch/*.py"]),
]
CORPUS_LIMIT = 4_000_000  # bytes read per corpus; enough for a few hundred steps


# ---------------------------------------------------------------------------------------------
# Data


def read_corpus(patterns, fallback_seed):
    """Concatenates the files the first matching pattern names, in sorted order, as bytes."""
    for pattern in patterns:
        files = sorted(f for f in glob.glob(pattern) if os.path.isfile(f))
        if files:
            chunks, total = [], 0
            for f in files:
                with open(f, "rb") as fh:
                    data = fh.read()
                chunks.append(data)
                total += len(data)
                if total >= CORPUS_LIMIT:
                    break
            data = b"".join(chunks)[:CORPUS_LIMIT]
            if len(data) > 10_000:
                return data, pattern
    # Deterministic stand-in text: a seeded Markov-ish byte stream over printable ASCII.
    g = torch.Generator().manual_seed(fallback_seed)
    data = bytes((torch.randint(32, 127, (CORPUS_LIMIT // 8,), generator=g)).tolist())
    return data, "synthetic(seed=%d)" % fallback_seed


class TextBatches:
    """Random windows of a byte corpus, drawn from a private seeded generator."""

    def __init__(self, data, ctx, batch, seed):
        self.data = torch.tensor(list(data), dtype=torch.long)
        self.ctx, self.batch = ctx, batch
        self.g = torch.Generator().manual_seed(seed)

    def next(self):
        starts = torch.randint(0, len(self.data) - self.ctx - 1, (self.batch,), generator=self.g)
        x = torch.stack([self.data[s: s + self.ctx] for s in starts.tolist()])
        y = torch.stack([self.data[s + 1: s + 1 + self.ctx] for s in starts.tolist()])
        return x, y


def synthetic_images(n, size, seed, templates, noise=0.8):
    """Ten classes, each a fixed low-frequency colour pattern, shifted and noised per image."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, templates.shape[0], (n,), generator=g)
    imgs = templates[labels].clone()
    shifts = torch.randint(-3, 4, (n, 2), generator=g)
    for i in range(n):
        imgs[i] = torch.roll(imgs[i], shifts=(int(shifts[i, 0]), int(shifts[i, 1])), dims=(1, 2))
    imgs += noise * torch.randn(imgs.shape, generator=g)
    return imgs, labels


def image_templates(size, seed):
    g = torch.Generator().manual_seed(seed)
    low = torch.randn(10, 3, 4, 4, generator=g)
    return F.interpolate(low, size=(size, size), mode="bilinear", align_corners=False)


# ---------------------------------------------------------------------------------------------
# Models


class Block(nn.Module):
    def __init__(self, d, n_head):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d)
        self.out = nn.Linear(4 * d, d)
        self.n_head = n_head

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        h = self.n_head
        q = q.view(b, t, h, d // h).transpose(1, 2)
        k = k.view(b, t, h, d // h).transpose(1, 2)
        v = v.view(b, t, h, d // h).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d // h)
        mask = torch.ones(t, t, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class CharTransformer(nn.Module):
    """A GPT-style byte-level language model."""

    def __init__(self, d_model, n_layer, n_head, ctx, **_):
        super().__init__()
        self.tok = nn.Embedding(256, d_model)
        self.pos = nn.Embedding(ctx, d_model)
        self.blocks = nn.ModuleList([Block(d_model, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, 256)

    def forward(self, idx):
        t = idx.shape[1]
        x = self.tok(idx) + self.pos(torch.arange(t))
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.ln_f(x))


def lm_loss(model, batch):
    x, y = batch
    logits = model(x)
    return F.cross_entropy(logits.reshape(-1, 256), y.reshape(-1))


class SmallCNN(nn.Module):
    def __init__(self, width, hidden, img):
        super().__init__()
        w = width
        self.features = nn.Sequential(
            nn.Conv2d(3, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(w, 2 * w, 3, padding=1), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * w, 4 * w, 3, padding=1), nn.BatchNorm2d(4 * w), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(4 * w * (img // 8) ** 2, hidden), nn.ReLU(),
            nn.Linear(hidden, 10),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def n_params(model):
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------------------------------------
# Output


class Scenario:
    """Collects the files of one scenario and writes its manifest."""

    def __init__(self, out, sid, title, description):
        self.dir = os.path.join(out, sid)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.meta = {"scenario": sid, "title": title, "description": description,
                     "versions": []}

    def save(self, obj, rel, path, base=None, **extra):
        """torch.save under the file's final name (the zip's inner folder is named after it)."""
        full = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        torch.save(obj, full)
        entry = {"file": rel, "path": path, "base": base, "size": os.path.getsize(full)}
        entry.update(extra)
        self.meta["versions"].append(entry)

    def finish(self, **info):
        self.meta.update(info)
        self.meta["files"] = len(self.meta["versions"])
        self.meta["raw_bytes"] = sum(v["size"] for v in self.meta["versions"])
        with open(os.path.join(self.dir, "manifest.json"), "w") as fh:
            json.dump(self.meta, fh, indent=1)
        log("%s: %d files, %.1f MB" % (self.meta["scenario"], self.meta["files"],
                                       self.meta["raw_bytes"] / 1e6))


T0 = time.time()


def log(msg):
    print("[scenarios %6.1fs] %s" % (time.time() - T0, msg), file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Scenarios


def train_lm(model, opt, batches, steps):
    model.train()
    for _ in range(steps):
        loss = lm_loss(model, batches.next())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return float(loss)


def s1_s3_s4(out, c):
    """S1 dense history, S4 its weights in bf16, S3 the same run continued at lr 1e-5."""
    base_text, base_src = read_corpus(BASE_CORPUS, 1)
    torch.manual_seed(1000)
    model = CharTransformer(**c)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    batches = TextBatches(base_text, c["ctx"], c["batch"], seed=1001)

    s1 = Scenario(out, "S1", "dense training history",
                  "fp32 byte-level transformer trained from scratch with AdamW (lr 1e-3) on "
                  "Python's standard library sources; a full checkpoint {model, optimizer, "
                  "step} every %d steps." % c["s1_every"])
    s4 = Scenario(out, "S4", "bf16 weights history",
                  "The S1 run's model weights cast to bfloat16 at each S1 checkpoint (state "
                  "dict only), as mixed-precision runs publish them.")
    step = 0
    for i in range(c["s1_checkpoints"]):
        loss = train_lm(model, opt, batches, c["s1_every"])
        step += c["s1_every"]
        s1.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step},
                "ckpt_step%05d.pt" % step, "s1/run", step=step, loss=round(loss, 4))
        bf16 = {k: v.to(torch.bfloat16) if v.is_floating_point() else v
                for k, v in model.state_dict().items()}
        s4.save(bf16, "model_step%05d.pt" % step, "s4/run", step=step)
        log("S1 step %d loss %.3f" % (step, loss))
    s1.finish(parameters=n_params(model), corpus=base_src)
    s4.finish(parameters=n_params(model), corpus=base_src)

    s3 = Scenario(out, "S3", "late training",
                  "The S1 run continued at learning rate 1e-5 (AdamW state carried over); a "
                  "full checkpoint {model, optimizer, step} every %d steps." % c["s3_every"])
    for group in opt.param_groups:
        group["lr"] = 1e-5
    for i in range(c["s3_checkpoints"]):
        loss = train_lm(model, opt, batches, c["s3_every"])
        step += c["s3_every"]
        s3.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step},
                "ckpt_step%05d.pt" % step, "s3/run", step=step, loss=round(loss, 4))
    s3.finish(parameters=n_params(model), corpus=base_src)
    log("S3 done, loss %.3f" % loss)
    return model


def s2(out, c, pretrained):
    """A base model and fine-tunes of it with the embeddings and lower blocks frozen."""
    frozen = c["s2_frozen_blocks"]
    sc = Scenario(out, "S2", "fine-tune family",
                  "The S1 model (after S3) published as a base state dict, then %d fine-tunes "
                  "on other corpora with the embeddings and the lowest %d of %d blocks frozen "
                  "(AdamW lr 3e-4, %d steps); each fine-tune is a plain state dict."
                  % (c["s2_finetunes"], frozen, c["n_layer"], c["s2_steps"]))
    base_state = {k: v.clone() for k, v in pretrained.state_dict().items()}
    sc.save(base_state, "base/model.pt", "s2/base")
    corpora = []
    for i, (name, patterns) in enumerate(FINETUNE_CORPORA[: c["s2_finetunes"]]):
        text, src = read_corpus(patterns, 2000 + i)
        torch.manual_seed(2100 + i)
        model = CharTransformer(**c)
        model.load_state_dict(base_state)
        frozen_modules = [model.tok, model.pos] + list(model.blocks[:frozen])
        for m in frozen_modules:
            for p in m.parameters():
                p.requires_grad_(False)
        opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=3e-4)
        loss = train_lm(model, opt, TextBatches(text, c["ctx"], c["batch"], 2200 + i),
                        c["s2_steps"])
        sc.save(model.state_dict(), "ft-%s/model.pt" % name, "s2/ft-%s" % name,
                base="s2/base@1", corpus=src, loss=round(loss, 4))
        corpora.append(src)
        log("S2 fine-tune %s loss %.3f" % (name, loss))
    sc.finish(parameters=n_params(pretrained), frozen_blocks=frozen, corpora=corpora)


def train_cnn_epoch(model, opt, imgs, labels, steps, batch, g):
    model.train()
    for _ in range(steps):
        idx = torch.randint(0, imgs.shape[0], (batch,), generator=g)
        loss = F.cross_entropy(model(imgs[idx]), labels[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def evaluate(model, imgs, labels):
    model.eval()
    with torch.no_grad():
        return float(F.cross_entropy(model(imgs), labels))


def s5(out, c):
    """A learning-rate sweep: several runs from one saved initialisation."""
    lrs = c["s5_lrs"]
    sc = Scenario(out, "S5", "learning-rate sweep",
                  "A small CNN (with BatchNorm) on synthetic 10-class images: one saved "
                  "initialisation, then %d runs with SGD + momentum at learning rates %s, each "
                  "saving {model, optimizer, epoch, lr} after each of %d epochs."
                  % (len(lrs), lrs, c["s5_epochs"]))
    templates = image_templates(c["img"], 5000)
    imgs, labels = synthetic_images(c["cnn_batch"] * 16, c["img"], 5001, templates)
    torch.manual_seed(5002)
    init = SmallCNN(c["cnn_width"], c["cnn_hidden"], c["img"]).state_dict()
    init = {k: v.clone() for k, v in init.items()}
    sc.save({"model": init}, "init/model.pt", "s5/init")
    for lr in lrs:
        model = SmallCNN(c["cnn_width"], c["cnn_hidden"], c["img"])
        model.load_state_dict(init)
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        g = torch.Generator().manual_seed(5003)  # same data order for every run
        for epoch in range(1, c["s5_epochs"] + 1):
            train_cnn_epoch(model, opt, imgs, labels, c["s5_steps_per_epoch"], c["cnn_batch"], g)
            sc.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                     "epoch": epoch, "lr": lr},
                    "lr%g/epoch%02d.pt" % (lr, epoch), "s5/lr%g" % lr, epoch=epoch)
        log("S5 lr %g done" % lr)
    sc.finish(parameters=sum(v.numel() for v in init.values() if v.is_floating_point()))


def s6(out, c):
    """The best.pt habit: after every epoch, best.pt is re-saved with the best model so far."""
    sc = Scenario(out, "S6", "best.pt re-saved",
                  "A small CNN trained with Adam on a small, noisy synthetic image set (half "
                  "the labels shuffled, so it overfits); after each of %d epochs the script "
                  "re-saves best.pt = {model, best_epoch, val_loss} with the best weights so "
                  "far, so most saves are unchanged." % c["s6_epochs"])
    n = c["s6_train_images"]
    templates = image_templates(c["img"], 6000)
    train_x, train_y = synthetic_images(n, c["img"], 6001, templates, noise=5.0)
    g = torch.Generator().manual_seed(6005)
    shuffled = torch.rand(n, generator=g) < 0.5
    train_y = torch.where(shuffled, torch.randint(0, 10, (n,), generator=g), train_y)
    val_x, val_y = synthetic_images(256, c["img"], 6002, templates, noise=5.0)
    torch.manual_seed(6003)
    model = SmallCNN(c["cnn_width"], c["cnn_hidden"], c["img"])
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(6004)
    best, best_epoch, best_state, improved = float("inf"), 0, None, 0
    for epoch in range(1, c["s6_epochs"] + 1):
        train_cnn_epoch(model, opt, train_x, train_y, c["s6_steps_per_epoch"], c["cnn_batch"], g)
        val = evaluate(model, val_x, val_y)
        if val < best:
            best, best_epoch, improved = val, epoch, improved + 1
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        # The file name stays best.pt (torch.save names the zip's inner folder after it).
        sc.save({"model": best_state, "best_epoch": best_epoch, "val_loss": round(best, 6)},
                "epoch%02d/best.pt" % epoch, "s6/best", epoch=epoch,
                changed=(best_epoch == epoch))
    sc.finish(improvements=improved)
    log("S6: best.pt changed in %d of %d saves" % (improved, c["s6_epochs"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="output folder; scenarios go to OUT/S1 ... OUT/S6")
    ap.add_argument("--quick", action="store_true", help="tiny scenarios for CI")
    args = ap.parse_args()
    mode = "quick" if args.quick else "full"
    c = CONFIGS[mode]
    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out, exist_ok=True)
    done = os.path.join(args.out, "scenarios.json")
    if os.path.exists(done):
        os.remove(done)

    model = s1_s3_s4(args.out, c)
    s2(args.out, c, model)
    s5(args.out, c)
    s6(args.out, c)

    with open(os.path.abspath(__file__), "rb") as fh:
        script_sha = hashlib.sha256(fh.read()).hexdigest()
    summary = {"mode": mode, "config": c, "torch": torch.__version__, "threads": THREADS,
               "script_sha256": script_sha, "seconds": round(time.time() - T0, 1),
               "scenarios": ["S1", "S2", "S3", "S4", "S5", "S6"]}
    with open(done, "w") as fh:
        json.dump(summary, fh, indent=1)
    log("all scenarios written to %s" % args.out)


if __name__ == "__main__":
    main()
