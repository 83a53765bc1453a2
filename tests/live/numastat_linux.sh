#!/usr/bin/env bash
# numastat_linux.sh VMLAB: vmlab numastat against numastat(8) of Debian's numactl package on
# this machine (scripts/bootstrap.sh installs it), both reading the same kernel:
#   - the node counters: each of vmlab's lies between numastat's read just before and just
#     after (they only grow), as counts and (-n) in MiB;
#   - -m: the lines numastat shows, each between its two readings (MemTotal and the huge page
#     pools exactly), and vmlab's extra lines exactly those numastat reports as "Token ... not
#     in hash table";
#   - -p on processes this script starts and leaves asleep (their numa_maps do not change): the
#     whole text equal to numastat's, for a PID and for a pattern matching two processes, also
#     with -c and -z; ps --numa's node column equal to numastat's Total;
#   - a PID that does not exist: an error (numastat prints an empty table and exits 0).
# Volatile comparisons are retried a few times (the machine runs other work between readings).
set -u
bin=$1
command -v numastat >/dev/null ||
  { echo "skipped: numastat (the numactl package) is not installed; scripts/bootstrap.sh installs it"; exit 77; }
command -v python3 >/dev/null || { echo "skipped: no python3"; exit 77; }
[ -d /sys/devices/system/node/node0 ] || { echo "skipped: no /sys/devices/system/node/node0"; exit 77; }
fail=0
export NUMASTAT_WIDTH=10000000 # numastat: never fold (vmlab does not, off a terminal)

# between NAME... : for each table row, vmlab's figure lies between the two numastat readings
# (files a b v: "label fig fig ..." lines); prints the first row that does not.
between() {
  python3 - "$@" <<'EOF'
import sys
def table(path):
    t = {}
    for line in open(path):
        f = line.split()
        if len(f) >= 2 and not line.startswith(" ") and not f[0].startswith("-"):
            try:
                t[f[0]] = [float(x) for x in f[1:]]
            except ValueError:
                pass
    return t
a, b, v = (table(p) for p in sys.argv[1:4])
exact = set(sys.argv[4].split(",")) if len(sys.argv) > 4 else set()
if not a or set(a) != set(b):
    print("numastat's two readings have different rows"); sys.exit(1)
for k in a:
    if k not in v:
        print("vmlab has no row %s" % k); sys.exit(1)
    for x, y, z in zip(a[k], b[k], v[k]):
        lo, hi = min(x, y), max(x, y)
        if (k in exact and not x == y == z) or not lo <= z <= hi:
            print("%s: vmlab %s, numastat %s then %s" % (k, z, x, y)); sys.exit(1)
EOF
}
tmp=$(mktemp -d); trap 'kill $pids 2>/dev/null; rm -rf "$tmp"' EXIT
compare() { # WHAT EXACT ARGS...: up to 5 tries of numastat, vmlab, numastat
  local what=$1 exact=$2 why=; shift 2
  for try in 1 2 3 4 5; do
    numastat "$@" >"$tmp/a" 2>"$tmp/err" && "$bin" numastat "$@" >"$tmp/v" &&
      numastat "$@" >"$tmp/b" 2>>"$tmp/err" || { echo "$what: a tool failed"; fail=1; return; }
    why=$(between "$tmp/a" "$tmp/b" "$tmp/v" "$exact") && return
  done
  echo "$what: $why"; cat "$tmp/a" "$tmp/v"; fail=1
}
compare "counters" ""
compare "-n" ""
compare "-m" "MemTotal,HugePages_Total,HugePages_Surp"
# vmlab shows every line of nodeN/meminfo; numastat the ones of its list, naming the others.
"$bin" numastat -m >"$tmp/v"; numastat -m >"$tmp/a" 2>&1
extra=$(comm -23 <(awk 'NR > 4 {print $1}' "$tmp/v" | sort) <(awk 'NR > 4 {print $1}' "$tmp/a" | sort))
tokens=$(sed -n 's/^Token \(.*\) not in hash table\.$/\1/p' "$tmp/a" | sort)
[ "$extra" = "$tokens" ] ||
  { echo "-m: vmlab's extra lines ($(echo $extra)) are not numastat's unknown tokens ($(echo $tokens))"; fail=1; }

# Processes of known memory that then sleep: sleep itself, and python with 48 MiB written.
mark="vmlab-numastat-test-$$"
(exec -a "$mark-sleep" sleep 1000) & # argv[0] carries the mark: a pattern finds it
pids=$!
python3 -c 'import sys, time
b = bytearray(48 << 20)
for i in range(0, len(b), 4096): b[i] = 1
print("ready", flush=True); time.sleep(1000)' "$mark" >"$tmp/ready" &
pids="$pids $!"; py=$!
for i in $(seq 50); do grep -q ready "$tmp/ready" && break; sleep 0.1; done
sleep 0.5 # let the interpreter settle after its print
for p in $pids; do
  for opt in "" "-c" "-z"; do
    want=$(numastat $opt -p "$p"); got=$("$bin" numastat $opt -p "$p")
    [ "$got" = "$want" ] || { echo "-p $p $opt: vmlab"; echo "$got"; echo "numastat"; echo "$want"; fail=1; }
  done
done
# A pattern both command lines hold: one row each, then a Total.
want=$(numastat -p "$mark"); got=$("$bin" numastat -p "$mark")
[ "$got" = "$want" ] || { echo "-p PATTERN: vmlab"; echo "$got"; echo "numastat"; echo "$want"; fail=1; }
[ "$(printf '%s\n' "$got" | grep -c "^[0-9]")" = 2 ] || { echo "-p PATTERN: not 2 rows:"; echo "$got"; fail=1; }
# ps --numa: the python process's node 0 column is numastat's Total for it (MiB, 2 decimals).
total=$(numastat -p "$py" | awk '$1 == "Total" {print $(NF)}')
n0=$("$bin" ps --numa --pid "$py" --csv | python3 -c '
import csv, sys
r = list(csv.DictReader(sys.stdin))
print(r[0]["N0"] if len(r) == 1 else "")')
python3 -c 'import sys; t, n = float(sys.argv[1]), int(sys.argv[2]) / 1048576
sys.exit(0 if abs(t - n) <= 0.005 else 1)' "$total" "${n0:-0}" ||
  { echo "ps --numa: N0 $n0 bytes, numastat's Total $total MiB"; fail=1; }
# A process that has exited: numastat prints an empty table (exit 0), vmlab an error.
sh -c 'exit 0' & gone=$!; wait $gone
if [ ! -d /proc/$gone ]; then
  "$bin" numastat -p $gone >/dev/null 2>"$tmp/e"; rc=$?
  [ $rc = 1 ] && grep -q "no such process" "$tmp/e" ||
    { echo "-p $gone (exited): exit $rc, $(cat "$tmp/e")"; fail=1; }
fi
exit $fail
