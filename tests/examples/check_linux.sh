#!/usr/bin/env bash
# Runs one example scenario on this machine's kernel (vmlab run --on linux): every expect must
# hold (exit status 0). Expects the Linux backend cannot hold to the scenario's figure (fields
# of the whole machine, high-water marks) are reported as not checked, with the reason, and do
# not fail; the reasons are printed here. An example needing something of the machine says so
# in a line "# requires: ..." (tests/fidelity/requires.sh); when the machine lacks it, the test
# is skipped (77) and the reason printed.
# Usage: check_linux.sh VMLAB EXAMPLE.vml
set -u
bin=$1; scn=$2
. "$(dirname "$0")/../fidelity/requires.sh"
requires run "$bin" "$scn"; rc=$?
[ "$rc" = 0 ] || exit "$rc"
err=$(mktemp); trap 'rm -f "$err"' EXIT
# From the example's directory, so that relative trace files resolve and messages are stable.
(cd "$(dirname "$scn")" && "$bin" run --on linux "$(basename "$scn")") >/dev/null 2>"$err"
rc=$?
cat "$err"
if [ "$rc" != 0 ]; then echo "exit status $rc, want 0 (every expect holding)"; exit 1; fi
exit 0
