#!/usr/bin/env bash
# Runs one example scenario with the invariant checker on (--check) and compares its output
# with the golden file beside it: stdout exactly, exit status 0 (every expect held), no stderr.
# Usage: check_example.sh VMLAB EXAMPLE.vml   (golden: EXAMPLE.out; extra options for vmlab run,
# such as --summary, in EXAMPLE.args when present)
# UPDATE=1 rewrites the golden file instead (review the diff before committing it).
set -u
bin=$1; scn=$2; golden=${scn%.vml}.out
out=$(mktemp); err=$(mktemp); trap 'rm -f "$out" "$err"' EXIT
# Run from the example's directory so that the file name in messages is stable.
args=$(cat "${scn%.vml}.args" 2>/dev/null || true)
# shellcheck disable=SC2086 # the options are words
(cd "$(dirname "$scn")" && "$bin" run --check "$(basename "$scn")" $args) >"$out" 2>"$err"
rc=$?
if [ "${UPDATE:-0}" = 1 ]; then cp "$out" "$golden"; fi
fail=0
if [ "$rc" != 0 ]; then echo "exit status $rc, want 0"; fail=1; fi
if [ -s "$err" ]; then echo "unexpected stderr:"; cat "$err"; fail=1; fi
if ! diff -u "$golden" "$out"; then echo "stdout differs from $golden (above)"; fail=1; fi
exit $fail
