#!/usr/bin/env python3
"""numpy sort-based ensemble CRPS for bench/scoring: reads members [m, n] float32 and truth [n] float32 from
raw files, prints JSON timings (seconds, best of repeats) and a checksum of the result."""
import json
import sys
import time

import numpy as np

m, n, repeats = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
ens = np.fromfile(sys.argv[4], dtype=np.float32).reshape(m, n)
y = np.fromfile(sys.argv[5], dtype=np.float32)
out_path = sys.argv[6]


def crps_sorted(ens, y):
    # Same estimator: mean|x_i - y| - sum_i (2i - m - 1) x_(i) / m^2, float64 accumulation.
    x = np.sort(ens, axis=0).astype(np.float64)
    k = (2 * np.arange(1, m + 1) - m - 1).astype(np.float64)
    mae = np.abs(x - y.astype(np.float64)).mean(axis=0)
    return mae - (k @ x) / (m * m)


def crps_sorted_points_major(ens_t, y):
    # Points-major layout: numpy sorts the contiguous last axis.
    x = np.sort(ens_t, axis=1).astype(np.float64)
    k = (2 * np.arange(1, m + 1) - m - 1).astype(np.float64)
    mae = np.abs(x - y.astype(np.float64)[:, None]).mean(axis=1)
    return mae - (x @ k) / (m * m)


res = {}
for name, fn, arg in [("numpy_sort_axis0", crps_sorted, ens), ("numpy_sort_points_major", crps_sorted_points_major, None)]:
    if arg is None:
        arg = np.ascontiguousarray(ens.T)  # transpose cost excluded: it is a layout choice
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        c = fn(arg, y)
        best = min(best, time.perf_counter() - t0)
    res[name] = best
    if name == "numpy_sort_axis0":
        c.astype(np.float32).tofile(out_path)
print(json.dumps(res))
