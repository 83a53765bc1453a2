#!/usr/bin/env bash
# check_cgroup_stat.sh VMLAB: vmlab cgroup on the fixed trees of tests/fixtures/live/cgstat (a
# cgroup v2 and a cgroup v1 hierarchy whose files were written by hand). Every expected figure is
# worked out below from those files, in MiB (M = 1048576 bytes), then bad input: an unknown
# group, a memory.stat that cannot be read, a malformed memory.stat line (file:line:col), usage
# errors. Needs python3 (reads the CSV output).
set -u
bin=$1; here=$(cd "$(dirname "$0")" && pwd)
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac # the checks run from the fixture directory
command -v python3 >/dev/null || { echo "skipped: no python3"; exit 77; }
cd "$here/../fixtures/live/cgstat" || exit 1 # relative paths: the messages name them
fail=0
M=1048576
# fig SECTION ITEM: the Bytes (or Count) of the row of the last `get` output (the item without
# its indentation).
get() { out=$("$bin" cgroup "$@" --csv 2>&1) || { echo "cgroup $*: failed: $out"; fail=1; }; }
fig() {
  printf '%s\n' "$out" | python3 -c '
import csv, sys
sec, item = sys.argv[1], sys.argv[2]
rows = [r for r in csv.DictReader(sys.stdin) if r["Section"] == sec and r["What"].strip() == item]
print(rows[0]["Bytes"] or rows[0]["Count"] if len(rows) == 1 else "missing (%d rows)" % len(rows))
' "$1" "$2"
}
want() { # SECTION ITEM VALUE: the row's figure must be VALUE
  local got; got=$(fig "$1" "$2")
  if [ "$got" != "$3" ]; then echo "$ctx: $1 '$2' is $got, want $3"; fail=1; fi
}
absent() { # SECTION ITEM: no such row
  local got; got=$(fig "$1" "$2")
  case $got in missing*) ;; *) echo "$ctx: $1 '$2' is $got, want no row"; fail=1 ;; esac
}
v2="--proc proc --sys sys-v2"; v1="--proc proc --sys sys-v1"

# ---- v2 /app.slice/web.service (machine: SwapFree 512M, vm.swappiness 60)
ctx="v2 web.service"; get /app.slice/web.service $v2
want usage Usage $((512 * M))                         # memory.current
want usage Anonymous $((256 * M))
want usage "of which transparent huge pages" $((128 * M))
want usage "Page cache (shmem included)" $((192 * M))
want usage "of which shmem (tmpfs, shm, memfd)" $((32 * M))
want usage "of which dirty" $((24 * M))
want usage "of which under writeback" $((8 * M))
want usage Kernel $((40 * M))
# kernel 40 - (slab 20 + 10, stacks 2, page tables 4, secondary 0, per-CPU 1, vmalloc 1) = 2
want usage "other kernel memory" $((2 * M))
want usage "Socket buffers" $((4 * M))
# 512 - (anon 256 + file 192 + kernel 40 + sock 4) = 20
want usage "Not itemised" $((20 * M))
want swap "Swap used" $((8 * M))                      # memory.swap.current
want swap "Swap cache (also in anon or shmem)" $((2 * M))
# file LRU 112 + 40 = 152, of it dirty 24 + writeback 8 = 32: clean 120
want reclaim "File LRU clean: freed at once" $((120 * M))
want reclaim "File LRU dirty/writeback: once written" $((32 * M))
# swap room: SwapFree 512, app.slice swap.max 64 - swap.current 48 = 16 (web's own is max)
want reclaim "Swap room" $((16 * M))
want reclaim Swappiness 60
# anon LRU 208 + 80 = 288: 16 into swap, 272 kept
want reclaim "Anon LRU (anon + shmem): into swap" $((16 * M))
want reclaim "Anon LRU kept: beyond the swap room" $((272 * M))
want reclaim "Unevictable: never (mlocked or ramfs)" $((8 * M))
want reclaim "Reclaimable slab: not counted" $((20 * M))
want reclaim Reclaimable $((168 * M))                 # 152 + 16
want reclaim "Usage left after it" $((344 * M))       # 512 - 168
want limits memory.max $((768 * M))
want limits "memory.high (throttled above)" $((640 * M))
want limits "memory.low (protected below)" $((128 * M))
want limits "memory.min (never reclaimed below)" $((64 * M))
want limits memory.swap.max max
want limits "Room below the limit" $((256 * M))       # 768 - 512
want events high 25
want events max 9
want events oom_kill 1
want events sock_throttled 0                          # every memory.events line, new ones too
want events "pages scanned by reclaim" 90000
want events "pages reclaimed" 85000
want events "refaults of file pages" 3400
want events "major faults" 77

