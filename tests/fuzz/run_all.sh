#!/usr/bin/env bash
# make fuzz, make fuzz-long: runs every libFuzzer harness of DIR for SECONDS each, one after
# the other, growing a scratch corpus per harness (DIR/corpus-NAME, seeded from
# tests/fuzz/corpus/NAME and kept between runs). With --merge (make fuzz-long) the scratch
# corpora are then merged into the seed corpora with libFuzzer's -merge=1, which adds only the
# units that reach new coverage, and the gain of each is printed; without it (make fuzz) they
# are left for a human to review.
#
# libFuzzer's own output goes to DIR/fuzz-logs/NAME.log; the terminal gets one progress line per
# harness (i of N, elapsed, coverage, corpus size, speed), redrawn in place on a terminal and
# every 30 s otherwise. A crash, leak, timeout or out-of-memory stops everything before any
# merge: exit 1, with the input's path (DIR/crashes/...) and the end of the report.
#
# Usage: run_all.sh [--merge] DIR SECONDS
set -u
merge=0
if [ "${1:-}" = --merge ]; then merge=1; shift; fi
[ $# = 2 ] || { echo "usage: $0 [--merge] DIR SECONDS" >&2; exit 2; }
case $2 in '' | *[!0-9]* | 0) echo "$0: SECONDS must be a positive integer, not '$2'" >&2; exit 2 ;; esac
dir=$(cd "$1" 2>/dev/null && pwd) || { echo "$0: no directory $1" >&2; exit 2; }
secs=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
# Inputs run in milliseconds: one that takes a minute is a hang, not a slow case.
flags=(-max_len=4096 -timeout=60 -error_exitcode=1 -timeout_exitcode=1)

bins=()
for bin in "$dir"/fuzz_*; do
  [ -f "$bin" ] && [ -x "$bin" ] && bins+=("$bin")
done
n=${#bins[@]}
[ "$n" -gt 0 ] || { echo "$0: no fuzz_* harness in $dir (cmake --build --preset fuzz)" >&2; exit 2; }
mkdir -p "$dir/fuzz-logs" "$dir/crashes"
tty=0; [ -t 1 ] && tty=1
count() { find "$1" -maxdepth 1 -type f | wc -l; }

pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; echo; echo "interrupted"; exit 130' INT TERM

# "cov 1234  corpus 56  789 exec/s" from the last status line of libFuzzer's log (read from
# the end: a dictionary follows it at exit).
stats() {
  tac "$1" 2>/dev/null | grep -a -m 1 '^#[0-9]' |
    sed -E 's/.*cov: ([0-9]+).*corp: ([0-9]+).*exec\/s: ([0-9]+).*/cov \1  corpus \2  \3 exec\/s/'
}

t=$((n * secs)); [ $t -ge 120 ] && t="$(((t + 59) / 60)) min" || t="$t s"
echo "fuzzing $n harnesses for $secs s each (about $t); logs in $dir/fuzz-logs"
i=0
for bin in "${bins[@]}"; do
  i=$((i + 1))
  name=$(basename "$bin"); short=${name#fuzz_}
  work="$dir/corpus-$short"; log="$dir/fuzz-logs/$short.log"
  mkdir -p "$work"
  cp -rn "$top/tests/fuzz/corpus/$short"/. "$work"/ 2>/dev/null || true
  start=$SECONDS; last=-30
  "$bin" -max_total_time="$secs" "${flags[@]}" -artifact_prefix="$dir/crashes/" "$work" \
    >"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    el=$((SECONDS - start))
    if [ $tty = 1 ]; then
      printf '\r\033[K[%d/%d] %s  %d/%d s  %s' "$i" "$n" "$name" "$el" "$secs" "$(stats "$log")"
    elif [ $((el - last)) -ge 30 ]; then
      printf '[%d/%d] %s  %d/%d s  %s\n' "$i" "$n" "$name" "$el" "$secs" "$(stats "$log")"
      last=$el
    fi
    sleep 1
  done
  wait "$pid"; rc=$?; pid=
  [ $tty = 1 ] && printf '\r\033[K'
  if [ "$rc" != 0 ]; then
    crash=$(grep -a -o 'Test unit written to .*' "$log" | tail -n 1 | sed 's/^Test unit written to //')
    echo "[$i/$n] $name FAILED after $((SECONDS - start)) s (exit $rc); the end of $log:"
    grep -a -v '^#[0-9]' "$log" | tail -n 30
    if [ -n "$crash" ]; then
      echo "crash input: $crash"
      echo "reproduce:   $bin $crash"
    fi
    echo "no corpus was merged; the scratch corpora stay in $dir/corpus-*"
    exit 1
  fi
  runs=$(grep -a -o '^Done [0-9]* runs' "$log" | grep -o '[0-9]*')
  printf '[%d/%d] %s  %d s  %s runs  %s\n' "$i" "$n" "$name" "$((SECONDS - start))" \
    "${runs:-?}" "$(stats "$log")"
done

[ $merge = 1 ] || { echo "new inputs are in $dir/corpus-* (make fuzz-long merges them)"; exit 0; }

echo "merging into tests/fuzz/corpus/ (only units that add coverage)"
total=0
for bin in "${bins[@]}"; do
  name=$(basename "$bin"); short=${name#fuzz_}
  seeds="$top/tests/fuzz/corpus/$short"; log="$dir/fuzz-logs/$short.merge.log"
  mkdir -p "$seeds"
  before=$(count "$seeds")
  if ! "$bin" -merge=1 "${flags[@]}" -artifact_prefix="$dir/crashes/" "$seeds" \
    "$dir/corpus-$short" >"$log" 2>&1; then
    echo "$name: the merge failed; the end of $log:"
    tail -n 30 "$log"
    exit 1
  fi
  gained=$(($(count "$seeds") - before))
  total=$((total + gained))
  edges=$(grep -a -o '[0-9]* new coverage edges' "$log" | tail -n 1 | grep -o '^[0-9]*')
  printf '  %-14s +%d units (%d in all), %d new coverage edges\n' "$short" "$gained" \
    "$((before + gained))" "${edges:-0}"
done
echo "$total new units in tests/fuzz/corpus/ (review them with git status before committing)"
