#!/usr/bin/env python3
"""pty_width.py VMLAB PROC: vmlab ps on a pseudo-terminal of a known width (TIOCSWINSZ) cuts
every line to that width, marks each cut line with a final '+', and says how many it cut;
COLUMNS overrides the terminal's width; --wide, and a pipe, print the lines whole."""
import fcntl, os, pty, struct, subprocess, sys, termios

vmlab, proc = sys.argv[1], sys.argv[2]
args = [vmlab, "ps", "--proc", proc, "--kernel", "--status"]


def on_pty(argv, cols, env=None):
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    e = dict(os.environ)
    e.pop("COLUMNS", None)
    e.update(env or {})
    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=e)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    p.wait()
    os.close(master)
    return p.returncode, out.decode("utf-8", "replace").replace("\r\n", "\n").splitlines()


def check(lines, width, what):
    ok = True
    table = lines[:-3]  # the count, the totals note and the cut note (prose: it wraps)
    cut = [l for l in table if len(l) == width and l.endswith("+")]
    for l in table:
        if len(l) > width:
            print(f"{what}: a line of {len(l)} columns on a {width}-column terminal: {l!r}")
            ok = False
    if not cut:
        print(f"{what}: no line was cut and marked at {width} columns")
        ok = False
    note = f"{len(cut)} lines cut at the terminal's width ('+' at the end): --wide prints them whole"
    if lines[-1] != note:
        print(f"{what}: last line {lines[-1]!r}, want {note!r}")
        ok = False
    return ok


ok = True
rc, lines = on_pty(args, 60)
ok &= rc == 0 and check(lines, 60, "60-column terminal")
rc, lines = on_pty(args, 200, {"COLUMNS": "50"})
ok &= rc == 0 and check(lines, 50, "COLUMNS=50 on a 200-column terminal")
rc, lines = on_pty(args + ["--wide"], 60)
whole = subprocess.run(args, capture_output=True, text=True).stdout.splitlines()
if rc != 0 or lines != whole or max(len(l) for l in whole) <= 60:
    print("--wide on a 60-column terminal: not the whole lines a pipe gets")
    ok = False
sys.exit(0 if ok else 1)
