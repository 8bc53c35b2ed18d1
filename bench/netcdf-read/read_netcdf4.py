#!/usr/bin/python3
"""Reference reader for bench/netcdf-read: the netCDF-C library through python3-netcdf4, reading the same
variables the same way as epp (open, read each variable whole with mask-and-scale, close), N times.
Prints one JSON line: seconds (median and total), bytes stored per iteration, peak RSS (ru_maxrss, MiB)."""
import json
import resource
import sys
import time

import netCDF4

path, names, n = sys.argv[1], sys.argv[2].split(','), int(sys.argv[3])
times = []
nbytes = 0
for _ in range(n):
    t0 = time.perf_counter()
    ds = netCDF4.Dataset(path)
    nbytes = 0
    for name in names:
        v = ds.variables[name]
        data = v[:]
        nbytes += v.dtype.itemsize * data.size
    ds.close()
    times.append(time.perf_counter() - t0)
times.sort()
print(json.dumps({
    'median_s': times[len(times) // 2],
    'total_s': sum(times),
    'bytes': nbytes,
    'peak_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
