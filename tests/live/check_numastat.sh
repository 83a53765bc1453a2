#!/usr/bin/env bash
# check_numastat.sh VMLAB: vmlab numastat and ps --numa on the hand-written two-node machine of
# tests/fixtures/live/numa (sys/devices/system/node/node{0,1}/{numastat,meminfo} and
# proc/PID/numa_maps). Every expected figure is worked out below from those files: pages of
# 4 KiB, kB lines x 1024, HugePages_* x Hugepagesize (2048 kB in proc/meminfo), numa_maps
# counts x their kernelpagesize_kB. Then the text layout numastat(8) prints, and bad input
# (unknown PID, a pattern matching nothing, a malformed numa_maps with file:line:col, a node
# /sys lacks, usage errors). Needs python3 (reads the CSV and JSON output).
set -u
bin=$1; here=$(cd "$(dirname "$0")" && pwd)
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac # the checks run from the fixture directory
command -v python3 >/dev/null || { echo "skipped: no python3"; exit 77; }
cd "$here/../fixtures/live/numa" || exit 1 # relative paths: the messages name them
fail=0
K=1024; M=1048576; P=4096
T="--proc proc --sys sys"

# fig SECTION PID ITEM NODE COLUMN: a cell of the last `get` CSV output ('' for no PID).
get() { out=$("$bin" numastat "$@" $T --csv 2>&1) || { echo "numastat $*: failed: $out"; fail=1; }; }
fig() {
  printf '%s\n' "$out" | python3 -c '
import csv, sys
sec, pid, item, node, col = sys.argv[1:6]
rows = [r for r in csv.DictReader(sys.stdin)
        if r["Section"] == sec and r["PID"] == pid and r["Item"] == item and r["Node"] == node]
print(rows[0][col] if len(rows) == 1 else "missing (%d rows)" % len(rows))
' "$@"
}
want() { # SECTION PID ITEM NODE COLUMN VALUE
  local got; got=$(fig "$1" "$2" "$3" "$4" "$5")
  if [ "$got" != "$6" ]; then echo "$ctx: $1 pid '$2' $3 node $4 $5 is $got, want $6"; fail=1; fi
}

# ---- node counters: counts as the files have them, bytes = count x 4 KiB
ctx="counters"; get
want numastat "" numa_hit 0 Count 1000
want numastat "" numa_hit 1 Count 2560
want numastat "" numa_hit 1 Bytes $((2560 * P))
want numastat "" other_node 0 Count 30
want numastat "" other_node 1 Bytes $((65 * P))
want numastat "" interleave_hit 1 Count 9

# ---- -m: every line of nodeN/meminfo
ctx="-m"; get -m
want meminfo "" MemTotal 0 Bytes $((4194304 * K))
want meminfo "" MemTotal 1 Bytes $((2097152 * K))
want meminfo "" MemUsed 0 Bytes $(((4194304 - 1048576) * K))
want meminfo "" SwapCached 1 Bytes 0                       # numastat 2.0.16 drops this line
want meminfo "" HugePages_Total 0 Count 4
want meminfo "" HugePages_Total 0 Bytes $((4 * 2048 * K))   # x Hugepagesize
want meminfo "" HugePages_Free 1 Bytes $((2 * 2048 * K))
want meminfo "" MemTotal 0 Count ""                        # a kB line has no count

