#!/usr/bin/env python3
"""plot_check.py VMLAB SRCDIR: vmlab plot draws every kind, as PNG and as SVG.

Each picture is checked as a file (the PNG signature and its IHDR width and height, or an SVG
that parses as XML with the asked size), and the data file given to gnuplot (--keep) is
checked against the input, parsed here independently: every series is there with its points.
Bad input is refused with FILE:LINE:COL. Skips (exit 77) only when gnuplot is missing and
scripts/bootstrap.sh cannot install it.
"""
import csv
import io
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

VMLAB, SRC = sys.argv[1], sys.argv[2]

if not shutil.which("gnuplot"):
    subprocess.run(["bash", os.path.join(SRC, "scripts/bootstrap.sh")], capture_output=True)
    if not shutil.which("gnuplot"):
        print("SKIP: gnuplot is not installed and scripts/bootstrap.sh could not install "
              "gnuplot-nox (no root, or no network)")
        sys.exit(77)

fails = 0


def fail(msg):
    global fails
    fails += 1
    print("FAIL", msg)


def vmlab(args, rc=0):
    p = subprocess.run([VMLAB] + args, capture_output=True, text=True)
    if p.returncode != rc:
        fail(f"vmlab {' '.join(args)}: exit {p.returncode}, expected {rc}: {p.stderr}")
    return p


def check_picture(path, w, h):
    data = open(path, "rb").read()
    if path.endswith(".png"):
        if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
            return fail(f"{path}: not a PNG (signature, IHDR)")
        pw, ph = struct.unpack(">II", data[16:24])
        if (pw, ph) != (w, h):
            fail(f"{path}: {pw}x{ph}, expected {w}x{h}")
    else:
        try:
            root = ET.fromstring(data)
        except ET.ParseError as e:
            return fail(f"{path}: not well-formed XML: {e}")
        if not root.tag.endswith("svg"):
            return fail(f"{path}: root element {root.tag}, not svg")
        sw, sh = root.get("width", ""), root.get("height", "")
        if (sw, sh) != (str(w), str(h)):
            fail(f"{path}: svg width/height {sw}x{sh}, expected {w}x{h}")


def blocks(datafile):
    """The data file's series: {name: [(x, y), ...]} from its '# series NAME' blocks."""
    out, cur = {}, None
    for line in open(datafile):
        line = line.strip()
        if line.startswith("# series "):
            cur = out.setdefault(line[9:], [])
        elif line and cur is not None:
            x, y = line.split()
            cur.append((float(x), float(y)))
    return out


def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def draw(kind, args, want_series, d, size=(640, 400)):
    """Draws kind as PNG and SVG; returns the data file of the last."""
    for ext in ("png", "svg"):
        keep = os.path.join(d, f"{kind}-{ext}")
        out = os.path.join(d, f"{kind}.{ext}")
        vmlab(["plot", kind] + args + ["-o", out, "--size", f"{size[0]}x{size[1]}",
                                       "--keep", keep])
        if not os.path.exists(out):
            fail(f"{kind}: no {out}")
            continue
        check_picture(out, *size)
        text = open(os.path.join(keep, "data.dat")).read()
        for s in want_series:
            if s not in text:
                fail(f"{kind} {ext}: series {s} not in gnuplot's data")
        script = open(os.path.join(keep, "plot.gp")).read()
        if "data.dat" not in script:
            fail(f"{kind}: the script does not plot the data file")
    return os.path.join(keep, "data.dat")


