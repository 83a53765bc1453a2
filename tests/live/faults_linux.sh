#!/usr/bin/env bash
# faults_linux.sh VMLAB: `show P faults` on the Linux backend times the faults of the process's
# accesses on this kernel. A process writes 256 pages of a MADV_NOHUGEPAGE region (256 faults
# of 4 KiB) and then 2 MiB of a region it reads first (one more fault each way): every fault of
# a touch is timed, so the histogram holds at least the 256 + 1 the scenario asks for (the
# agent's own faults, if any, are counted but not timed), the mean lies between the smallest
# bucket's floor and the maximum, and Faults is the getrusage count the agent reports. The
# latency lines are measured, not modelled: expects on them are reported as not checked.
set -u
bin=$1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "faults_linux: $*"; fail=1; }
cat >"$tmp/s.vml" <<'SCN'
proc a
a mmap buf 8M anon private rw
a madvise buf nohugepage
a touch buf[0:1M] write
a mmap r 2M anon private rw
a madvise r nohugepage
a touch r[0:4K] write
expect a faults Latency_max_ns > 0
show a faults
SCN
out=$("$bin" run --on linux "$tmp/s.vml" 2>"$tmp/err"); rc=$?
[ $rc = 0 ] || bad "run --on linux exited $rc: $(cat "$tmp/err")"
grep -q "expect not checked on linux: a faults Latency_max_ns: " "$tmp/err" ||
  bad "the latency expect was not reported as not checked: $(cat "$tmp/err")"
field() { printf '%s\n' "$out" | sed -n "s/^$1:\t//p"; }
faults=$(field Faults); mean=$(field Latency_mean_ns); max=$(field Latency_max_ns)
timed=$(printf '%s\n' "$out" | awk -F'\t' '/^  .* \.\. /{n += $2} END {print n + 0}')
[ -n "$faults" ] && [ "$faults" -ge 257 ] || bad "Faults '$faults', want at least 257: $out"
[ "$timed" -ge 257 ] && [ "$timed" -le "$faults" ] ||
  bad "$timed faults timed, want 257..$faults: $out"
[ -n "$mean" ] && [ "$mean" -ge 500 ] && [ "$mean" -le "$max" ] ||
  bad "mean $mean ns, max $max ns: want 500 <= mean <= max: $out"
printf '%s\n' "$out" | grep -q '^# measured: ' || bad "no note saying the figures are measured: $out"
# On the simulator the same file is the model's: 257 faults of 5,250 + 3,750 + 209 ns each.
out=$("$bin" run "$tmp/s.vml" 2>&1) || bad "the simulator's run failed: $out"
[ "$(field Latency_total_ns)" = $((257 * 9209)) ] || bad "simulated total: $out"
exit $fail
