#!/usr/bin/env bash
# cgroup_scenario_linux.sh VMLAB: a scenario's memory cgroups on this machine's kernel, through
# vmlab run --on linux, as root (src/host/cgroups.c; docs/pressure.md, "Cgroup scenarios on
# Linux"). Expected:
#   - a process moved into box (memory.max 64M, memory.swap.max 0) that writes 100 MiB of
#     anonymous memory is killed by the OOM killer, box counts one OOM kill, the limit reads back
#     as 64 MiB, and a process outside box lives: the run exits 0 with every checked expect
#     holding, memory.current reported "not checked" (the per-CPU charge batches);
#   - on a v1 machine the limit is written as memory.limit_in_bytes and memory.memsw.limit_in_
#     bytes (the run's notes say so), and memory.high is refused naming v2;
#   - nothing of the run is left in the hierarchy (MOUNT/vmlab-run-PID) after it, after a run
#     that fails on a refused statement, and after SIGTERM (exit 143, its agents gone too);
#   - a tree a SIGKILLed vmlab would leave (vmlab-run-DEADPID/box/web) is removed by the next
#     run, and reported.
# Skips (77), naming the reason: not root, no memory controller, v2 without memory in the root's
# subtree_control, v1 without swap accounting (memory.swap.max 0 cannot be expressed).
set -u
bin=$1
[ "$(id -u)" = 0 ] || { echo "skipped: needs root (makes memory cgroups)"; exit 77; }
if grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
  grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
    { echo "skipped: cgroup v2 without memory in the root's subtree_control (not changed here)"; exit 77; }
  top=/sys/fs/cgroup; v=2
elif [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
  top=/sys/fs/cgroup/memory; v=1
  [ -f $top/memory.memsw.limit_in_bytes ] ||
    { echo "skipped: cgroup v1 without swap accounting (no memory.memsw.*)"; exit 77; }
else
  echo "skipped: no memory cgroup controller (v2 root without memory, no v1 hierarchy)"; exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "cgroup_scenario_linux: $*"; fail=1; }

# The OOM counter: v2's memory.events, v1's memory.oom_control (v1 has no memory.events).
if [ $v = 2 ]; then oom="cgroup box memory.events"; else oom="cgroup1 box memory.oom_control"; fi
cat > "$tmp/a.vml" <<EOF
machine ram=1G
proc outside
cgroup box
cgroup side
cgroup side/inner
set /sys/fs/cgroup/box/memory.max 64M
set /sys/fs/cgroup/box/memory.swap.max 0
proc web
web cgroup box
web mmap heap 100M anon private rw
web touch heap write
expect web killed by oom
expect $oom oom_kill == 1
expect cgroup box memory.max == 64M
expect cgroup box memory.current <= 64M
expect outside alive
show cgroup box memory.max
EOF
"$bin" run --on linux "$tmp/a.vml" > "$tmp/out" 2> "$tmp/err" &
pid=$!
wait $pid; rc=$?
[ $rc = 0 ] || { bad "the OOM scenario exited $rc:"; cat "$tmp/err"; }
grep -q "killed by SIGKILL: the OOM killer chose it" "$tmp/out" ||
  bad "no OOM kill reported: $(head -c 400 "$tmp/out")"
grep -qx 67108864 "$tmp/out" || bad "show cgroup box memory.max did not print 67108864"
grep -q "expect not checked on linux: cgroup box memory.current" "$tmp/err" ||
  bad "memory.current was not reported not checked: $(cat "$tmp/err")"
grep -q "1 of 5 expects not checked" "$tmp/err" || bad "want 1 of 5 expects not checked: $(tail -1 "$tmp/err")"
if [ $v = 1 ]; then
  grep -q "memory.swap.max of cgroup box is cgroup v1's memory.memsw.limit_in_bytes 67108864" \
    "$tmp/out" || bad "no note of the v1 translation of memory.swap.max"
fi
[ -e "$top/vmlab-run-$pid" ] && bad "$top/vmlab-run-$pid is left after the run"

# A run that fails after making its cgroups: v1 refuses memory.high; v2 refuses a child of a
# cgroup that holds a process (no internal processes).
if [ $v = 1 ]; then
  printf 'cgroup box\nset /sys/fs/cgroup/box/memory.high 32M\n' > "$tmp/b.vml"
