#!/usr/bin/env bash
# make fuzz: runs every libFuzzer harness for N seconds, growing a scratch copy of its corpus.
# New interesting inputs are left in build/fuzz/corpus-NAME for a human to review and add.
set -eu
dir=$1; secs=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
for bin in "$dir"/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin"); short=${name#fuzz_}
  work="$dir/corpus-$short"; mkdir -p "$work"
  cp -rn "$top/tests/fuzz/corpus/$short"/. "$work"/ 2>/dev/null || true
  echo "== $name for ${secs}s"
  "$bin" -max_total_time="$secs" -max_len=4096 "$work"
done
