#!/usr/bin/env bash
# bench_ps.sh: vmlab ps against smem and against a plain read of every smaps_rollup (the
# kernel's own cost), with about 1,000 idle processes running (make bench).
# Medians of RUNS timings each; prints the ratios and checks that PSS and USS totals over the
# idle processes equal smem's (vmlab ps --per-mapping adds up smaps as smem does; the default
# reads smaps_rollup, which the kernel rounds once rather than per mapping).
# Usage: bench_ps.sh VMLAB [PROCESSES] [RUNS]
set -u
bin=$1; nproc_idle=${2:-1000}; runs=${3:-5}
command -v smem >/dev/null || { echo "bench_ps: smem is not installed (scripts/bootstrap.sh)"; exit 1; }
pids=()
snap=$(mktemp -d)
cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$snap"; }
trap cleanup EXIT
for ((i = 0; i < nproc_idle; i++)); do sleep 100000 & pids+=($!); done
sleep 1

# Microseconds from bash's own clock: timing with $(date) would add a fork and exec of date
# (about 7 ms on the project VM) to every measurement and pull the ratios towards 1.
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
time_it() { # CMD... -> milliseconds, median of $runs
  for ((r = 0; r < runs; r++)); do
    local t0=${EPOCHREALTIME/[.,]/}; "$@" >/dev/null 2>&1; local t1=${EPOCHREALTIME/[.,]/}
    echo $(( (t1 - t0) / 1000 ))
  done | median
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }
plain() { cat /proc/[0-9]*/smaps_rollup >/dev/null 2>&1; }

n=$(ls -d /proc/[0-9]* | wc -l)
t_plain=$(time_it plain)
# As the commands are typed: both print one row per process (PID, user, command, swap, USS,
# PSS, RSS and more for vmlab) and a totals row.
t_vmlab=$(time_it "$bin" ps)
t_vmlab_pm=$(time_it "$bin" ps --per-mapping)
t_smem=$(time_it smem -t)
printf 'vmlab bench_ps: %d processes (%d idle sleep), median of %d runs, milliseconds\n' "$n" "$nproc_idle" "$runs"
printf '  plain read of every smaps_rollup  %6s ms\n' "$t_plain"
printf '  vmlab ps                          %6s ms   %.2fx the plain read (target <= 1.3x)\n' "$t_vmlab" "$(div "$t_vmlab" "$t_plain")"
printf '  vmlab ps --per-mapping            %6s ms\n' "$t_vmlab_pm"
printf '  smem -t                           %6s ms   vmlab ps is %.1fx faster (target >= 8x)\n' "$t_smem" "$(div "$t_smem" "$t_vmlab")"

# Totals over the idle processes: vmlab (bytes) vs smem (kB), from SOURCE (a /proc).
totals() { # [DIR] (a copy holding DIR/proc; none: the live /proc) -> "vmlab_pss vmlab_uss
  local v s vsrc=() ssrc=() # smem_pss smem_uss" in kB
  if [ $# -gt 0 ]; then vsrc=(--proc "$1/proc"); ssrc=(-S "$1"); fi
  v=$("$bin" ps "${vsrc[@]}" --csv --per-mapping --command 'sleep 100000' |
    awk -F, 'NR > 1 {p += $5; u += $6} END {printf "%d %d\n", p / 1024, u / 1024}')
  s=$(smem "${ssrc[@]}" -P "^sleep 100000" -c "pid pss uss" -t | tail -n 1 | awk '{print $2, $3}')
  echo "$v $s"
}
verdict() { [ "$1" = "$3" ] && [ "$2" = "$4" ] && echo equal || echo DIFFERENT; }
# Both read one snapshot of the idle processes' files: live, a shared page's PSS moves whenever
# a process mapping it starts or exits (the tools themselves, between the two reads).
files=(/proc/meminfo /proc/version) # smem reads them too
for p in "${pids[@]}"; do
  for f in smaps smaps_rollup status statm stat cmdline comm oom_score oom_score_adj; do
    files+=("/proc/$p/$f")
  done
done
cp --parents "${files[@]}" "$snap" 2>/dev/null
read -r a b c d < <(totals "$snap")
printf '  idle processes: PSS %s kB, USS %s kB (vmlab --per-mapping); smem %s kB, %s kB: %s\n' \
  "$a" "$b" "$c" "$d" "$(verdict "$a" "$b" "$c" "$d")"
read -r a b c d < <(totals)
printf '  (the same live, read a moment apart: vmlab %s / %s kB, smem %s / %s kB: %s)\n' \
  "$a" "$b" "$c" "$d" "$(verdict "$a" "$b" "$c" "$d")"
read -r r_pss < <("$bin" ps --csv --command 'sleep 100000' |
  awk -F, 'NR > 1 {p += $5} END {printf "%d\n", p / 1024}')
printf '  (smaps_rollup PSS, rounded once per process: %s kB)\n' "$r_pss"