with tempfile.TemporaryDirectory() as d:
    # mrc: a trace with 4K and 2M pages: curves all, 4K, 2M, each with the CSV's points.
    mcsv = os.path.join(d, "m.csv")
    vmlab(["mrc", "gen:random:base=0x10000,footprint=32M,count=50K,seed=3", "--pages", "2m",
           "--csv", "-o", mcsv, "--quiet"])
    rows = list(csv.DictReader(open(mcsv)))
    want = {}
    for r in rows:
        want.setdefault(r["curve"], []).append((float(r["entries"]), float(r["miss_ratio"])))
    if set(want) != {"all", "4K", "2M"}:
        fail(f"mrc csv curves {sorted(want)}")
    got = blocks(draw("mrc", [mcsv], [f"# series {c}" for c in want], d))
    for c, pts in want.items():
        g = got.get(c, [])
        if len(g) != len(pts) or not all(close(a[0], b[0]) and close(a[1], b[1])
                                          for a, b in zip(sorted(g), sorted(pts))):
            fail(f"mrc: curve {c}: gnuplot's data differs from the CSV")

    # reach: the presets, and two given models; their names and every preset's reach.
    data = draw("reach", [], ["cpu L1D-4K L1D-2M L1D-1G STLB-4K STLB-2M STLB-1G", "skylake",
                              "zen4"], d)
    lines = {l.split()[0]: l.split()[1:] for l in open(data) if l.strip()}
    # skylake: L1 dTLB 64 x 4 KiB = 256 KiB; STLB 1536 x 4 KiB = 6 MiB (README, cpu show)
    if lines.get("skylake", [None])[0] != str(64 * 4096) or lines["skylake"][3] != str(1536 * 4096):
        fail(f"reach: skylake row {lines.get('skylake')}")
    draw("reach", ["skylake:l1d.4k=128x8", "zen4"], ["skylake*", "zen4"], d)

    # series: replay --interval's CSV, three columns.
    scsv = os.path.join(d, "s.csv")
    vmlab(["replay", "gen:zipf:footprint=64M,count=60K,seed=2", "--interval", "10000",
           "--series", scsv])
    srows = list(csv.DictReader(open(scsv)))
    got = blocks(draw("series", [scsv, "--y", "l1_misses,walks,cycles_per_translation"],
                      ["# series l1_misses", "# series walks", "# series cycles_per_translation"],
                      d))
    for col in ("l1_misses", "walks"):
        pts = [(float(r["records"]), float(r[col])) for r in srows]
        if len(got.get(col, [])) != len(pts) or not all(
                close(a[0], b[0]) and close(a[1], b[1]) for a, b in zip(got[col], pts)):
            fail(f"series: {col}: gnuplot's data differs from the CSV")

    # sweep: a metric against an axis, one line per trace.
    wcsv = os.path.join(d, "w.csv")
    with open(wcsv, "w") as f:
        f.write("trace,stlb_entries,cycles\n")
        for t, base in (("a.vmt", 10), ("b,c.vmt", 20)):
            for e in (4096, 1024, 2048):
                f.write(f"\"{t}\",{e},{base + 1e6 / e}\n")
    got = blocks(draw("sweep", [wcsv, "--x", "stlb_entries", "--y", "cycles", "--series",
                                "trace", "--logx"], ["# series a.vmt", "# series b,c.vmt"], d))
    if [p[0] for p in got.get("a.vmt", [])] != [1024, 2048, 4096]:
        fail(f"sweep: a.vmt points not sorted by x: {got.get('a.vmt')}")

    # bad input: FILE:LINE:COL, exit 2, no picture.
    bad = os.path.join(d, "bad.csv")
    open(bad, "w").write("trace,stlb_entries,cycles\nx,1,2\ny,2\n")
    p = vmlab(["plot", "sweep", bad, "--x", "stlb_entries", "--y", "cycles", "-o",
               os.path.join(d, "bad.png")], rc=2)
    if f"{bad}:3:" not in p.stderr:
        fail(f"bad row: {p.stderr!r} does not say {bad}:3:")
    open(bad, "w").write("trace,stlb_entries,cycles\nx,1,2\ny,2,lots\n")
    p = vmlab(["plot", "sweep", bad, "--x", "stlb_entries", "--y", "cycles", "-o",
               os.path.join(d, "bad.png")], rc=2)
    if f"{bad}:3:5:" not in p.stderr:
        fail(f"bad number: {p.stderr!r} does not say {bad}:3:5:")
    p = vmlab(["plot", "sweep", bad, "--x", "nope", "--y", "cycles", "-o",
               os.path.join(d, "bad.png")], rc=2)
    if "no column 'nope'" not in p.stderr:
        fail(f"unknown column: {p.stderr!r}")
    if os.path.exists(os.path.join(d, "bad.png")):
        fail("a picture was drawn from bad input")

print(f"plot_check: {fails} failure(s)")
sys.exit(1 if fails else 0)
