#!/usr/bin/env python3
"""mrc_vs_replay.py VMLAB: every curve of `vmlab mrc` equals separate `vmlab replay` runs.

For each curve (fully associative, set associative, two-level STLB, 4K / 2M / 1G / mixed page
sizes, data and instruction sides), at least 8 of its points are replayed one by one through
`vmlab replay` with a TLB of exactly that geometry (a --cpu spec), and the misses replay counts
must equal the curve's, to the access. The replays are the independent model: the real TLB
code, page tables, walks and demand faults, one configuration at a time.
"""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile

VMLAB = sys.argv[1]
failures = 0
checked = 0


def run(args):
    p = subprocess.run([VMLAB] + args, capture_output=True, text=True)
    if p.returncode not in (0, 3):
        sys.exit(f"FAIL: vmlab {' '.join(args)}: exit {p.returncode}: {p.stderr}")
    return p.stdout


def curves(trace, args):
    rows = list(csv.DictReader(io.StringIO(run(["mrc", trace, "--csv", "--quiet"] + args))))
    out = {}
    for r in rows:
        out.setdefault(r["curve"], []).append(r)
    return out


def spread(rows, k=8):
    """k points spread over a curve, its first and last included."""
    if len(rows) <= k:
        return rows
    idx = sorted({round(i * (len(rows) - 1) / (k - 1)) for i in range(k)})
    return [rows[i] for i in idx]


def replay(trace, args, spec):
    j = json.loads(run(["replay", trace, "--json", "--cpu", spec] + args))
    return j["report"]


def check(name, trace, margs, rargs, curve, level, spec_of, count="misses", k=8):
    """count: 'misses' (every miss of the level, faults included) or 'hits:PS'."""
    global failures, checked
    cs = curves(trace, margs)
    if curve not in cs:
        sys.exit(f"FAIL: {name}: no curve {curve} in {sorted(cs)}")
    pts = spread(cs[curve], k)
    while len(pts) < k:
        # A curve flat from fewer than k entries: larger TLBs miss as much as its last point.
        last = dict(pts[-1])
        last["entries"] = str(int(last["entries"]) + int(last["sets"]))
        last["ways"] = str(int(last["ways"]) + 1)
        pts.append(last)
    for r in pts:
        n, sets, ways = int(r["entries"]), int(r["sets"]), int(r["ways"])
        rep = replay(trace, rargs, spec_of(n, sets, ways))
        t = rep["tlb"][level]
        if count == "misses":
            got, want = sum(t["misses"].values()), int(r["misses"])
        else:  # hits of one size: the curve's references minus its misses
            ps = count.split(":")[1]
            got, want = t["hits"][ps], int(r["refs"]) - int(r["misses"])
        checked += 1
        if got != want:
            failures += 1
            print(f"FAIL {name}: {curve} entries {n}: replay {got}, mrc {want}")
    print(f"ok   {name}: {curve}: {len(pts)} points")


def full(level, sizes="all"):
    return lambda n, s, w: f"skylake:{level}.{sizes}={n}xfull"


def seta(level):
    return lambda n, s, w: f"skylake:{level}.all={n}x{w}"


# 1. Fully associative, 4 KiB pages, uniform random (the L1 dTLB's misses).
T1 = "gen:random:footprint=64M,count=150K,seed=1"
check("fa-4k", T1, [], [], "all", "l1d", full("l1d"))
# 2. Set associative, 16 sets, zipf: every associativity 1..24.
T2 = "gen:zipf:footprint=256M,count=150K,seed=2"
check("sa-16sets", T2, ["--sets", "16", "--max-ways", "24"], [], "all", "l1d", seta("l1d"))
# 3. Two-level: skylake's L1 TLBs fixed, the STLB grows (fully associative, then 128 sets).
check("stlb-fa", T2, ["--stlb"], [], "all", "stlb", full("stlb"))
check("stlb-128sets", T2, ["--stlb", "--sets", "128", "--max-ways", "16"], [], "all", "stlb",
      seta("stlb"))
