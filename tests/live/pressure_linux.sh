#!/usr/bin/env bash
# pressure_linux.sh VMLAB: the Linux backend under pressure (docs/pressure.md), as root.
#  1. swap= and madvise pageout: a process writes 16 MiB (4096 pages holding data: the agent
#     stores 0x5a), pages them out, and reads them back once the swap cache has let them go (a
#     first read maps them from the swap cache, where pageout left them under writeback; a second
#     pageout frees them clean). Swap in smaps and VmSwap is the 16 MiB paged out, Rss 0;
#     the read-back takes one major fault per swap readahead window of 2^page-cluster pages
#     (8 here: 4096 / 8 = 512), plus a few while the window grows: between 512 and 520 with
#     page-cluster 3 (docs/probes/pressure.out measured 513 to 515).
#  2. swapon/swapoff mid-scenario: swapoff brings the pages back (Rss 16M, Swap 0).
#  3. The cgroup: while the run waits, its processes are in vmlab-PID under the memory
#     controller, whose limit is what ram=64M leaves to user pages (the simulated machine's
#     MemAvailable, 63804 kB: 16383 free pages less totalreserve_pages, 96 + 48 + 288 pages, by
#     __setup_per_zone_wmarks with min_free_kbytes 1024) plus the agent's own memory; SIGTERM
#     then leaves no cgroup, no swap area and no swap file behind.
#  4. A run that fails leaves nothing behind either.
#  5. After SIGKILL (which cannot be caught) the next run as root removes what the dead run left
#     (its swap file, on, and its cgroup) and says so.
#  6. What cannot be had is refused with the reason: a swap file on tmpfs, root's work as nobody.
# Skips (77), naming the reason: not root, no memory cgroup controller, swap already on (the
# comparison would be invalid), a $TMPDIR that cannot hold a swap file.
set -u
bin=$1
[ "$(id -u)" = 0 ] || { echo "skipped: needs root (swapon, cgroups)"; exit 77; }
grep -qE ' cgroup [^ ]*[, ]?memory' /proc/self/mounts ||
  [ -n "$(grep -l memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null)" ] ||
  { echo "skipped: no memory cgroup controller mounted"; exit 77; }
[ "$(tail -n +2 /proc/swaps | wc -l)" = 0 ] ||
  { echo "skipped: the machine has swap on already: $(tail -n +2 /proc/swaps | awk '{print $1}')"; exit 77; }
swapdir=${TMPDIR:-/var/tmp}
case "$(stat -f -c %T "$swapdir")" in
  tmpfs|ramfs|overlayfs) echo "skipped: $swapdir cannot hold a swap file"; exit 77 ;;
esac
pc=$(cat /proc/sys/vm/page-cluster)
cgroot=$(awk '$3 == "cgroup" && $4 ~ /(^|,)memory(,|$)/ {print $2; exit}' /proc/self/mounts)
[ -n "$cgroot" ] || cgroot=/sys/fs/cgroup
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "pressure_linux: $*"; fail=1; }
left_behind() { # what a run may have left: swap areas, swap files, cgroups of pid $1
  tail -n +2 /proc/swaps
  ls -d "$swapdir"/vmlab-swap-"$1"-* "$cgroot"/vmlab-"$1" 2>/dev/null
}

# 1. swap= and pageout. The process stays on one CPU: MADV_PAGEOUT drains only its own CPU's
# LRU-add batch (lru_add_drain), so pages it faulted on another CPU could still sit in that
# CPU's batch, not isolable: seen under make test's load, 23 of 4096 pages left resident.
cat >"$tmp/a.vml" <<'SCN'
machine ram=256M swap=64M
proc a
cpu 0 run a
a mmap buf 16M anon private rw
a madvise buf nohugepage
a touch buf write
a madvise buf pageout
expect a smaps buf Swap == 16M
expect a smaps buf Rss == 0
expect a status VmSwap == 16M
wait 1s
a touch buf read
a madvise buf pageout
expect a smaps buf Swap == 16M
a touch buf read
expect a smaps buf Rss == 16M
expect a smaps buf Swap == 0
show a faults
SCN
out=$("$bin" run --on linux "$tmp/a.vml" 2>"$tmp/err"); rc=$?
[ $rc = 0 ] || bad "pageout run exited $rc: $(cat "$tmp/err")"
printf '%s\n' "$out" | grep -q "linux: swap=65536K: a temporary swap file" || bad "no swap note: $out"
printf '%s\n' "$out" | grep -q "linux: memcg: the processes run in a memory cgroup limited to" ||
  bad "no memcg note (swap= implies memcg=on): $out"
major=$(printf '%s\n' "$out" | sed -n 's/^Faults_major:\t//p')
w=$((1 << pc)); lo=$((4096 / w - 1)); hi=$((4096 / w + 8))
# the write faults and the first read (swap-cache hits) take none: every major fault is the
# second read-back's
[ -n "$major" ] && [ "$major" -ge "$lo" ] && [ "$major" -le "$hi" ] ||
  bad "re-reading 4096 swapped pages took '$major' major faults, want $lo..$hi (page-cluster $pc)"
[ -z "$(left_behind '*')" ] || bad "left behind after a run: $(left_behind '*')"

# 2. swapon / swapoff statements
cat >"$tmp/b.vml" <<'SCN'
machine ram=256M memcg=off
swapon s1 64M prio=7
proc a
cpu 0 run a
a mmap buf 16M anon private rw
a madvise buf nohugepage
a touch buf write
a madvise buf pageout
expect a smaps buf Swap == 16M
swapoff s1
expect a smaps buf Swap == 0
expect a smaps buf Rss == 16M
SCN
"$bin" run --on linux "$tmp/b.vml" >"$tmp/out" 2>"$tmp/err" ||
  bad "swapon/swapoff run failed: $(cat "$tmp/err")"
