#!/usr/bin/env bash
# tour.sh: what `make run` shows: a few example scenarios, each with its explanation (the
# comment at its top), the scenario itself, and what vmlab prints when it runs it.
# Usage: tour.sh VMLAB [EXAMPLE...]   (default: a selection from examples/)
set -euo pipefail
bin=$1; shift
cd "$(dirname "$0")/../examples"
list=("$@")
[ ${#list[@]} -gt 0 ] || list=(01-malloc-vsz-rss.vml 03-cow-after-fork.vml 04-rss-pss-uss.vml
                               05-shared-library.vml 07-page-table-overhead.vml
                               19-thp-munmap-4k.vml 20-defrag-stall.vml 30-oom-killer.vml)
for scn in "${list[@]}"; do
  echo "================================================================================"
  echo "examples/$scn"
  echo "================================================================================"
  sed -n '/^#/!q;s/^# \{0,1\}//p' "$scn"
  echo
  echo "\$ cat examples/$scn"
  grep -v '^#' "$scn"
  echo
  echo "\$ vmlab run examples/$scn --summary"
  "$bin" run "$scn" --summary
  echo
done
echo "================================================================================"
echo "Trace replay: the same million random reads over 1 GiB with 4 KiB, 2 MiB and 1 GiB pages"
echo "================================================================================"
for pages in 4k 2m 1g; do
  echo "\$ vmlab replay gen:random:footprint=1G,count=1M --pages $pages | grep -E ' 4K  | STLB|cycles|tables'"
  "$bin" replay gen:random:footprint=1G,count=1M --pages "$pages" | grep -E ' 4K  | STLB|cycles|tables'
done
echo "Transparent huge pages instead: each first write of a 2 MiB range faults in a THP"
echo "\$ vmlab replay gen:random:footprint=1G,count=1M,writes=100% --thp always | grep -E ' 4K  | STLB|cycles|resident|THP \('"
"$bin" replay gen:random:footprint=1G,count=1M,writes=100% --thp always |
  grep -E ' 4K  | STLB|cycles|resident|THP \('
echo
echo "================================================================================"
echo "Page replacement: Belady's anomaly, FIFO missing more with 4 frames than with 3"
echo "================================================================================"
echo "\$ vmlab policy -a 1,2,3,4,1,2,5,1,2,3,4,5 --curve 3..4 --policy fifo,lru,opt"
"$bin" policy -a 1,2,3,4,1,2,5,1,2,3,4,5 --curve 3..4 --policy fifo,lru,opt
echo "Exercises with worked answers: vmlab learn --seed 1 -c (docs/learn.md, docs/policy.md)."
echo
echo "All $(ls *.vml | wc -l) examples: examples/*.vml (vmlab run FILE; docs/scenario.md)."
echo "Traces: vmlab replay --help, vmlab trace --help, docs/trace-format.md."