# 4. 2 MiB hugetlb pages, the first 2 MiB of 4K pages (below it mmap_min_addr: replay falls
#    back to 4K there): mixed sizes; the one-array curve and each size's own array.
T4 = "gen:random:base=0x10000,footprint=64M,count=150K,seed=3,writes=30%"
check("mixed-2m-all", T4, ["--pages", "2m"], ["--pages", "2m"], "all", "l1d", full("l1d"))
per_size = lambda n, s, w: f"skylake:l1d.4k={n}xfull,l1d.2m={n}xfull,l1d.1g={n}xfull"
check("mixed-2m-4K", T4, ["--pages", "2m"], ["--pages", "2m"], "4K", "l1d", per_size, "hits:4K")
check("mixed-2m-2M", T4, ["--pages", "2m"], ["--pages", "2m"], "2M", "l1d", per_size, "hits:2M")
# 5. 1 GiB pages over 4 GiB from 64 KiB: 4K, 2M and 1G pages in one trace; two-level too.
T5 = "gen:random:base=0x10000,footprint=4G,count=150K,seed=4"
check("mixed-1g-all", T5, ["--pages", "1g"], ["--pages", "1g"], "all", "l1d", full("l1d"))
check("mixed-1g-1G", T5, ["--pages", "1g"], ["--pages", "1g"], "1G", "l1d", per_size, "hits:1G")
check("mixed-2m-stlb", T4, ["--pages", "2m", "--stlb"], ["--pages", "2m"], "all", "stlb",
      full("stlb"))
check("mixed-1g-stlb", T5, ["--pages", "1g", "--stlb"], ["--pages", "1g"], "all", "stlb",
      full("stlb"))
# 6. THP always, half writes: reads map huge zero pages, writes replace them with THPs.
T6 = "gen:random:footprint=512M,count=150K,seed=5,writes=50%"
check("thp", T6, ["--thp", "always"], ["--thp", "always"], "all", "l1d", full("l1d"))
check("thp-stlb", T6, ["--thp", "always", "--stlb"], ["--thp", "always"], "all", "stlb",
      full("stlb"))
# 7. Reads then writes of 4K pages: zero-page copy-on-write faults (and, with the zero page
#    off: none, a read fault maps a writable dirty page) refill the STLB without counting.
T7 = "gen:zipf:footprint=64M,count=150K,seed=6,writes=30%"
check("stlb-cow", T7, ["--stlb"], [], "all", "stlb", full("stlb"))
check("stlb-nozero", T7, ["--stlb", "--zero-page", "off"], ["--zero-page", "off"], "all", "stlb",
      full("stlb"))
# 8. Instruction fetches (lackey text): the L1 iTLB's stream, and one TLB of every access.
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "t.lackey")
    with open(path, "w") as f:
        x = 12345
        for i in range(40000):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
            f.write("I  %08x,4\n" % (0x400000 + (x % 3000) * 64 * 7))
            f.write(" L %010x,8\n" % (0x1ffe000000 + ((x >> 8) % 20000) * 4096))
    check("exec", path, ["--side", "exec"], [], "all", "l1i", full("l1i"))
    check("data", path, ["--side", "data"], [], "all", "l1d", full("l1d"))
    check("stlb-i+d", path, ["--stlb"], [], "all", "stlb", full("stlb"))

# SHARDS is approximate: its curve stays near the exact one (mean absolute miss-ratio error
# over the exact curve's sizes, each compared with the approximate curve's point at or below).
T9 = "gen:random:footprint=256M,count=400K,seed=9"
exact = {int(r["entries"]): float(r["miss_ratio"]) for r in curves(T9, [])["all"]}
for mode, bound in ((["--shards-rate", "0.1"], 0.02), (["--shards-size", "4096"], 0.02)):
    ap = {int(r["entries"]): float(r["miss_ratio"]) for r in curves(T9, mode)["all"]}
    keys = sorted(ap)
    errs = [abs(ap[max(k for k in keys if k <= e)] - m) for e, m in exact.items()]
    mae = sum(errs) / len(errs)
    checked += 1
    if mae > bound:
        failures += 1
        print(f"FAIL shards {' '.join(mode)}: mean error {mae:.4f} > {bound}")
    else:
        print(f"ok   shards {' '.join(mode)}: mean error {mae:.4f}")

print(f"{checked} points checked, {failures} differ")
sys.exit(1 if failures else 0)
