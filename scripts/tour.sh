#!/usr/bin/env bash
# tour.sh: what `make run` shows, kept short: a few example scenarios, each run with the
# command printed as it can be pasted (from the repository's top directory), then trace replay
# and page replacement, and at the end the explorer page (vmlab run --html) it wrote.
# Usage: tour.sh VMLAB [EXAMPLE...]   (default: a selection from examples/)
set -euo pipefail
bin=$1; shift
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# The tool as a pasted command names it: relative to the top directory when it is below it.
vm=$bin
case $bin in "$top"/*) vm=${bin#"$top"/} ;; esac
list=("$@")
[ ${#list[@]} -gt 0 ] || list=(01-malloc-vsz-rss.vml 03-cow-after-fork.vml 04-rss-pss-uss.vml
                               19-thp-munmap-4k.vml 30-oom-killer.vml)
rule() { echo "== $* =="; }

# Each operation in one line (--explain=brief) and smem's columns at the end (--summary); the
# /proc files the scenarios show are left out here.
for scn in "${list[@]}"; do
  rule "examples/$scn: $(sed -n '1s/^# \{0,1\}//p' "examples/$scn")"
  echo "\$ $vm run examples/$scn --explain=brief --summary | grep -E '^--|^ +[0-9]+ '"
  "$bin" run "examples/$scn" --explain=brief --summary | grep -E '^--|^ +[0-9]+ ' || true
  echo
done

rule "Step by step: what each fault of the copy-on-write example did"
echo "\$ $vm run examples/03-cow-after-fork.vml --explain | grep -A3 'child touch'"
"$bin" run examples/03-cow-after-fork.vml --explain | grep -A3 'child touch'
echo

rule "Trace replay: a million random reads over 1 GiB, 4 KiB pages against 2 MiB pages"
for pages in 4k 2m; do
  echo "\$ $vm replay gen:random:footprint=1G,count=1M --pages $pages | grep -E 'STLB|cycles'"
  "$bin" replay gen:random:footprint=1G,count=1M --pages "$pages" | grep -E 'STLB|cycles'
done
echo

rule "Page replacement: Belady's anomaly, FIFO missing more with 4 frames than with 3"
echo "\$ $vm policy -a 1,2,3,4,1,2,5,1,2,3,4,5 --curve 3..4 --policy fifo,lru,opt"
"$bin" policy -a 1,2,3,4,1,2,5,1,2,3,4,5 --curve 3..4 --policy fifo,lru,opt
echo

page=build/explorer-03-cow-after-fork.html
"$bin" run examples/03-cow-after-fork.vml --html "$page" >/dev/null
rule "More"
echo "All $(ls examples/*.vml | wc -l) examples: $vm run examples/NAME.vml [--explain] (docs/scenario.md, docs/explain.md)"
echo "Exercises with answers: $vm learn --seed 1 -c (docs/learn.md)"
echo "The explorer of examples/03 ($vm run examples/03-cow-after-fork.vml --html $page),"
echo "a step slider over the operations with page tables, TLBs and frames: open it in a browser:"
echo "  file://$top/$page"
