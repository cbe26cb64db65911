"""Helpers shared by depth_bound.py and context_gain.py: the float32 tensors of a checkpoint and
the bit layout modelstash codes them in."""

import numpy as np
import torch


def tensors(obj, prefix=""):
    """(name, tensor) for every float32 tensor of 4096 elements or more in a loaded checkpoint."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from tensors(v, prefix + str(k) + "/")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from tensors(v, prefix + str(i) + "/")
    elif torch.is_tensor(obj) and obj.dtype == torch.float32 and obj.numel() >= 4096:
        yield prefix, obj


def zigzag(d):
    """Signed 32-bit differences of rotated units, zigzag-coded as the subtract delta stores them."""
    d = ((d + 2**31) % 2**32) - 2**31
    return (((d << 1) ^ (d >> 63)) & 0xFFFFFFFF).astype(np.uint64)


def rotated(t):
    """The tensor's bit patterns rotated left by one (sign bit at the bottom), as uint64."""
    u = t.numpy().ravel().view(np.uint32).astype(np.uint64)
    return ((u << 1) | (u >> 31)) & 0xFFFFFFFF
