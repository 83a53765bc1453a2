#!/usr/bin/env bash
# Runs a libFuzzer binary briefly from its corpus (a copy, so the checked-in corpus is not
# touched). Exit 77 (skip) when the fuzz preset has not been built.
set -u
bin=$1; corpus=$2
[ -x "$bin" ] || { echo "fuzz binary $bin not built (cmake --build --preset fuzz); skipping"; exit 77; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp -r "$corpus"/. "$work"/
"$bin" -runs="${FUZZ_RUNS:-20000}" -seed=1 -max_len=4096 "$work" 2>&1 | tail -n 3
exit "${PIPESTATUS[0]}"