# ---- -p 100: numa_maps by class, worked out line by line
# file mapping N0=6 N1=4 and the interleaved anon N0=512 N1=512: Private
# heap N0=100 N1=200; stack N0=33; hugetlbfs N1=3 x 2 MiB and N0=1 x 1 GiB: Huge
ctx="-p 100"; get -p 100
want process 100 Private 0 Bytes $(((6 + 512) * P))
want process 100 Private 1 Bytes $(((4 + 512) * P))
want process 100 Heap 0 Bytes $((100 * P))
want process 100 Heap 1 Bytes $((200 * P))
want process 100 Stack 0 Bytes $((33 * P))
want process 100 Stack 1 Bytes 0
want process 100 Huge 0 Bytes $((1024 * M))                # its own page size, not 2 MiB
want process 100 Huge 1 Bytes $((3 * 2 * M))
want process 100 Heap 0 Name numademo
# -p PATTERN: the name (201 'worker') or the command line (200 'python3 worker.py')
ctx="-p worker"; get -p worker
want process 200 Private 0 Bytes $((4 * P))
want process 200 Private 1 Bytes $((6 * P))
want process 201 Private 0 Bytes 0
n=$(printf '%s\n' "$out" | grep -c '^process,')
[ "$n" = 16 ] || { echo "-p worker: $n process rows, want 16 (2 processes x 4 classes x 2 nodes)"; fail=1; }
# A PID given twice and as a pattern match: one process
ctx="-p 200 200 python3"; get -p 200 200 python3
n=$(printf '%s\n' "$out" | grep -c '^process,')
[ "$n" = 8 ] || { echo "$ctx: $n process rows, want 8"; fail=1; }

# ---- text: numastat's layout, figures in MiB with two decimals
t() { "$bin" numastat "$@" $T; }
expect() { # WHAT TEXT: the last output must equal TEXT
  if [ "$got" != "$2" ]; then
    echo "$1: got"; printf '%s\n' "$got"; echo "want"; printf '%s\n' "$2"; fail=1
  fi
}
got=$(t)
expect "no option (counts, node0 node1)" "$(printf '%16s%16s%16s\n' '' node0 node1
printf '%-16s%16s%16s\n' numa_hit 1000 2560 numa_miss 20 5 numa_foreign 5 20 interleave_hit 7 9 \
  local_node 990 2500 other_node 30 65)"
# -n: 1000 pages = 3.90625 MiB, 2560 = 10, 3560 = 13.90625; 990 = 3.8671875; 2500 = 9.765625
got=$(t -n | sed -n '3,5p;9p')
expect "-n" "$(printf '%16s%16s%16s%16s\n' '' 'Node 0' 'Node 1' Total
printf '%16s%16s%16s%16s\n' '' --------------- --------------- ---------------
printf '%-16s%16s%16s%16s\n' Numa_Hit 3.91 10.00 13.91 Local_Node 3.87 9.77 13.63)"
# -p 100: Huge 1024 + 6; Heap 400 KiB = 0.39, 800 KiB = 0.78; Total 1026.54 and 8.80
got=$(t -p 100 | sed -n '2p;5,6p;9,10p')
expect "-p 100" "$(echo 'Per-node process memory usage (in MBs) for PID 100 (numademo)'
printf '%-17s%16s%16s%16s\n' Huge 1024.00 6.00 1030.00 Heap 0.39 0.78 1.17
printf '%-17s%16s%16s%16s\n' ---------------- --------------- --------------- ---------------
printf '%-17s%16s%16s%16s\n' Total 1026.54 8.80 1035.34)"
# -z drops the zero rows and -c narrows the columns: Stack's 0 on node 1 stays (its row is not
# all zero); 201's row (all zero) goes
got=$(t -p worker -z -c | sed -n '3,$p')
expect "-p worker -z -c" "$(printf '%-14s%7s%7s%6s\n' PID 'Node 0' 'Node 1' Total
printf '%-14s%7s%7s%6s\n' ------------- ------ ------ -----
printf '%-14s%7s%7s%6s\n' '200 (python3)' 0 0 0
printf '%-14s%7s%7s%6s\n' ------------- ------ ------ -----
printf '%-14s%7s%7s%6s\n' Total 0 0 0)"
# -s1: sorted by node 1, largest first: Huge 6, Private 2.02, Heap 0.78, Stack 0
got=$(t -p 100 -s1 | sed -n '5,8p' | awk '{print $1}' | tr '\n' ' ')
[ "$got" = "Huge Private Heap Stack " ] || { echo "-s1: rows $got"; fail=1; }
# --units K: the same figures in KiB
got=$(t -p 100 --units K | sed -n '6p')
expect "--units K" "$(printf '%-17s%16s%16s%16s' Heap 400.00 800.00 1200.00)"

