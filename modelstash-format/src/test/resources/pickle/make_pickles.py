"""Regenerates the torch-made pickles used by the io.modelstash.format.pickle tests.

Run with a Python that has torch (the tests were made with PyTorch 1.13.1 and Python 3.11):
    /usr/bin/python3 make_pickles.py
Each *.pkl is the data.pkl record of a torch.save zip; legacy.pt is a whole legacy-format file.
The expected structures are asserted in the Java tests, not here.
"""
import argparse
import collections
import enum
import io
import os
import zipfile

import numpy
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def data_pkl(obj, **kwargs):
    buf = io.BytesIO()
    torch.save(obj, buf, **kwargs)
    with zipfile.ZipFile(buf) as z:
        return z.read("archive/data.pkl")


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


class Color(enum.Enum):
    RED = 1


def main():
    torch.manual_seed(0)

    # A state_dict: OrderedDict + _metadata BUILD, BatchNorm's 0-dim int64 num_batches_tracked.
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    write("state_dict.pkl", data_pkl(model.state_dict()))

    # Tied weights: two names, one storage key.
    class Tied(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(4, 3)
            self.head = torch.nn.Linear(3, 4, bias=False)
            self.head.weight = self.embed.weight

    write("tied.pkl", data_pkl(Tied().state_dict()))

    # An optimizer state_dict: int keys, floats, tuples, None, bools.
    net = torch.nn.Linear(2, 1)
    opt = torch.optim.Adam(net.parameters(), lr=0.001)
    net(torch.ones(1, 2)).sum().backward()
    opt.step()
    write("optimizer.pkl", data_pkl(opt.state_dict()))

    # Plain Python values.
    values = {
        "none": None,
        "true": True,
        "false": False,
        "ints": [0, 1, 255, 256, 65535, 65536, -1, -300, -70000, 2**31 - 1, -(2**31),
                 2**31, 2**63 - 1, -(2**63), 2**63, 2**70, -(2**70), 10**30],
        "strings": ["", "ascii", "h\u00e9llo", "\u65e5\u672c\u8a9e", "\U0001F600", "a\x00b",
                    "lone \ud800 surrogate"],
        "floats": [1.5, -0.0, float("inf"), float("-inf"), float("nan"), 1e-300],
        "size": torch.Size([2, 3]),
        "size0": torch.Size([]),
        "devices": [torch.device("cuda", 1), torch.device("cpu")],
        "dtypes": (torch.float32, torch.int64, torch.bool),
        "bytes": b"ab\xff",
        "bytearray": bytearray(b"xy"),
        "set": {1, 2},
        "complex": complex(1, 2),
        "counter": collections.Counter({"a": 2}),
        "ordered": collections.OrderedDict([("x", 1)]),
        "tuples": ((), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)),
        "empty": ([], {}),
        "long_list": list(range(1001)),
        "long_dict": {i: -i for i in range(1001)},
        1: "int key",
    }
    write("values.pkl", data_pkl(values))

    # Tensor layouts and dtypes.
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    param = torch.nn.Parameter(torch.ones(2))
    tensors = {
        "base": base,
        "transposed": base.t(),
        "row": base[1],
        "scalar": torch.tensor(7, dtype=torch.int64),
        "empty": torch.zeros(0, 3),
        "expanded": torch.ones(3).expand(2, 3),
        "f64": torch.tensor([1.0], dtype=torch.float64),
        "f16": torch.tensor([1.0], dtype=torch.float16),
        "bf16": torch.tensor([1.0], dtype=torch.bfloat16),
        "i8": torch.tensor([-1], dtype=torch.int8),
        "u8": torch.tensor([1], dtype=torch.uint8),
        "bool": torch.tensor([True]),
        "c64": torch.tensor([1 + 2j], dtype=torch.complex64),
        "param": param,
        "param_again": param,
    }
    write("tensors.pkl", data_pkl(tensors))

    i = torch.tensor([[0, 1], [1, 0]])
    write("sparse.pkl", data_pkl(torch.sparse_coo_tensor(i, torch.tensor([3.0, 4.0]), (2, 2))))
    write("sparse_csr.pkl", data_pkl(torch.eye(2).to_sparse_csr()))

    q = torch.quantize_per_tensor(torch.tensor([1.0, 2.0]), 0.5, 3, torch.qint8)
    qc = torch.quantize_per_channel(torch.tensor([[1.0, 2.0], [3.0, 4.0]]),
                                    torch.tensor([0.5, 0.25], dtype=torch.float64),
                                    torch.tensor([1, 2]), 0, torch.quint8)
    write("quant.pkl", data_pkl([q, qc]))

    write("meta.pkl", data_pkl(torch.empty(2, 3, device="meta")))

    # Legacy (pre-1.6) stream format: magic, protocol, sys_info, main pickle, keys, data.
    buf = io.BytesIO()
    torch.save(Tied().state_dict(), buf, _use_new_zipfile_serialization=False)
    write("legacy.pt", buf.getvalue())

    # A checkpoint weights_only refuses, for the scanner: arbitrary globals, protocols 2 and 4.
    ckpt = {
        "epoch": 3,
        "hyper_parameters": argparse.Namespace(lr=0.1, name="run"),
        "np": numpy.float32(1.5),
        "color": Color.RED,
        "state_dict": model.state_dict(),
    }
    write("lightning.pkl", data_pkl(ckpt))
    write("lightning_p4.pkl", data_pkl(ckpt, pickle_protocol=4))


if __name__ == "__main__":
    main()
