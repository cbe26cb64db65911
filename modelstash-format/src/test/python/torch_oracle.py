#!/usr/bin/python3
"""Reference oracle: what real PyTorch sees in a checkpoint file.

The Java tests run this script (through io.modelstash.format.testing.TorchPython) to compare
our readers and writers with real PyTorch. It needs only the standard library and torch; it
was written against PyTorch 1.13 (Debian python3-torch, /usr/bin/python3) and avoids APIs
newer than that.

Commands:

  describe FILE
      Print the expected-JSON description (below) of any file torch can load. Loads with
      torch.load(map_location="cpu", weights_only=False): only use it on our own files.
      gzip-wrapped files are recognised by their magic bytes and unwrapped first.

  load-check FILE EXPECTED_JSON
      Load FILE with torch.load(weights_only=True) and compare its tensors with EXPECTED_JSON
      (format if present, then names, dtypes, shapes and sha256, in order). Prints "ok" and
      exits 0 on a match; prints a one-line difference and exits 1 otherwise, including when
      torch refuses the file. Note that PyTorch 1.13's weights_only unpickler rejects every
      Python float (BINFLOAT), so checkpoints with float hyperparameters fail there.

  generate KIND SEED OUT
      torch.save a fresh random object of KIND (state_dict, checkpoint, views, dtypes,
      legacy, gzip) to OUT and write OUT.expected.json. The same KIND and SEED give the same
      tensors on one machine.

Expected JSON (also written next to every fixture by make_fixtures.py):

  {"format": "torch-zip" | "torch-legacy" | "gzip+torch-zip" | "gzip+torch-legacy"
             | "torchscript",
   "tensors": [{"name": ..., "dtype": ..., "shape": [...], "sha256": ...}, ...]}

  name    Container keys from the root to the tensor joined with "/": dict keys as text
          (str keys as they are, int keys in decimal, any other key as Python str()),
          list and tuple indices in decimal. Keys are not escaped, so a key that contains
          "/" is ambiguous; torch.save files do not have such keys in practice. A tensor
          that is itself the root object has the empty name "": it is what joining zero
          keys gives, and no fixed word could be told apart from a real key of that name.
  dtype   torch dtype name without "torch." (float32, bfloat16, complex64, bool, ...).
  shape   list of ints; [] for a 0-dim tensor.
  sha256  hex SHA-256 of the tensor's own elements in row-major (C) order, little-endian:
          what t.contiguous() holds, one byte per bool, complex as interleaved re, im, with
          lazy conjugation and negation resolved first. A view hashes only its own
          elements, not its whole storage.
  order   Depth-first in container insertion order, which is the order the pickle meets
          the tensors. A tensor reachable under several names (the same object twice, or
          tied weights) is listed under each name.

  A "torchscript" archive (a zip with constants.pkl) lists no tensors: a reader must
  refuse it.
"""

import argparse
import gzip
import hashlib
import io
import json
import random
import sys
import zipfile

import torch
from torch import nn

FORMATS = ("torch-zip", "torch-legacy", "gzip+torch-zip", "gzip+torch-legacy")
TORCHSCRIPT = "torchscript"
KINDS = ("state_dict", "checkpoint", "views", "dtypes", "legacy", "gzip")

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
# PROTO 2, LONG1 of 10 bytes holding torch's legacy magic number 0x1950A86A20F9469CFC6C.
LEGACY_MAGIC = bytes.fromhex("80028a0a6cfc9c46f9206aa85019")


class OracleError(Exception):
    """A failure the CLI reports as one line."""


# ---------------------------------------------------------------------------------------------
# Describing tensors


def dtype_name(dtype):
    return str(dtype)[len("torch."):]


def tensor_sha256(t):
    """SHA-256 of the tensor's own elements, row-major, little-endian."""
    if sys.byteorder != "little":
        raise OracleError("the oracle hashes native bytes and needs a little-endian host")
    t = t.detach()
    if t.is_conj():
        t = t.resolve_conj()
    if t.is_neg():
        t = t.resolve_neg()
    # clone() of a flat reshape materialises expanded, strided and offset views.
    flat = t.reshape(-1).clone()
    return hashlib.sha256(flat.view(torch.uint8).numpy().tobytes()).hexdigest()


def key_text(key):
    return key if isinstance(key, str) else str(key)


def named_tensors(root):
    """(name, tensor) pairs in pickle order; see the module docstring for the naming rule."""
    out = []
    # Explicit stack instead of recursion: describes deep containers too.
    stack = [((), root)]
    while stack:
        path, obj = stack.pop()
        if isinstance(obj, torch.Tensor):
            out.append(("/".join(path), obj))
        elif isinstance(obj, dict):
            children = [(path + (key_text(k),), v) for k, v in obj.items()]
            stack.extend(reversed(children))
        elif isinstance(obj, (list, tuple)):
            children = [(path + (str(i),), v) for i, v in enumerate(obj)]
            stack.extend(reversed(children))
    return out


def describe_object(obj, fmt):
    tensors = [
        {
            "name": name,
            "dtype": dtype_name(t.dtype),
            "shape": [int(s) for s in t.shape],
            "sha256": tensor_sha256(t),
        }
        for name, t in named_tensors(obj)
    ]
    return {"format": fmt, "tensors": tensors}


