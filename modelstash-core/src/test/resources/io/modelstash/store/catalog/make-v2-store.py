#!/usr/bin/python3
"""Writes the safetensors files that the schema-2 store fixture was made from (see README.md).

w2 is w1 with a small change to every element, so modelstash stores its tensor as a delta and the
catalog has a chunk row with a base digest; gone is put and then removed. Deterministic.
"""
import json
import math
import struct
import sys


def safetensors(path, values):
    data = struct.pack("<%df" % len(values), *values)
    name = "b" if path.endswith("gone.safetensors") else "w"
    header = json.dumps({name: {"dtype": "F32", "shape": [len(values)],
                               "data_offsets": [0, len(data)]}}).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + data)


n = 16384
v1 = [math.sin(i * 0.37) * 0.05 for i in range(n)]
v2 = [x + math.cos(i * 0.11) * 1e-5 for i, x in enumerate(v1)]
safetensors(sys.argv[1] + "/w1.safetensors", v1)
safetensors(sys.argv[1] + "/w2.safetensors", v2)
safetensors(sys.argv[1] + "/gone.safetensors", [math.cos(i * 0.05) * 0.02 for i in range(4096)])
