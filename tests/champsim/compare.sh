#!/bin/bash
# vmlab against ChampSim on the same access streams (docs/champsim.md): each stream is written
# as a ChampSim trace by vmlab's own converter, run through ChampSim's default configuration,
# and replayed by vmlab with ChampSim's TLB geometry (DTLB 64 entries 16 x 4, STLB 1536 entries
# 128 x 12, 4 KiB pages). The DTLB and STLB miss counts must agree within the tolerance
# docs/champsim.md states. vmlab's converter puts 4 reads in a ChampSim instruction; ChampSim
# runs INSTRS instructions, and may have executed the loads of up to ROB (352) instructions
# more when it stops: so ChampSim's count must lie between vmlab's over 4 x INSTRS records (lo)
# and over 4 x (INSTRS + 352) (hi), widened by TOL_PCT% of ChampSim's count plus 2 (the ITLB's
# own miss in the STLB, and rounding).
#
# Usage: compare.sh VMLAB [CHAMPSIM]. ChampSim is CHAMPSIM, else $VMLAB_CHAMPSIM, else
# build/champsim/bin/champsim under the source tree; without one the test exits 77 saying so.
set -u
vmlab=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
cs=${2:-${VMLAB_CHAMPSIM:-$root/build/champsim/bin/champsim}}
if [ ! -x "$cs" ]; then
    echo "champsim_compare: skipped: no ChampSim binary at $cs (set VMLAB_CHAMPSIM to one built"
    echo "  with ChampSim's default champsim_config.json; docs/champsim.md)"
    exit 77
fi
TOL_PCT=${TOL_PCT:-2} # percent of ChampSim's count: out-of-order fill timing (docs)
N=${N:-80000}         # records per stream (N / 4 ChampSim instructions)
MARGIN=500            # instructions of the trace ChampSim does not retire: its ROB is 352
ROB=352
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cpu='skylake:l1d.all=none,l1d.4k=64x4,stlb.all=none,stlb.4k=1536x12'
base=0x7f0000000000
streams=(
    "seq64:seq:base=$base,footprint=64M,count=$N,stride=64"
    "random8M:random:base=$base,footprint=8M,count=$N,seed=1"
    "random64M:random:base=$base,footprint=64M,count=$N,seed=2"
    "zipf64M:zipf:base=$base,footprint=64M,count=$N,s=0.99,seed=3"
)
fail=0
printf '%-10s %-5s %10s %10s %10s %8s\n' stream tlb "vmlab lo" "vmlab hi" champsim tol
for s in "${streams[@]}"; do
    name=${s%%:*}
    gen=gen:${s#*:}
    n=$((N / 4 - MARGIN))
    if ! "$vmlab" trace convert "$gen" "$tmp/$name.champsim" --quiet 2>"$tmp/conv.err"; then
        echo "FAIL $name: vmlab trace convert: $(cat "$tmp/conv.err")"
        fail=1
        continue
    fi
    if ! "$vmlab" replay "$gen" --cpu "$cpu" --limit $((4 * n)) --json --quiet >"$tmp/$name.lo" ||
        ! "$vmlab" replay "$gen" --cpu "$cpu" --limit $((4 * (n + ROB))) --json --quiet \
            >"$tmp/$name.hi"; then
        echo "FAIL $name: vmlab replay failed"
        fail=1
        continue
    fi
    if ! "$cs" --warmup-instructions 0 --simulation-instructions "$n" --hide-heartbeat \
        "$tmp/$name.champsim" >"$tmp/$name.cs" 2>&1; then
        echo "FAIL $name: ChampSim failed: $(tail -3 "$tmp/$name.cs")"
        fail=1
        continue
    fi
    for tlb in DTLB STLB; do
        key=$([ $tlb = DTLB ] && echo l1d || echo stlb)
        misses() {
            python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["report"]["tlb"][sys.argv[2]]["misses"]
print(sum(m.values()))' "$1" "$key"
        }
        lo=$(misses "$tmp/$name.lo")
        hi=$(misses "$tmp/$name.hi")
        # ChampSim counts an access to a page whose miss is still in flight as a miss and an
        # MSHR merge: the misses that went to the next level are MISS - MSHR_MERGE.
        c=$(awk -v t="cpu0_$tlb" '$1 == "cpu0->" t && $2 == "TOTAL" {
                for (i = 3; i <= NF; i++) { if ($i == "MISS:") m = $(i + 1); if ($i == "MSHR_MERGE:") g = $(i + 1) }
                print m - g }' "$tmp/$name.cs")
        if [ -z "$lo" ] || [ -z "$hi" ] || [ -z "$c" ]; then
            echo "FAIL $name $tlb: no count (vmlab '$lo' '$hi', ChampSim '$c')"
            fail=1
            continue
        fi
        tol=$((c * TOL_PCT / 100 + 2))
        printf '%-10s %-5s %10d %10d %10d %8d\n' "$name" "$tlb" "$lo" "$hi" "$c" "$tol"
        if [ "$c" -lt $((lo - tol)) ] || [ "$c" -gt $((hi + tol)) ]; then
            echo "FAIL $name $tlb: ChampSim $c outside vmlab's [$lo, $hi] +- $tol"
            fail=1
        fi
    done
done
[ $fail = 0 ] && echo "champsim_compare: all streams within tolerance"
exit $fail