# ---- v2 root: no memory.current, limits or events; swap room is SwapFree itself
ctx="v2 root"; get $v2
absent usage Usage
absent usage "Not itemised"
want usage Kernel $((80 * M))
want usage "other kernel memory" $((80 * M))          # no part printed
want reclaim "Swap room" $((512 * M))
want reclaim "Anon LRU (anon + shmem): into swap" $((340 * M)) # 320 + 20, below 512
want reclaim Reclaimable $((892 * M))                 # file LRU 400 + 152 + 340
absent reclaim "Usage left after it"
absent limits memory.max
absent events oom_kill
# The same group by its directory, and below-root paths with slashes around.
ctx="v2 by directory"; get sys-v2/fs/cgroup/app.slice/web.service --proc proc --sys sys-v2
want usage Usage $((512 * M))
ctx="v2 app.slice/"; get app.slice/ $v2
want reclaim "Swap room" $((16 * M))

# ---- v1 /job (memory.swappiness 30): the hierarchical total_* figures
ctx="v1 job"; get /job $v1
want usage Usage $((400 * M))                         # memory.usage_in_bytes
want usage Anonymous $((210 * M))                     # total_rss
want usage "of which transparent huge pages" $((102 * M))
want usage "Page cache (shmem included)" $((160 * M)) # total_cache
want usage "of which shmem (tmpfs, shm, memfd)" $((16 * M))
want usage Kernel $((20 * M))                         # memory.kmem.usage_in_bytes
want usage "Not itemised" $((10 * M))                 # 400 - (210 + 160 + 20)
want swap "Swap used" $((32 * M))                     # total_swap
# file LRU 100 + 44 = 144, dirty 12 + writeback 4 = 16
want reclaim "File LRU clean: freed at once" $((128 * M))
want reclaim "File LRU dirty/writeback: once written" $((16 * M))
want reclaim "Swap room" $((512 * M))                 # v1: SwapFree alone
want reclaim Swappiness 30
want reclaim "Anon LRU (anon + shmem): into swap" $((226 * M)) # 180 + 46
want reclaim "Anon LRU kept: beyond the swap room" 0
want reclaim Reclaimable $((370 * M))                 # 144 + 226
want reclaim "Usage left after it" $((30 * M))
want limits limit_in_bytes $((512 * M))
want limits "soft_limit_in_bytes (under pressure)" $((256 * M))
want limits "memsw.limit_in_bytes (memory + swap)" $((768 * M))
want limits "Lowest limit here and above" $((512 * M))
want limits "Room below the limit" $((112 * M))       # 512 - 400
want events "failcnt (charges over the limit)" 17
want events memsw.failcnt 3
want events oom_kill 2
want events "refaults of file pages" 640              # total_workingset_refault_file
want events "major faults" 21
# /job/batch: swappiness 0 keeps every anon page; no limit of its own, its parent's 512M above
ctx="v1 job/batch"; get /job/batch $v1
want usage "Not itemised" $((6 * M))                  # 100 - (60 + 30 + kmem 4)
want reclaim "Anon LRU (anon + shmem): into swap" 0
want reclaim "Anon LRU kept: swappiness 0" $((60 * M))
want reclaim Reclaimable $((30 * M))
want limits limit_in_bytes max
want limits "Lowest limit here and above" $((512 * M))
want limits "Room below the limit" $((412 * M))       # 512 - 100
# The v1 root: usage = total_cache + total_rss (500 + 200); kmem shown, not counted
ctx="v1 root"; get / $v1
want usage "Kernel (not in the root's usage)" $((60 * M))
want usage "Not itemised" 0
want limits limit_in_bytes max