else
  printf 'proc a\ncgroup box\na cgroup box\ncgroup box/inner\n' > "$tmp/b.vml"
fi
"$bin" run --on linux "$tmp/b.vml" > "$tmp/out" 2> "$tmp/err" &
pid=$!
wait $pid; rc=$?
[ $rc != 0 ] || bad "the refused statement did not fail the run"
if [ $v = 1 ]; then
  grep -q "memory.high.*needs a cgroup v2 machine" "$tmp/err" ||
    bad "memory.high on v1: $(cat "$tmp/err")"
else
  grep -q "EBUSY" "$tmp/err" || bad "a child of a cgroup with a process on v2: $(cat "$tmp/err")"
fi
[ -e "$top/vmlab-run-$pid" ] && bad "$top/vmlab-run-$pid is left after a failed run"

# SIGTERM while an agent sits in box.
printf 'proc a\ncgroup box\na cgroup box\nwait 60s\n' > "$tmp/c.vml"
"$bin" run --on linux "$tmp/c.vml" > "$tmp/out" 2> "$tmp/err" &
pid=$!
# (cgroup files have no size: read them)
for _ in $(seq 100); do grep -q . "$top/vmlab-run-$pid/box/cgroup.procs" 2>/dev/null && break; sleep 0.1; done
agent=$(head -1 "$top/vmlab-run-$pid/box/cgroup.procs" 2>/dev/null)
[ -n "$agent" ] || bad "no agent in $top/vmlab-run-$pid/box during the run"
kill -TERM $pid
wait $pid; rc=$?
[ $rc = 143 ] || bad "SIGTERM: vmlab exited $rc, want 143"
[ -e "$top/vmlab-run-$pid" ] && bad "$top/vmlab-run-$pid is left after SIGTERM"
if [ -n "$agent" ]; then
  for _ in $(seq 50); do kill -0 "$agent" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$agent" 2>/dev/null && bad "the agent $agent outlived SIGTERM"
fi
# What a vmlab killed by SIGKILL leaves (vmlab-run-PID with a cgroup inside, its pid gone) is
# removed by the next run as root, deepest first, and reported.
true & dead=$!; wait $dead
mkdir -p "$top/vmlab-run-$dead/box/web" || bad "cannot make a stale tree"
printf 'proc a\n' > "$tmp/d.vml"
"$bin" run --on linux "$tmp/d.vml" > "$tmp/out" 2> "$tmp/err" || bad "the run after the stale tree failed"
grep -q "removed the cgroup $top/vmlab-run-$dead, left by vmlab $dead" "$tmp/out" "$tmp/err" ||
  bad "the stale tree's removal was not reported: $(cat "$tmp/out" "$tmp/err" | head -5)"
if [ -e "$top/vmlab-run-$dead" ]; then
  bad "$top/vmlab-run-$dead is left"
  rmdir "$top/vmlab-run-$dead/box/web" "$top/vmlab-run-$dead/box" "$top/vmlab-run-$dead" 2>/dev/null
fi
# A file the other hierarchy has (v2's memory.events on v1, v1's memory.oom_control on v2) is
# an expect not checked, with the reason, not a failed run: a scenario holds on either kernel.
if [ "$v" = 1 ]; then other="cgroup box memory.events oom_kill == 0"; else
  other="cgroup1 box memory.oom_control oom_kill == 0"; fi
printf 'cgroup box\nset /sys/fs/cgroup/box/memory.max 64M\nproc a\na cgroup box\nexpect %s\nexpect a alive\n' \
  "$other" > "$tmp/o.vml"
"$bin" run --on linux "$tmp/o.vml" > "$tmp/out" 2> "$tmp/err" ||
  bad "an expect on the other hierarchy's file failed the run: $(head -3 "$tmp/err")"
grep -q "expect not checked on linux: cgroup" "$tmp/err" ||
  bad "the other hierarchy's file was not reported as not checked: $(head -3 "$tmp/err")"
[ $fail = 0 ] && echo "cgroup_scenario_linux: ok (cgroup v$v)"
exit $fail
