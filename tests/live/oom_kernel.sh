#!/usr/bin/env bash
# oom_kernel.sh VMLAB: vmlab oom's formula against this machine's kernel. Processes of several
# sizes get several oom_score_adj values; for each, vmlab oom's Computed must equal the kernel's
# /proc/PID/oom_score exactly. Negative values need CAP_SYS_RESOURCE: without it those cases
# are left out and, the others having passed, the test says so and exits 77 (skipped). The
# kernel's score is read before and after vmlab's scan, with VmRSS, VmSwap and VmPTE; a round
# where any of them moved between the two reads is repeated (the figures must be the ones
# vmlab saw).
set -u
bin=$1
command -v python3 >/dev/null || { echo "oom_kernel: no python3; skipping"; exit 77; }
pids=(); skipped=0
# Called before each exit (no EXIT trap: bash's subshells, $(...) ones included, would run it
# and kill the processes under test).
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
# size in MiB : oom_score_adj. The scores differ by more than rounding: one point of
# badness*1000/totalpages is totalpages/1000 pages (a 24 GiB machine: about 24 MiB).
cases="8:0 64:-300 200:0 200:500 400:-900 600:999 1:-999"
for c in $cases; do
  mb=${c%%:*}; adj=${c##*:}
  # Touched bytes (b'x' * n writes them), then a sleep until killed.
  python3 -c "import time; b = b'x' * ($mb << 20); time.sleep(600)" &
  p=$!
  if ! echo "$adj" > "/proc/$p/oom_score_adj" 2>/dev/null; then
    echo "oom_kernel: cannot set oom_score_adj $adj (needs CAP_SYS_RESOURCE): case ${mb} MiB left out"
    kill "$p"; skipped=1; continue
  fi
  pids+=("$p")
done
# Until every process has touched its bytes (its VmRSS stops growing).
for p in "${pids[@]}"; do
  last=-1
  for _ in $(seq 100); do
    r=$(awk '/^VmRSS:/{print $2}' "/proc/$p/status")
    [ "$r" = "$last" ] && break
    last=$r; sleep 0.1
  done
done
figures() { # PID: oom_score and the status lines it is made of
  echo "$(cat "/proc/$1/oom_score") $(grep -E '^(VmRSS|VmSwap|VmPTE):' "/proc/$1/status" | tr -s ' \t' ' ')"
}
fail=0
for p in "${pids[@]}"; do
  ok=0
  if [ ! -d "/proc/$p" ]; then echo "pid $p: exited before it was checked"; fail=1; continue; fi
  for round in $(seq 20); do
    before=$(figures "$p")
    got=$("$bin" oom --csv | tr -d '\r' | awk -F, -v p="$p" '$1 == p {print $8}')
    after=$(figures "$p")
    [ "$before" = "$after" ] || continue # it changed while vmlab read it: again
    want=${before%% *}
    if [ "$got" = "$want" ]; then
      ok=1
    else
      echo "pid $p (adj $(cat /proc/$p/oom_score_adj)): vmlab computes $got, the kernel says $want ($before)"
    fi
    break
  done
  [ $ok = 1 ] || fail=1
  echo "pid $p adj $(cat /proc/$p/oom_score_adj): oom_score $(cat /proc/$p/oom_score), vmlab $got"
done
cleanup
[ $fail = 0 ] && [ $skipped = 1 ] && { echo "oom_kernel: negative oom_score_adj not checked: skipped"; exit 77; }
exit $fail
