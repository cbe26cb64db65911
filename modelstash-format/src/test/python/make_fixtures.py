#!/usr/bin/python3
"""Writes the real-PyTorch fixtures in src/test/resources/fixtures/torch/.

Every fixture is made by a real torch.save (or torch.jit.save) of a small object built with
fixed seeds. Next to each FILE it writes FILE.expected.json: what a correct reader must see,
in the format described in torch_oracle.py (tensor names joined with "/", a root tensor
named "", dtype, shape, and the SHA-256 of each tensor's own elements in pickle order). The
expected JSON is computed from the in-memory object, not from the saved file, so the Java
OracleSelfTest (describe of the file == expected JSON) checks that the file holds what was
saved. It also writes fixtures/torch/README.md listing the files and what each covers.

Rerun from the repository root (needs PyTorch; written for 1.13, Debian python3-torch):

    /usr/bin/python3 modelstash-format/src/test/python/make_fixtures.py

then rerun make_hostile.py, which derives some hostile files from these fixtures.

Reproducibility: zip fixtures are byte-identical on every run on one machine. Two steps of
real training feed the checkpoints, so another CPU may round differently in the last bits;
the expected JSON then changes with the file. Legacy-format files name their storages by
memory address (str(storage._cdata)), so their bytes differ on every run: an existing legacy
fixture is kept when the new one describes identically. gzip files are written with no file
name and mtime 0. The script re-executes itself with PYTHONHASHSEED=0 because TorchScript
code lists module constants in set order.

Not covered, on purpose:
  * safetensors files (the safetensors Python package is not installed here; another
    helper covers that format);
  * a big-endian byteorder record (PyTorch 1.13 never writes one);
  * lazily conjugated or negated views: PyTorch 1.13 drops the conj/neg bit on save
    (checked: torch.save(x.conj()) loads back unconjugated), so no such file is possible;
  * uint16/32/64 and float8 (they need PyTorch >= 2.1).
"""

import io
import os
import shutil
import sys
import tempfile
import warnings

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_oracle as oracle  # noqa: E402  (the shared builders and describer)

OUT = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "torch")
)


def tensors_obj():
    """Two plain float32 tensors; make_hostile.py builds on the file saved from this."""
    torch.manual_seed(1)
    return {"weight": torch.randn(3, 4), "bias": torch.randn(4)}


def many_storages_obj():
    torch.manual_seed(4)
    return {"t%d" % i: torch.randn(i + 1) for i in range(12)}


class TiedLM(nn.Module):
    """Embedding and output head share one Parameter, as in language models."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.norm = nn.LayerNorm(4)
        self.head = nn.Linear(4, 10, bias=False)
        self.head.weight = self.embed.weight


def parameters_obj():
    torch.manual_seed(5)
    model = TiedLM()
    model.norm.bias.requires_grad_(False)  # a frozen Parameter: requires_grad False
    return model.state_dict(keep_vars=True)


def list_root_obj():
    torch.manual_seed(6)
    return [
        torch.randn(2),
        (torch.randn(3), torch.arange(4)),
        {"inner": torch.randn(1), 5: torch.ones(2, dtype=torch.float64)},
        "text",
        None,
        3,
    ]


def tensor_root_obj():
    torch.manual_seed(7)
    return torch.randn(2, 3)


def torchscript_module():
    torch.manual_seed(8)
    return torch.jit.script(nn.Linear(3, 2))


# (file, format, builder, what it covers). "bytesio" saves to an io.BytesIO, so the zip
# prefix is "archive/"; every other zip is saved to a path and gets the file stem as prefix.
FIXTURES = [
    ("ckpt.pt", "torch-zip", lambda: oracle.checkpoint_obj(2),
     "full training checkpoint {model, optimizer, epoch, best_acc}: AdamW after 2 real steps "
     "(int state keys, 0-dim float32 step, float hyperparameters, None, bool, tuple betas); "
     "zip prefix `ckpt/`"),
    ("model.v2.pt", "torch-zip", lambda: oracle.state_dict_obj(3),
     "nn.Sequential(Conv2d, BatchNorm2d, ReLU, Flatten, Linear) state_dict: OrderedDict with "
     "a `_metadata` BUILD, 0-dim int64 num_batches_tracked; prefix `model.v2/` (only the last "
     "extension is stripped)"),
    ("bytesio.pt", "torch-zip", tensors_obj,
     "two float32 tensors saved to an io.BytesIO: prefix `archive/`; base of several hostile "
     "files"),
    ("dtypes.pt", "torch-zip", lambda: oracle.dtypes_obj(9),
     "every dtype PyTorch 1.13 saves (float16/32/64, bfloat16, int8/16/32/64, uint8, bool, "
     "complex64/128) plus NaN, +-Inf, -0.0, subnormal and max values"),
    ("views.pt", "torch-zip", lambda: oracle.views_obj(10),
     "shared storages: the same tensor object twice (memo), a detached alias (tied weights), "
     "transpose, row and row-range slices with storage offsets, a column (strided, offset), "
     "stride-0 expand, 0-dim float and int64, empty (0,3) with a zero-length record, a narrow "
     "slice whose whole base storage is saved, a stride-2 int32 view"),
    ("many_storages.pt", "torch-zip", many_storages_obj,
     "12 storages: records in PyTorch 1.13 string order data/0, data/1, data/10, data/11, "
     "data/2, ..."),
    ("parameters.pt", "torch-zip", parameters_obj,
     "state_dict(keep_vars=True): nn.Parameter values (_rebuild_parameter), one frozen "
     "(requires_grad False), a tied Parameter listed under two names"),
    ("list_root.pt", "torch-zip", list_root_obj,
     "a list root holding a tuple, a dict with an int key, a str, None and an int"),
    ("tensor_root.pt", "torch-zip", tensor_root_obj,
     "a bare tensor as the root object: its name is the empty string"),
    ("legacy_state_dict.pt", "torch-legacy", lambda: oracle.state_dict_obj(11),
     "legacy (pre-1.6) stream format of the Sequential state_dict"),
    ("legacy_ckpt.pt", "torch-legacy", lambda: oracle.checkpoint_obj(12),
     "legacy stream format of a full training checkpoint"),
    ("legacy_views.pt", "torch-legacy", lambda: oracle.views_obj(13),
     "legacy stream format with shared storages, offsets, strides and empty tensors"),
    ("legacy_dtypes.pt", "torch-legacy", lambda: oracle.dtypes_obj(14),
     "legacy stream format with every dtype"),
    ("gzip_state_dict.pt.gz", "gzip+torch-zip", lambda: oracle.state_dict_obj(15),
     "gzip around a zip-format state_dict (saved through a file object: prefix `archive/`)"),
    ("gzip_legacy_ckpt.pt.gz", "gzip+torch-legacy", lambda: oracle.checkpoint_obj(16),
     "gzip around a legacy-format training checkpoint"),
    ("torchscript.pt", oracle.TORCHSCRIPT, torchscript_module,
     "torch.jit.save of a scripted module (has constants.pkl and code/): a reader must refuse "
     "it; the error should mention TorchScript (see torchscript.pt.expect.txt)"),
]


def save_fixture(name, fmt, obj, tmpdir):
    """Saves into tmpdir under the fixture's own name (the zip prefix comes from it)."""
    path = os.path.join(tmpdir, name)
    if fmt == oracle.TORCHSCRIPT:
        torch.jit.save(obj, path)
    elif name == "bytesio.pt":
        buf = io.BytesIO()
        torch.save(obj, buf)
        with open(path, "wb") as f:
            f.write(buf.getvalue())
    else:
        oracle.save(obj, path, fmt)
    return path