def to_json(desc):
    """Stable text: one tensor per line, so fixture diffs stay readable."""
    lines = ["{", '  "format": %s,' % json.dumps(desc["format"])]
    if not desc["tensors"]:
        lines.append('  "tensors": []')
    else:
        lines.append('  "tensors": [')
        rows = [
            '    {"name": %s, "dtype": %s, "shape": %s, "sha256": %s}'
            % (
                json.dumps(t["name"]),
                json.dumps(t["dtype"]),
                json.dumps(t["shape"]),
                json.dumps(t["sha256"]),
            )
            for t in desc["tensors"]
        ]
        lines.append(",\n".join(rows))
        lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Reading files


def sniff(data):
    """(format, payload) where payload is the torch.save bytes with any gzip layer removed."""
    gzipped = data[:2] == GZIP_MAGIC
    if gzipped:
        data = gzip.decompress(data)
    if data[:4] == ZIP_MAGIC:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        if any(n == "constants.pkl" or n.endswith("/constants.pkl") for n in names):
            if gzipped:
                raise OracleError("gzip-wrapped TorchScript archives are not described")
            return TORCHSCRIPT, data
        kind = "torch-zip"
    elif data.startswith(LEGACY_MAGIC):
        kind = "torch-legacy"
    else:
        raise OracleError("not a torch.save file: starts with %s" % data[:8].hex())
    return ("gzip+" if gzipped else "") + kind, data


def describe_file(path):
    with open(path, "rb") as f:
        fmt, payload = sniff(f.read())
    if fmt == TORCHSCRIPT:
        return {"format": fmt, "tensors": []}
    obj = torch.load(io.BytesIO(payload), map_location="cpu", weights_only=False)
    return describe_object(obj, fmt)


def load_weights_only(path):
    with open(path, "rb") as f:
        fmt, payload = sniff(f.read())
    if fmt.startswith("gzip+"):
        source = io.BytesIO(payload)
    else:
        # Load from the path itself, as users do, so torch takes its real-file code paths.
        source = path
    return fmt, torch.load(source, map_location="cpu", weights_only=True)


def short(t):
    return "%s %s %s sha256=%s" % (
        json.dumps(t["name"]),
        t["dtype"],
        t["shape"],
        t["sha256"][:12],
    )


def first_difference(expected, actual):
    """One line naming the first difference between two descriptions, or None."""
    if "format" in expected and expected["format"] != actual["format"]:
        return "format: expected %s, got %s" % (expected["format"], actual["format"])
    exp, act = expected["tensors"], actual["tensors"]
    for i, (e, a) in enumerate(zip(exp, act)):
        if (e["name"], e["dtype"], list(e["shape"]), e["sha256"]) != (
            a["name"],
            a["dtype"],
            a["shape"],
            a["sha256"],
        ):
            return "tensor #%d: expected %s, got %s" % (i, short(e), short(a))
    if len(exp) > len(act):
        return "expected %d tensors, got %d; first missing: %s" % (
            len(exp),
            len(act),
            short(exp[len(act)]),
        )
    if len(act) > len(exp):
        return "expected %d tensors, got %d; first extra: %s" % (
            len(exp),
            len(act),
            short(act[len(exp)]),
        )
    return None


# ---------------------------------------------------------------------------------------------
# Building checkpoints (shared with make_fixtures.py)


def small_cnn(channels=2, size=4, classes=3):
    """Conv2d + BatchNorm + Linear: a real module whose state_dict has num_batches_tracked."""
    return nn.Sequential(
        nn.Conv2d(1, channels, 3, padding=1),
        nn.BatchNorm2d(channels),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(channels * size * size, classes),
    )


def trained_cnn(seed, channels=2, size=4, classes=3, steps=2):
    """(model, AdamW optimizer) after `steps` real training steps on random data."""
    torch.manual_seed(seed)
    model = small_cnn(channels, size, classes)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    for _ in range(steps):
        x = torch.randn(4, 1, size, size)
        y = torch.randint(0, classes, (4,))
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model, opt


def state_dict_obj(seed, channels=2, size=4, classes=3):
    model, _ = trained_cnn(seed, channels, size, classes)
    return model.state_dict()


def checkpoint_obj(seed, channels=2, size=4, classes=3, epoch=2, best_acc=0.8125):
    """A full training checkpoint: int optimizer state keys and float hyperparameters."""
    model, opt = trained_cnn(seed, channels, size, classes)
    return {
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "epoch": epoch,
        "best_acc": best_acc,
    }


