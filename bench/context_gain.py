#!/usr/bin/python3
"""What a context-modelling coder would gain on delta streams, with its learning cost counted.

    /usr/bin/python3 bench/context_gain.py bench/out/S1/ckpt_step00100.pt bench/out/S1/ckpt_step00125.pt

For every float32 tensor of 4096 elements or more, cut into 1 MiB chunks, the subtract delta of
the second file against the first is split into its four byte streams (as modelstash codes them).
Each stream is priced by the exact code length of an adaptive coder that starts from nothing in
every chunk (Krichevsky-Trofimov estimator, alpha = 0.5, 256 symbols), once with no context and
once per context: the base element's exponent byte, the element's next-higher delta byte (coded
first), a 4-bit bucket of it, or both. The empirical conditional entropy, without the learning
cost, looks much better and is shown for comparison: with up to 65536 contexts over 262144 symbols
it mostly measures overfitting.
"""

import sys

import numpy as np
import torch
from scipy.special import gammaln

from float_streams import rotated, tensors, zigzag

CHUNK = 262144
LN2 = np.log(2)


def adaptive_bits(sym, ctx, alpha=0.5, k=256):
    ctx = ctx.astype(np.int64)
    _, per_ctx = np.unique(ctx, return_counts=True)
    _, per_pair = np.unique((ctx << 8) | sym.astype(np.int64), return_counts=True)
    return ((gammaln(per_ctx + k * alpha) - gammaln(k * alpha)).sum()
            - (gammaln(per_pair + alpha) - gammaln(alpha)).sum()) / LN2


def empirical_bits(sym, ctx):
    joint = (ctx.astype(np.int64) << 8) | sym.astype(np.int64)
    return entropy(joint) - entropy(ctx.astype(np.int64))


def entropy(a):
    _, c = np.unique(a, return_counts=True)
    p = c / c.sum()
    return -(p * np.log2(p)).sum() * len(a)


def bucket(b):
    return np.minimum(b, 15)


def main():
    base = dict(tensors(torch.load(sys.argv[1])))
    new = dict(tensors(torch.load(sys.argv[2])))
    names = ["no context", "base exponent", "higher byte", "bucket(higher)",
             "base exponent + bucket(higher)"]
    adaptive = np.zeros(len(names))
    empirical = 0.0
    elements = 0
    for name, t in new.items():
        if name not in base:
            continue
        xs, ys = rotated(t), rotated(base[name])
        for at in range(0, len(xs), CHUNK):
            x, y = xs[at:at + CHUNK], ys[at:at + CHUNK]
            z = zigzag(x.astype(np.int64) - y.astype(np.int64))
            exp = ((y >> 24) & 0xFF).astype(np.int64)
            none = np.zeros(len(x), dtype=np.int64)
            elements += len(x)
            for s in range(4):
                b = (z >> (8 * s)) & 0xFF
                hi = ((z >> (8 * (s + 1))) & 0xFF).astype(np.int64) if s < 3 else none
                for i, ctx in enumerate([none, exp, hi, bucket(hi), (exp << 4) | bucket(hi)]):
                    adaptive[i] += adaptive_bits(b, ctx)
                empirical += empirical_bits(b, exp)
    print("%d elements; adaptive code length in bits per element:" % elements)
    for n, v in zip(names, adaptive):
        print("  %-32s %.3f  (%+.2f%%)" % (n, v / elements, 100 * (v / adaptive[0] - 1)))
    print("  empirical H(delta | base exponent) without learning cost: %.3f" % (empirical / elements))


if __name__ == "__main__":
    main()
