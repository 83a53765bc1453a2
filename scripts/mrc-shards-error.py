#!/usr/bin/env python3
"""mrc-shards-error.py VMLAB TRACE...: SHARDS's error against the exact curve (docs/mrc.md).

For each trace, the exact curve and five SHARDS curves (rates 0.1, 0.01, 0.001; 8192 and 2048
pages); for each, the largest and the mean absolute miss-ratio difference over the exact
curve's sizes (each compared with the approximate curve's point at or below it), over every
size and over sizes of 1024 entries and more.
"""
import csv
import io
import subprocess
import sys

VMLAB = sys.argv[1]


def curve(args):
    out = subprocess.run([VMLAB, "mrc"] + args + ["--csv", "--quiet"], capture_output=True,
                         text=True, check=True).stdout
    return {int(r["entries"]): float(r["miss_ratio"])
            for r in csv.DictReader(io.StringIO(out)) if r["curve"] == "all"}


for t in sys.argv[2:]:
    exact = curve([t])
    for mode in (["--shards-rate", "0.1"], ["--shards-rate", "0.01"], ["--shards-rate", "0.001"],
                 ["--shards-size", "8192"], ["--shards-size", "2048"]):
        ap = curve([t] + mode)
        keys = sorted(ap)
        errs, big = [], []
        for e, r in exact.items():
            below = [k for k in keys if k <= e]
            if not below:
                continue
            err = abs(ap[below[-1]] - r)
            errs.append(err)
            if e >= 1024:
                big.append(err)
        print(f"{t} {' '.join(mode)}: all sizes max {max(errs):.4f} mean "
              f"{sum(errs) / len(errs):.4f}; >=1024 entries max {max(big):.4f} mean "
              f"{sum(big) / len(big):.4f}")
