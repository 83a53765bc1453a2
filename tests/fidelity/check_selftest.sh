#!/usr/bin/env bash
# check_selftest.sh: check.sh's retry rule on a stand-in for vmlab that prints set diff
# outputs: differing rows only in the per-operation meminfo section (Committed_AS included),
# or an operation's fault count off by one, are retried (up to 3 runs in all, passing on the
# first "same"); any other differing row (an oom_kill count too) fails at the first run.
# Usage: check_selftest.sh CHECK.SH
set -u
check=$1
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
printf 'machine ram=1G\n' >"$dir/s.vml"
meminfo='operation at line 5: p touch buf
    AnonPages                   0            8            8 kB   <-- differs
s.vml: DIFFERS: 5 fields compared, 1 differ'
status='process p (simulated pid 1000, linux pid 2): alive
  status, change since the process was created
    VmRSS                       0            8            8 kB   <-- differs
operation at line 5: p touch buf
    AnonPages                   0            8            8 kB   <-- differs
s.vml: DIFFERS: 5 fields compared, 2 differ'
commit='operation at line 5: p mmap buf
    Committed_AS                0          132          132 kB   <-- differs
s.vml: DIFFERS: 5 fields compared, 1 differ'
oomkill='operation at line 5: p touch buf
    oom_kill                    1            2            1    <-- differs
s.vml: DIFFERS: 5 fields compared, 1 differ'
faults='operation at line 5: p touch buf
    minor faults                0            1            1    <-- differs
s.vml: DIFFERS: 5 fields compared, 1 differ'
faults2='operation at line 5: p touch buf
    major faults              514          516            2    <-- differs
s.vml: DIFFERS: 5 fields compared, 1 differ'
# fake OUTPUT FAILS: a vmlab whose diff prints OUTPUT and fails FAILS times, then says same.
fake() {
  printf '%s\n' "$1" >"$dir/out"
  cat >"$dir/vmlab" <<EOS
#!/usr/bin/env bash
n=\$(cat "$dir/n" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n >"$dir/n"
if [ \$n -le $2 ]; then cat "$dir/out"; exit 1; fi
echo "s.vml: same: 5 fields compared, 0 differ"
EOS
  chmod +x "$dir/vmlab"; rm -f "$dir/n"
}
fail=0
# expect CASE WANT_RC WANT_RUNS
expect() {
  "$check" "$dir/vmlab" "$dir/s.vml" >"$dir/log" 2>&1; rc=$?
  runs=$(cat "$dir/n")
  if [ "$rc" != "$2" ] || [ "$runs" != "$3" ]; then
    echo "$1: exit $rc after $runs runs, want exit $2 after $3 runs:"; cat "$dir/log"; fail=1
  fi
}
fake "$meminfo" 2; expect "meminfo twice, then same" 0 3
fake "$meminfo" 3; expect "meminfo three times" 1 3
fake "$status" 1;  expect "a status row with meminfo" 1 1
fake "$faults" 1;  expect "a fault count off by one, then same" 0 2
fake "$faults" 3;  expect "a fault count off by one three times" 1 3
fake "$faults2" 1; expect "a fault count off by two" 1 1
fake "$commit" 2;  expect "Committed_AS twice, then same" 0 3
fake "$commit" 3;  expect "Committed_AS three times" 1 3
fake "$oomkill" 1; expect "an oom_kill count" 1 1
fake "$meminfo" 0; expect "same at once" 0 1
exit $fail
