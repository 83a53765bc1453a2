#!/usr/bin/env bash
# Runs a libFuzzer binary briefly from its corpus (a copy, so the checked-in corpus is not
# touched). Exit 77 (skip) when the fuzz preset has not been built. libFuzzer's own exit status
# for a crash is 77 too, which ctest would take for a skip: -error_exitcode=1 makes it a failure.
# A crash's input is written to the working directory, and its report shown in full.
set -u
bin=$1; corpus=$2
[ -x "$bin" ] || { echo "fuzz binary $bin not built (cmake --build --preset fuzz); skipping"; exit 77; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp -r "$corpus"/. "$work/corpus"/
"$bin" -runs="${FUZZ_RUNS:-20000}" -seed=1 -max_len=4096 -error_exitcode=1 \
  -artifact_prefix="$PWD/" "$work/corpus" >"$work/log" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then tail -n 3 "$work/log"; else tail -n 60 "$work/log"; fi
exit "$rc"
