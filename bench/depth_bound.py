#!/usr/bin/python3
"""How small a history of fp32 checkpoints can get under modelstash's delta rule, by order-0 entropy.

    /usr/bin/python3 bench/depth_bound.py bench/out/S1        # any folder of *.pt, in name order
    /usr/bin/python3 bench/depth_bound.py bench/out/S5/lr0.1/epoch0{1,2,3}.pt   # or files, in order

modelstash codes a chunk standalone (byte grouping) or as a delta against a *standalone* chunk of
an earlier version (delta depth 1, so a read needs at most two chunks). Which earlier chunk is the
keyframe is a policy; this script scores policies on real checkpoints, for every float32 tensor of
4096 elements or more, cut into 1 MiB chunks like the store does. A chunk's cost is the order-0
entropy of its four byte streams (the bound the store's coders reach within ~0.5%); a delta's is
the smaller of the XOR and subtract deltas, plus the 32-byte base reference.

- modelstash: delta against the keyframe of the previous version's chunk if that is smaller than
  standalone, unless a new keyframe is repaid by the next version: if standalone costs less over
  that delta than a delta against the previous version's chunk would save on it;
- greedy: the rule modelstash used before: that delta whenever it is smaller than standalone;
- average rule: a new keyframe as soon as the delta would cost more than the keyframe group's
  average so far (optimal for an endless history);
- best depth 1: the best keyframe choice knowing every version in advance (dynamic programming);
- chained: every version a delta of the one before (unbounded depth, which the store refuses:
  a read would need the whole chain).

Prints each as stored / raw of the float payload.
"""

import glob
import math
import sys

import numpy as np
import torch

from float_streams import rotated, tensors, zigzag

CHUNK = 262144  # float32 elements per 1 MiB chunk


def entropy_bytes(stream):
    counts = np.bincount(stream.astype(np.int64), minlength=256)
    counts = counts[counts > 0]
    p = counts / counts.sum()
    return -(p * np.log2(p)).sum() * len(stream) / 8


def streams_cost(units):
    return sum(entropy_bytes((units >> (8 * s)) & 0xFF) for s in range(4))


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: depth_bound.py FOLDER_OF_ONE_HISTORY | FILE.pt FILE.pt ...")
    # a folder holds one history's saves, in name order; or the files are given in order
    files = sorted(glob.glob(sys.argv[1] + "/*.pt")) if len(sys.argv) == 2 else sys.argv[1:]
    if len(files) < 2:
        sys.exit("depth_bound: need at least two checkpoints of one history, found %d in %s"
                 " (a sweep's runs are separate histories: give one run's files in order)"
                 % (len(files), sys.argv[1]))
    versions = [{k: rotated(v) for k, v in tensors(torch.load(f))} for f in files]
    n = len(versions)
    raw = payback = greedy = average = best = chained = 0.0
    for name in versions[0]:
        if not all(name in v for v in versions):
            continue
        for at in range(0, len(versions[0][name]), CHUNK):
            xs = [v[name][at:at + CHUNK] for v in versions]
            raw += 4 * len(xs[0]) * n
            alone = [streams_cost(x) for x in xs]
            memo = {}

            def delta(i, j):
                if (i, j) not in memo:
                    sub = zigzag(xs[j].astype(np.int64) - xs[i].astype(np.int64))
                    memo[(i, j)] = min(streams_cost(sub), streams_cost(xs[j] ^ xs[i])) + 32
                return memo[(i, j)]

            key, total = 0, alone[0]
            for j in range(1, n):
                if delta(key, j) < alone[j]:
                    total += delta(key, j)
                else:
                    total, key = total + alone[j], j
            greedy += total

            key, total = 0, alone[0]
            for j in range(1, n):
                to_key = delta(key, j)
                to_previous = delta(j - 1, j) if j - 1 != key else to_key
                if to_key < alone[j] and alone[j] - to_key >= to_key - to_previous:
                    total += to_key
                else:
                    total, key = total + alone[j], j
            payback += total

            key, total, group, members = 0, alone[0], alone[0], 1
            for j in range(1, n):
                d = delta(key, j)
                if d < alone[j] and d <= group / members:
                    total, group, members = total + d, group + d, members + 1
                else:
                    total, key, group, members = total + alone[j], j, alone[j], 1
            average += total

            cost = [0.0] + [math.inf] * n  # cost[j]: versions 0..j-1 in whole keyframe groups
            for j in range(1, n + 1):
                for i in range(j):
                    group = alone[i] + sum(min(alone[m], delta(i, m)) for m in range(i + 1, j))
                    cost[j] = min(cost[j], cost[i] + group)
            best += cost[n]

            chained += alone[0] + sum(min(alone[j], delta(j - 1, j)) for j in range(1, n))
    if not raw:
        sys.exit("depth_bound: no float32 tensor of 4096 elements or more in %s" % sys.argv[1])
    print("%d versions, %.1f MB of float32 payload" % (n, raw / 1e6))
    for label, value in [("modelstash", payback), ("greedy (modelstash before)", greedy),
                         ("average rule", average),
                         ("best depth 1 (hindsight)", best), ("chained (depth unbounded)", chained)]:
        print("%-26s %.4f of raw" % (label, value / raw))


if __name__ == "__main__":
    main()