def views_obj(seed, rows=4, cols=3):
    """Tensors that share storages: aliases, transposes, slices with offsets, stride 0."""
    torch.manual_seed(seed)
    base = torch.randn(rows, cols)
    big = torch.randn(rows * cols * 4)
    ints = torch.arange(rows * cols * 2, dtype=torch.int32).reshape(rows, cols * 2)
    return {
        "base": base,
        "same_object": base,  # pickled as a memo reference to the tensor above
        "alias": base.detach(),  # another tensor object on the same storage (tied weights)
        "transposed": base.t(),
        "row": base[1],
        "rows": base[1:3],
        "column": base[:, 1],
        "expanded": torch.randn(rows, 1).expand(rows, cols),
        "scalar": torch.tensor(3.5),
        "scalar_int": torch.tensor(7, dtype=torch.int64),
        "empty": torch.empty((0, cols)),
        "narrow": big[5 : 5 + cols],  # the whole 'big' storage is saved
        "every_other_int": ints[:, ::2],
    }


def dtypes_obj(seed, shape=(2, 3)):
    """One tensor of every dtype PyTorch 1.13 can save, plus special float values."""
    torch.manual_seed(seed)
    floats = torch.randn(shape) * 10
    out = {
        "float16": floats.to(torch.float16),
        "float32": floats.clone(),
        "float64": torch.randn(shape, dtype=torch.float64),
        "bfloat16": floats.to(torch.bfloat16),
        "int8": torch.randint(-128, 128, shape, dtype=torch.int8),
        "int16": torch.randint(-(2**15), 2**15, shape, dtype=torch.int16),
        "int32": torch.randint(-(2**31), 2**31, shape, dtype=torch.int32),
        "int64": torch.randint(-(2**63), 2**63 - 1, shape, dtype=torch.int64),
        "uint8": torch.randint(0, 256, shape, dtype=torch.uint8),
        "bool": torch.randint(0, 2, shape, dtype=torch.uint8).bool(),
        "complex64": torch.randn(shape, dtype=torch.complex64),
        "complex128": torch.randn(shape, dtype=torch.complex128),
    }
    special = [float("nan"), float("inf"), float("-inf"), -0.0, 1e-45, 3.4028234663852886e38]
    out["float32_special"] = torch.tensor(special, dtype=torch.float32)
    out["float64_special"] = torch.tensor(special, dtype=torch.float64)
    out["float16_special"] = torch.tensor(special[:5] + [65504.0], dtype=torch.float16)
    return out


def save(obj, path, fmt):
    """torch.save `obj` to `path` in one of FORMATS (gzip without name or mtime: reproducible)."""
    legacy = fmt.endswith("torch-legacy")
    if fmt.startswith("gzip+"):
        with open(path, "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
                torch.save(obj, f, _use_new_zipfile_serialization=not legacy)
    else:
        torch.save(obj, path, _use_new_zipfile_serialization=not legacy)


def write_expected(path, desc):
    with open(str(path) + ".expected.json", "w", encoding="utf-8") as f:
        f.write(to_json(desc))


def generate(kind, seed, out):
    rng = random.Random(seed)
    channels, size, classes = rng.randint(1, 4), rng.randint(2, 6), rng.randint(2, 5)
    if kind == "state_dict":
        obj, fmt = state_dict_obj(seed, channels, size, classes), "torch-zip"
    elif kind == "checkpoint":
        obj = checkpoint_obj(seed, channels, size, classes, rng.randint(1, 100), rng.random())
        fmt = "torch-zip"
    elif kind == "views":
        obj, fmt = views_obj(seed, rng.randint(2, 8), rng.randint(2, 8)), "torch-zip"
    elif kind == "dtypes":
        obj, fmt = dtypes_obj(seed, (rng.randint(1, 5), rng.randint(1, 5))), "torch-zip"
    elif kind == "legacy":
        obj, fmt = state_dict_obj(seed, channels, size, classes), "torch-legacy"
    elif kind == "gzip":
        obj, fmt = state_dict_obj(seed, channels, size, classes), "gzip+torch-zip"
    else:
        raise OracleError("unknown kind %r; expected one of %s" % (kind, ", ".join(KINDS)))
    save(obj, out, fmt)
    write_expected(out, describe_object(obj, fmt))


# ---------------------------------------------------------------------------------------------
# CLI


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("describe", help="print the expected JSON of FILE")
    p.add_argument("file")
    p = sub.add_parser("load-check", help="torch.load(weights_only=True) and compare")
    p.add_argument("file")
    p.add_argument("expected_json")
    p = sub.add_parser("generate", help="save a random checkpoint and its expected JSON")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("seed", type=int)
    p.add_argument("out")
    args = parser.parse_args(argv)

    try:
        if args.command == "describe":
            sys.stdout.write(to_json(describe_file(args.file)))
        elif args.command == "load-check":
            with open(args.expected_json, encoding="utf-8") as f:
                expected = json.load(f)
            try:
                fmt, obj = load_weights_only(args.file)
            except OracleError:
                raise
            except Exception as e:  # torch raises many types; report the refusal as the diff
                message = " ".join(str(e).split())
                print("torch.load(weights_only=True) failed: %s: %s" % (type(e).__name__, message))
                return 1
            diff = first_difference(expected, describe_object(obj, fmt))
            if diff is not None:
                print(diff)
                return 1
            print("ok")
        else:
            generate(args.kind, args.seed, args.out)
    except Exception as e:  # one line for the Java harness, whatever torch raised
        print("torch_oracle: %s: %s" % (type(e).__name__, " ".join(str(e).split())), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