def same_bytes(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def install(tmp, target, fmt, desc):
    """Moves tmp to target unless target already holds an equivalent file."""
    if os.path.exists(target):
        if same_bytes(tmp, target):
            return "unchanged"
        if fmt.endswith("torch-legacy") and oracle.describe_file(target) == desc:
            return "kept (legacy keys differ, content identical)"
    shutil.copyfile(tmp, target)
    return "written"


def weights_only(path):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript dispatch warning
            oracle.load_weights_only(path)
        return "loads"
    except Exception:  # whatever torch raises, the README only records the refusal
        return "refused"


def readme(rows):
    lines = [
        "# Real PyTorch fixtures",
        "",
        "Generated by `modelstash-format/src/test/python/make_fixtures.py` with PyTorch %s;"
        % torch.__version__,
        "do not edit by hand. Each `FILE` has `FILE.expected.json` (format and tensors a",
        "correct reader must see; naming and hashing rules in `torch_oracle.py`). Tensors",
        "are listed in pickle order; a tensor reachable under two names is listed twice.",
        "",
        "The weights_only column says whether this PyTorch's `torch.load(weights_only=True)`",
        "accepts the file (1.13 refuses every Python float: BINFLOAT is \"Unsupported operand",
        "71\" there; it loads TorchScript archives as a ScriptModule).",
        "",
        "| file | format | bytes | weights_only | covers |",
        "|---|---|---|---|---|",
    ]
    for name, fmt, size, weights_only, covers in rows:
        lines.append("| `%s` | %s | %d | %s | %s |" % (name, fmt, size, weights_only, covers))
    lines += [
        "",
        "Not covered: safetensors (another fixture set), big-endian `byteorder` (1.13 never",
        "writes it), conj/neg views (1.13 drops the bit on save), uint16/32/64 and float8",
        "(PyTorch >= 2.1).",
        "",
    ]
    return "\n".join(lines)


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":
        # TorchScript code lists constants in set order, which follows the string hash seed.
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable] + sys.argv)
    torch.set_num_threads(1)  # fewer sources of float non-determinism in the training steps
    os.makedirs(OUT, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmpdir:
        for name, fmt, build, covers in FIXTURES:
            obj = build()
            tmp = save_fixture(name, fmt, obj, tmpdir)
            desc = {"format": fmt, "tensors": []}
            if fmt != oracle.TORCHSCRIPT:
                desc = oracle.describe_object(obj, fmt)
            reloaded = oracle.describe_file(tmp)
            if reloaded != desc:
                raise SystemExit("%s: the saved file does not describe like the saved object" % name)
            target = os.path.join(OUT, name)
            status = install(tmp, target, fmt, desc)
            oracle.write_expected(target, desc)
            if fmt == oracle.TORCHSCRIPT:
                with open(target + ".expect.txt", "w", encoding="utf-8") as f:
                    f.write("torchscript\n")
            rows.append((name, fmt, os.path.getsize(target), weights_only(target), covers))
            print("%-24s %-18s %s" % (name, fmt, status))
    with open(os.path.join(OUT, "README.md"), "w", encoding="utf-8") as f:
        f.write(readme(rows))


if __name__ == "__main__":
    main()
