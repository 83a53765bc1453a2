#!/bin/bash
# bench_champsim.sh VMLAB [CHAMPSIM]: vmlab's replay against ChampSim on the same access stream
# (make bench; docs/champsim.md). The stream is random reads over 8 MiB, written as a ChampSim
# trace by vmlab's converter; ChampSim runs it with its default configuration, vmlab replays
# the same records with ChampSim's TLB geometry. Reports each one's records per second of its
# own CPU time (user + system, so that a shared machine's waiting is left out) and the ratio.
# Skipped, saying so, when no ChampSim binary is found (CHAMPSIM, $VMLAB_CHAMPSIM, or
# build/champsim/bin/champsim).
set -u
vmlab=$1
root=$(cd "$(dirname "$0")/.." && pwd)
cs=${2:-${VMLAB_CHAMPSIM:-$root/build/champsim/bin/champsim}}
if [ ! -x "$cs" ]; then
    echo "bench_champsim: skipped: no ChampSim binary at $cs (docs/champsim.md)"
    exit 0
fi
N=${N:-80000} # records; 4 reads a ChampSim instruction
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gen=gen:random:base=0x7f0000000000,footprint=8M,count=$N,seed=1
cpu='skylake:l1d.all=none,l1d.4k=64x4,stlb.all=none,stlb.4k=1536x12'
"$vmlab" trace convert "$gen" "$tmp/t.champsim" --quiet 2>/dev/null || exit 1
"$vmlab" trace convert "$gen" "$tmp/t.vml" --quiet 2>/dev/null || exit 1
instrs=$((N / 4 - 512))
cputime() { # seconds of user + system time of the command
    /usr/bin/time -f '%U %S' -o "$tmp/time" "$@" >/dev/null 2>&1 || return 1
    awk '{ print $1 + $2 }' "$tmp/time"
}
# vmlab 100 times over (a single replay is too short for the clock), its time divided by 100.
tv=$(cputime bash -c 'for i in $(seq 100); do "$0" replay "$1" --cpu "$2" --limit "$3" --quiet ||
    exit 1; done' "$vmlab" "$tmp/t.vml" "$cpu" $((instrs * 4))) || exit 1
tv=$(awk -v t="$tv" 'BEGIN { print t / 100 }')
tc=$(cputime "$cs" --warmup-instructions 0 --simulation-instructions "$instrs" --hide-heartbeat \
    "$tmp/t.champsim") || { echo "bench_champsim: ChampSim failed"; exit 1; }
awk -v n=$((instrs * 4)) -v tv="$tv" -v tc="$tc" 'BEGIN {
    printf "vmlab vs ChampSim, random reads over 8 MiB, %d records (CPU time)\n", n
    printf "  vmlab     %10.0f records/s (%.2f s)\n", n / tv, tv
    printf "  ChampSim  %10.0f records/s (%.2f s)\n", n / tc, tc
    printf "  ratio     %10.0fx\n", tc / tv }'
