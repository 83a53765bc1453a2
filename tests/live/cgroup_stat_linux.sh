#!/usr/bin/env bash
# cgroup_stat_linux.sh VMLAB: vmlab cgroup on this machine's kernel, as root. A memory cgroup
# vmlab-cgtest-PID is made (v1: under the memory hierarchy; v2: under the root, when the root's
# subtree_control already has memory), and a process is put in it that writes N = 64 MiB of
# anonymous memory and reads a file of M = 48 MiB whose pages were first dropped from the page
# cache (written and fsynced here, then POSIX_FADV_DONTNEED), so that reading it charges them to
# the group. Then `vmlab cgroup /vmlab-cgtest-PID` must report:
#   - Anonymous between N - 1 MiB and N + 16 MiB: the 64 MiB plus the interpreter's own heap
#     (python3 starts with a few MiB of anonymous memory, all of it charged to the group, which
#     it joined before exec), less at most the statistics' flush slack (memory.stat is flushed
#     when the pending updates pass a threshold: well below 1 MiB on a small machine);
#   - Page cache between M - 1 MiB and M + 16 MiB: the file, plus whatever of the interpreter's
#     files no one had read before (the rest is charged to the groups that read them first);
#   - the parts (anon, page cache, kernel) adding up to the usage within 2 MiB + 256 KiB a CPU
#     (the per-CPU charge stocks, and the statistics' lag);
#   - the file's pages on the file LRU, clean (M - 1 to M + 16 MiB);
#   - the same Anonymous figure, within 1 MiB, when the group is named by its directory.
# The process, the cgroup and the file are removed on every way out (EXIT, INT, TERM traps).
# Skips (77), naming the reason: not root, no python3, no memory cgroup controller, no disk
# directory for the file (tmpfs pages are shmem, and stay charged to the writer).
# Run it alone, holding the kernel lock: flock /tmp/vmlab-kernel.lock ctest -R cgroup_stat_linux
set -u
bin=$1
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
[ "$(id -u)" = 0 ] || { echo "skipped: needs root (makes a memory cgroup)"; exit 77; }
command -v python3 >/dev/null || { echo "skipped: no python3"; exit 77; }
main=$$
if grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
  grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
    { echo "skipped: cgroup v2 without memory in the root's subtree_control (not changed here)"; exit 77; }
  top=/sys/fs/cgroup
elif [ -f /sys/fs/cgroup/memory/memory.usage_in_bytes ]; then
  top=/sys/fs/cgroup/memory
else
  echo "skipped: no memory cgroup controller (v2 root without memory, no v1 hierarchy)"; exit 77
fi
N=64 M=48 MiB=1048576
name=vmlab-cgtest-$$; cg=$top/$name; pid=
dir=$(mktemp -d -p "$PWD" vmlab-cgtest.XXXXXX) || { echo "cgroup_stat_linux: no temporary directory"; exit 1; }
cleanup() {
  [ "$BASHPID" = "$main" ] || return 0 # a subshell's exit is not the test's
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  wait 2>/dev/null
  for _ in $(seq 50); do [ -d "$cg" ] || break; rmdir "$cg" 2>/dev/null || sleep 0.1; done
  [ -d "$cg" ] && echo "cgroup_stat_linux: could not remove $cg"
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
case $(stat -f -c %T "$dir") in
  tmpfs | ramfs) echo "skipped: $dir is on $(stat -f -c %T "$dir"), not a disk"; exit 77 ;;
esac
# The file, then its pages out of the page cache (clean after fsync: DONTNEED drops them).
python3 -c '
import os, sys
path, m = sys.argv[1], int(sys.argv[2])
with open(path, "wb") as f:
    chunk = os.urandom(1 << 20)
    for _ in range(m):
        f.write(chunk)
    f.flush()
    os.fsync(f.fileno())
    os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
' "$dir/file" "$M" || { echo "cgroup_stat_linux: cannot write $dir/file"; exit 1; }
mkdir "$cg" || { echo "cgroup_stat_linux: cannot make $cg"; exit 1; }
# The shell joins the group, then becomes python: every page it touches is charged there.
sh -c 'echo $$ > "$1/cgroup.procs" && exec python3 -c "
import os, sys, time
n, path, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3]
b = b\"x\" * (n << 20)
fd = os.open(path, os.O_RDONLY)
while os.read(fd, 1 << 20):
    pass
os.close(fd)
open(ready, \"w\").close()
time.sleep(600)
" "$2" "$3" "$4"' sh "$cg" "$N" "$dir/file" "$dir/ready" &
pid=$!
for _ in $(seq 300); do [ -e "$dir/ready" ] && break; sleep 0.1; done
[ -e "$dir/ready" ] || { echo "cgroup_stat_linux: the process did not get ready"; exit 1; }
fail=0
bad() { echo "cgroup_stat_linux: $*"; fail=1; }
grep -qx "$pid" "$cg/cgroup.procs" || bad "pid $pid is not in $cg"
fig() { # CSV SECTION ITEM: the row's Bytes
  printf '%s\n' "$1" | python3 -c '
import csv, sys
rows = [r for r in csv.DictReader(sys.stdin) if r["Section"] == sys.argv[1] and r["What"].strip() == sys.argv[2]]
print(rows[0]["Bytes"] if len(rows) == 1 else -1)
' "$2" "$3"
}
within() { # WHAT VALUE LOW HIGH (bytes)
  if [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then
    bad "$1 $2 bytes ($(($2 / MiB)) MiB), want $(($3 / MiB)) to $(($4 / MiB)) MiB"
  fi
}
csv=$("$bin" cgroup "/$name" --csv | tr -d '\r') || bad "vmlab cgroup /$name failed"
anon=$(fig "$csv" usage Anonymous)
cache=$(fig "$csv" usage "Page cache (shmem included)")
within Anonymous "$anon" $(((N - 1) * MiB)) $(((N + 16) * MiB))
within "Page cache" "$cache" $(((M - 1) * MiB)) $(((M + 16) * MiB))
# The parts add up to the usage (a group's counter holds its kernel memory too): what they
# leave is the per-CPU charge stocks (64 pages a CPU, consume_stock) and the statistics' lag.
slack=$((2 * MiB + $(nproc) * 64 * 4096))
left=$(fig "$csv" usage "Not itemised"); [ "$left" = -1 ] && left=$(fig "$csv" usage "Parts beyond the usage")
within "Usage not itemised" "$left" 0 "$slack"
# The file is clean and not shmem: all of it on the file LRU, clean, reclaimable.
within "File LRU clean" "$(fig "$csv" reclaim "File LRU clean: freed at once")" $(((M - 1) * MiB)) $(((M + 16) * MiB))
csv2=$("$bin" cgroup "$cg" --csv | tr -d '\r') || bad "vmlab cgroup $cg failed"
anon2=$(fig "$csv2" usage Anonymous)
within "Anonymous by directory" "$anon2" $((anon - MiB)) $((anon + MiB))
echo "cgroup_stat_linux: $cg: anon $((anon / 1024)) kB (wrote $N MiB), page cache $((cache / 1024)) kB (read $M MiB)"
"$bin" cgroup "/$name" --units K | sed -n '/^usage/p;/^reclaim/p' # for the log
[ "$fail" = 0 ] || printf '%s\n' "$csv"
exit $fail