# ---- bad input: message and exit status
err() { # STATUS PATTERN ARGS...: vmlab cgroup ARGS exits STATUS, stderr matching PATTERN
  local st=$1 pat=$2; shift 2
  local e; e=$("$bin" cgroup "$@" 2>&1 >/dev/null); local rc=$?
  if [ "$rc" != "$st" ] || ! printf '%s\n' "$e" | grep -qxF -- "$pat"; then
    echo "cgroup $*: exit $rc, stderr '$e'; want $st and '$pat'"; fail=1
  fi
}
err 2 "vmlab: cgroup: /no/such.slice: no such memory cgroup in sys-v2/fs/cgroup" /no/such.slice $v2
err 2 "vmlab: cgroup: sys-v1/fs/cgroup/memory/web: no such memory cgroup in sys-v1/fs/cgroup/memory" \
  sys-v1/fs/cgroup/memory/web $v1
# memory.stat is a directory in /bad: it cannot be read
err 1 "vmlab: cgroup: sys-v1/fs/cgroup/memory/bad/memory.stat: cannot be read" /bad $v1
# line 3 'kernel 12kB': the 'k' at column 10 is not the end of the number
err 1 "vmlab: cgroup: sys-v2/fs/cgroup/bad.slice/memory.stat:3:10: expected the end of the line after the number in 'kernel 12kB'" \
  /bad.slice $v2
err 1 "vmlab: cgroup: --sys proc: no memory cgroup controller: proc/fs/cgroup/cgroup.controllers does not list memory (v2) and proc/fs/cgroup/memory has no memory.usage_in_bytes (v1)" \
  --proc proc --sys proc
err 2 "vmlab: cgroup: --proc proc needs --sys DIR (the cgroups of that machine)" --proc proc
err 2 "vmlab: cgroup: one PATH only: extra argument '/b' (see vmlab help cgroup)" /a /b $v2
err 2 "vmlab: cgroup: unknown argument '--cgroups' (see vmlab help cgroup)" --cgroups $v2
# --help: exit 0, every option named
h=$("$bin" cgroup --help) || { echo "cgroup --help failed"; fail=1; }
for o in --sys --proc --units --format --json --csv --wide; do
  printf '%s\n' "$h" | grep -q -- "$o" || { echo "cgroup --help does not name $o"; fail=1; }
done
# Text: a byte row's Count and a count row's Bytes are blank, not the '?' of a figure not read.
t=$("$bin" cgroup /job $v1) || { echo "cgroup /job (text) failed"; fail=1; }
if printf '%s\n' "$t" | grep -q '?'; then echo "cgroup /job (text) has a '?':"; printf '%s\n' "$t"; fail=1; fi
printf '%s\n' "$t" | grep -qE '^reclaim +Swappiness +30 memory\.swappiness$' ||
  { echo "cgroup /job (text): no Swappiness 30 row"; fail=1; }
# Prometheus: counts as vmlab_cgroup_count, bytes as vmlab_cgroup_bytes, never both for a row.
p=$("$bin" cgroup /job $v1 --format prometheus)
printf '%s\n' "$p" | grep -qxF 'vmlab_cgroup_count{cgroup="/job",section="events",item="oom_kill"} 2' ||
  { echo "cgroup --format prometheus: no oom_kill count"; fail=1; }
printf '%s\n' "$p" | grep -qxF 'vmlab_cgroup_bytes{cgroup="/job",section="limits",item="limit_in_bytes"} 536870912' ||
  { echo "cgroup --format prometheus: no limit_in_bytes"; fail=1; }
if printf '%s\n' "$p" | grep -q 'vmlab_cgroup_bytes{.*item="oom_kill"}'; then
  echo "cgroup --format prometheus: a bytes sample for a count row"; fail=1
fi
# JSON parses, one object per row, the same figure as the CSV.
"$bin" cgroup /job $v1 --json | python3 -c '
import json, sys
rows = json.load(sys.stdin)
u = [r for r in rows if r["Section"] == "usage" and r["What"] == "Usage"]
assert len(u) == 1 and u[0]["Bytes"] == 400 * 1048576 and u[0]["Count"] is None, u
assert all(r["Cgroup"] == "/job" for r in rows)
' || { echo "cgroup --json: not the rows above"; fail=1; }
exit $fail
