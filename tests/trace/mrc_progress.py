#!/usr/bin/env python3
"""mrc_progress.py VMLAB: vmlab mrc's progress line (issue 18, point 4).

On a terminal (a pseudo-terminal here) standard error shows records, records/s, percent and
ETA while the curve is computed, and the line is erased at the end; with --quiet, or when
standard error is not a terminal, nothing is shown. The output proper is the same each way.
"""
import os
import pty
import re
import subprocess
import sys

VMLAB = sys.argv[1]
# Long enough to last past the first redraw (a quarter of a second).
TRACE = "gen:random:footprint=64M,count=12M,seed=1"
ARGS = ["mrc", TRACE, "--csv"]
fails = 0


def on_tty(extra):
    """Runs with standard error on a pseudo-terminal; returns (stdout, what the tty saw)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([VMLAB] + ARGS + extra, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    out = p.stdout.read()
    p.wait()
    os.close(master)
    if p.returncode != 0:
        sys.exit(f"FAIL: exit {p.returncode}")
    return out, seen.decode(errors="replace")


out_tty, seen = on_tty([])
if not re.search(r"mrc: [0-9.]+ [KMGT]? ?records, [0-9.]+ [KMGT]? ?/s, \d+%, ETA \d+:\d\d", seen):
    print(f"FAIL: no progress line on the terminal: {seen[:300]!r}")
    fails += 1
if not seen.endswith("\r\x1b[K"):
    print(f"FAIL: the progress line is not erased at the end: {seen[-40:]!r}")
    fails += 1
out_quiet, seen_quiet = on_tty(["--quiet"])
if seen_quiet:
    print(f"FAIL: --quiet still shows {seen_quiet[:100]!r}")
    fails += 1
p = subprocess.run([VMLAB] + ARGS, capture_output=True)
if p.stderr:
    print(f"FAIL: standard error is not a terminal, yet: {p.stderr[:100]!r}")
    fails += 1
if not (out_tty == out_quiet == p.stdout):
    print("FAIL: the output differs with and without the progress line")
    fails += 1
print(f"mrc_progress: {fails} failure(s)")
sys.exit(1 if fails else 0)