grep -q "expect failed" "$tmp/err" && bad "swapon/swapoff expects: $(cat "$tmp/err")"
grep -q "linux: memcg" "$tmp/out" && bad "memcg=off still confined: $(cat "$tmp/out")"
[ -z "$(left_behind '*')" ] || bad "left behind after swapoff: $(left_behind '*')"

# 3. the cgroup while the run waits, then SIGTERM
cat >"$tmp/c.vml" <<'SCN'
machine ram=64M swap=16M
proc a
a mmap buf 4M anon private rw
a touch buf write
wait 30s
SCN
"$bin" run --on linux "$tmp/c.vml" >"$tmp/out" 2>"$tmp/err" &
pid=$!
cg=$cgroot/vmlab-$pid
for _ in $(seq 100); do
  [ -s "$cg/cgroup.procs" ] && grep -q vmlab-swap "/proc/swaps" && break
  sleep 0.1
done
if [ ! -d "$cg" ]; then
  bad "no cgroup $cg during the run: $(cat "$tmp/err")"
else
  agent=$(head -n 1 "$cg/cgroup.procs")
  [ -n "$agent" ] && [ "$(cat "/proc/$agent/comm" 2>/dev/null)" = a ] ||
    bad "the cgroup holds '$agent', not the agent a"
  grep -qx "$pid" "$cg/cgroup.procs" && bad "vmlab itself is in the cgroup"
  if [ -f "$cg/memory.limit_in_bytes" ]; then limit=$(cat "$cg/memory.limit_in_bytes")
  else limit=$(cat "$cg/memory.max"); fi
  budget=$((63804 * 1024))
  [ "$limit" -ge "$budget" ] && [ "$limit" -le $((budget + (32 << 20))) ] ||
    bad "limit $limit, want 63804 kB plus the agent's own memory (at most 32 MiB)"
fi
sleep 0.5
kill -TERM "$pid"
wait "$pid"; rc=$?
[ $rc = $((128 + 15)) ] || bad "SIGTERM: vmlab exited $rc, want 143"
[ -z "$(left_behind "$pid")" ] || bad "left behind after SIGTERM: $(left_behind "$pid")"
[ "$(tail -n +2 /proc/swaps | wc -l)" = 0 ] || bad "swap still on after SIGTERM"

# 4. a run that fails
cat >"$tmp/d.vml" <<'SCN'
machine ram=64M swap=16M
proc a
a mmap buf 4M anon private rw
a touch buf[0:8M] write
SCN
"$bin" run --on linux "$tmp/d.vml" >/dev/null 2>"$tmp/err" && bad "touching beyond the mapping ran"
[ -z "$(left_behind '*')" ] || bad "left behind after a failed run: $(left_behind '*')"

# 5. SIGKILL cannot be caught: the swap file and cgroup stay until the next run as root, which
#    removes those of a vmlab that is gone (and says so), then runs.
"$bin" run --on linux "$tmp/c.vml" >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do
  grep -q "vmlab-swap-$pid-" /proc/swaps && [ -s "$cgroot/vmlab-$pid/cgroup.procs" ] && break
  sleep 0.1
done
kill -KILL "$pid"; wait "$pid" 2>/dev/null
for _ in $(seq 50); do [ -s "$cgroot/vmlab-$pid/cgroup.procs" ] || break; sleep 0.1; done
[ -n "$(left_behind "$pid")" ] || bad "SIGKILL: nothing left behind to test the clean-up with"
out=$("$bin" run --on linux "$tmp/a.vml" 2>"$tmp/err") || bad "the run after SIGKILL failed: $(cat "$tmp/err")"
printf '%s\n' "$out" | grep -q "linux: removed $swapdir/vmlab-swap-$pid-machine, left on by vmlab $pid" ||
  bad "the next run did not report removing the swap file: $out"
printf '%s\n' "$out" | grep -q "linux: removed the cgroup $cgroot/vmlab-$pid, left by vmlab $pid" ||
  bad "the next run did not report removing the cgroup: $out"
[ -z "$(left_behind '*')" ] || bad "left behind after the clean-up: $(left_behind '*')"

# 6. Refusals, each naming its reason: a $TMPDIR on tmpfs; as nobody, the cgroup and the swap file.
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
  out=$(TMPDIR=/dev/shm "$bin" run --on linux "$tmp/b.vml" 2>&1) && bad "swapon on tmpfs ran"
  case "$out" in
    *"/dev/shm is on tmpfs, which cannot hold a swap file"*) ;;
    *) bad "swapon on tmpfs: $out" ;;
  esac
fi
if command -v setpriv >/dev/null; then
  chmod 755 "$tmp"; chmod 644 "$tmp"/*.vml
  out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" run --on linux "$tmp/a.vml" 2>&1) &&
    bad "a confined run as nobody ran"
  case "$out" in
    *"cannot create the memory cgroup "*": Permission denied (run as root)"*) ;;
    *) bad "memcg as nobody: $out" ;;
  esac
  out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" run --on linux "$tmp/b.vml" 2>&1) &&
    bad "swapon as nobody ran"
  case "$out" in
    *"swapon failed: a swap file needs root"*) ;;
    *) bad "swapon as nobody: $out" ;;
  esac
fi
[ -z "$(left_behind '*')" ] || bad "left behind after the refusals: $(left_behind '*')"
exit $fail
