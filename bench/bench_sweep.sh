#!/usr/bin/env bash
# bench_sweep.sh VMLAB: a local sweep of 16 points against the same 16 replays run one after the
# other, in the same run; medians of 3. Target (issue 18): the sweep takes at most 0.6 of the
# sequential time on 2 cores (it runs one replay per online CPU).
set -eu
bin=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/grid.spec" <<'S'
trace gen:random:footprint=512M,count=1M,seed=1 gen:zipf:footprint=512M,count=1M,seed=2
cpu   skylake zen4 icelake zen3
pages 4k thp:always
S
now() { date +%s.%N; }
seq_t=(); sw_t=()
for r in 1 2 3; do
  t0=$(now)
  for t in gen:random:footprint=512M,count=1M,seed=1 gen:zipf:footprint=512M,count=1M,seed=2; do
    for c in skylake zen4 icelake zen3; do
      for pg in "--pages 4k" "--thp always"; do
        "$bin" replay "$t" --cpu "$c" $pg --paging 4 --json > /dev/null
      done
    done
  done
  t1=$(now)
  rm -rf "$tmp/out"
  "$bin" sweep "$tmp/grid.spec" -o "$tmp/out" --quiet 2> /dev/null
  t2=$(now)
  seq_t+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
  sw_t+=("$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')")
done
med() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
s=$(med "${seq_t[@]}"); w=$(med "${sw_t[@]}")
ratio=$(awk -v w="$w" -v s="$s" 'BEGIN { printf "%.3f", w / s }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 0.6) }')
printf '\nvmlab bench_sweep: 16 points, %s CPUs, median of 3\n' "$(nproc)"
printf '%-28s %8.2f s\n' "16 replays one by one" "$s" "sweep (one job per CPU)" "$w"
printf '%-28s %8.2fx   target <= 0.60  %s\n' "sweep / sequential" "$ratio" \
  "$([ "$verdict" = 1 ] && echo met || echo 'NOT MET')"
