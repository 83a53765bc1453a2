#!/usr/bin/env bash
# Runs one CLI case: BASE.cmd (arguments, one line, shell words), BASE.out (exact stdout),
# BASE.err (optional grep -E pattern stderr must match), BASE.rc (exit status, default 0).
# BASE.cmd may name input files as $FIXTURES/... (tests/fixtures).
set -u
bin=$1; base=$2
FIXTURES=$(cd "$(dirname "$0")/../fixtures" && pwd)
args=$(cat "$base.cmd")
want_rc=0; [ -f "$base.rc" ] && want_rc=$(cat "$base.rc")
out=$(mktemp); err=$(mktemp); trap 'rm -f "$out" "$err"' EXIT
eval "\"$bin\" $args" >"$out" 2>"$err"
rc=$?
fail=0
if [ "$rc" != "$want_rc" ]; then echo "exit status $rc, want $want_rc"; fail=1; fi
if [ -f "$base.out" ] && ! diff -u "$base.out" "$out"; then echo "stdout differs (above)"; fail=1; fi
if [ -f "$base.err" ] && ! grep -Eq -- "$(cat "$base.err")" "$err"; then
  echo "stderr does not match /$(cat "$base.err")/:"; cat "$err"; fail=1
fi
if [ ! -f "$base.err" ] && [ -s "$err" ] && [ "$want_rc" = 0 ]; then echo "unexpected stderr:"; cat "$err"; fail=1; fi
exit $fail