# On a terminal 40 columns wide a table is folded as numastat folds it: labels (16) and one
# 16-wide column fit, a second does not: three sections (Node 0, Node 1, Total); --wide: one.
python3 - "$bin" <<'EOF' || fail=1
import fcntl, os, pty, struct, subprocess, sys, termios
def on_pty(argv):
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 40, 0, 0))
    env = dict(os.environ); env.pop("COLUMNS", None)
    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env)
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
    p.wait(); os.close(master)
    return out.decode().replace("\r\n", "\n").splitlines()
base = [sys.argv[1], "numastat", "-m", "--proc", "proc", "--sys", "sys"]
lines = on_pty(base)
heads = [l.strip() for l in lines if l.strip() in ("Node 0", "Node 1", "Total")]
widest = max(len(l) for l in lines)
if heads != ["Node 0", "Node 1", "Total"] or widest > 40:
    print("numastat -m on a 40-column terminal: sections %s, widest line %d" % (heads, widest))
    sys.exit(1)
lines = on_pty(base + ["--wide"])
if not any(l.split() == ["Node", "0", "Node", "1", "Total"] for l in lines):
    print("numastat -m --wide on a terminal: folded")
    sys.exit(1)
EOF

# ---- JSON and Prometheus carry the same figures
"$bin" numastat -p 100 -m $T --json | python3 -c '
import json, sys
rows = json.load(sys.stdin)
h = [r for r in rows if r["Section"] == "process" and r["Item"] == "Huge" and r["Node"] == 1]
assert len(h) == 1 and h[0]["Bytes"] == 3 * 2 * 1048576 and h[0]["PID"] == 100, h
m = [r for r in rows if r["Section"] == "meminfo" and r["Item"] == "MemFree" and r["Node"] == 0]
assert len(m) == 1 and m[0]["Bytes"] == 1048576 * 1024 and m[0]["PID"] is None, m
assert not [r for r in rows if r["Section"] == "numastat"], "numastat rows without -n"
' || { echo "numastat --json: not the rows above"; fail=1; }
p=$("$bin" numastat -n $T --format prometheus)
printf '%s\n' "$p" | grep -qxF 'vmlab_numastat_count{section="numastat",item="numa_miss",node="0"} 20' ||
  { echo "--format prometheus: no numa_miss count"; fail=1; }
printf '%s\n' "$p" | grep -qxF "vmlab_numastat_bytes{section=\"numastat\",item=\"numa_hit\",node=\"1\"} $((2560 * P))" ||
  { echo "--format prometheus: no numa_hit bytes"; fail=1; }

# ---- vmlab ps --numa: a column per node, the sum over the classes above
ps=$("$bin" ps --numa $T --csv) || { echo "ps --numa failed"; fail=1; }
cell() { printf '%s\n' "$ps" | python3 -c '
import csv, sys
r = [r for r in csv.DictReader(sys.stdin) if r["PID"] == sys.argv[1]]
print(r[0][sys.argv[2]] if len(r) == 1 else "missing")' "$1" "$2"; }
for c in "100 N0 $(((6 + 512 + 100 + 33) * P + 1024 * M))" "100 N1 $(((4 + 512 + 200) * P + 6 * M))" \
  "200 N0 $((4 * P))" "200 N1 $((6 * P))" "666 N0 " "201 N1 0"; do
  set -- $c
  got=$(cell "$1" "$2"); [ "$got" = "${3:-}" ] || { echo "ps --numa: PID $1 $2 is '$got', want '${3:-}'"; fail=1; }
done
got=$(cell 400 Note)
[ "$got" = "numa_maps has pages on a node that --sys does not list" ] ||
  { echo "ps --numa: PID 400's Note is '$got'"; fail=1; }

# ---- the simulator's numa_maps (vmlab run --export-proc) read as a real one: each process's
# bytes are its N<node>= counts x kernelpagesize_kB, added up here with awk
exp=$(mktemp -d); top=$here/../..
for ex in 05-shared-library 11-shared-memory 14-hugetlb; do
  "$bin" run "$top/examples/$ex.vml" --export-proc "$exp/$ex" >/dev/null 2>&1 ||
    { echo "$ex: vmlab run --export-proc failed"; fail=1; continue; }
  mkdir -p "$exp/$ex/sys/devices/system/node/node0" # until the simulator writes its nodes
  for d in "$exp/$ex"/proc/[0-9]*; do
    pid=${d##*/}
    want=$(awk '{ ps = 0; n = 0
                  for (i = 1; i <= NF; i++) {
                    if ($i ~ /^kernelpagesize_kB=/) { split($i, a, "="); ps = a[2] }
                    if ($i ~ /^N[0-9]+=/) { split($i, a, "="); n += a[2] } }
                  s += n * ps * 1024 } END { printf "%d\n", s }' "$d/numa_maps")
    got=$("$bin" numastat -p "$pid" --proc "$exp/$ex/proc" --sys "$exp/$ex/sys" --csv |
      awk -F, 'NR > 1 { s += $7 } END { printf "%d\n", s }')
    [ "$got" = "$want" ] || { echo "$ex: PID $pid: numastat adds up $got bytes, numa_maps $want"; fail=1; }
  done
done
rm -rf "$exp"

# ---- bad input: message and exit status
err() { # STATUS MESSAGE ARGS...
  local st=$1 pat=$2; shift 2
  local e; e=$("$bin" "$@" 2>&1 >/dev/null); local rc=$?
  if [ "$rc" != "$st" ] || [ "$e" != "$pat" ]; then
    echo "$*: exit $rc, stderr '$e'; want $st and '$pat'"; fail=1
  fi
}
err 1 "vmlab: numastat: -p 999: no such process in proc (it has exited, or never existed)" \
  numastat -p 999 $T
err 1 "vmlab: numastat: -p nosuch: no process in proc whose name or command line contains it" \
  numastat -p nosuch $T
# line 2, column 27: the 'x' of anon=x
err 1 "vmlab: numastat: proc/666/numa_maps:2:27: expected a decimal number (at most 2^64-1) after '=' in '7f0000000000 default anon=x N0=1 kernelpagesize_kB=4'" \
  numastat -p 666 $T
err 1 "vmlab: numastat: proc/400/numa_maps: pages on node 2, which sys/devices/system/node does not have" \
  numastat -p 400 $T
err 2 "vmlab: numastat: --proc proc needs --sys DIR (the NUMA nodes of that machine)" \
  numastat --proc proc
err 1 "vmlab: numastat: proc/devices/system/node cannot be listed: No such file or directory (--sys DIR: a machine's /sys)" \
  numastat --proc proc --sys proc
err 2 "vmlab: numastat: unknown option '-x' in '-mx' (see vmlab help numastat)" numastat -mx $T
err 2 "vmlab: numastat: -p needs a PID or a pattern" numastat $T -p
err 2 "vmlab: ps: --numa needs --sys DIR with --proc proc (the NUMA nodes of that machine)" \
  ps --numa --proc proc
# --help: exit 0, every option named
h=$("$bin" numastat --help) || { echo "numastat --help failed"; fail=1; }
for o in -c -m -n -p -s -v -z --units --format --json --csv --wide --proc --sys; do
  printf '%s\n' "$h" | grep -q -- "$o" || { echo "numastat --help does not name $o"; fail=1; }
done
exit $fail
