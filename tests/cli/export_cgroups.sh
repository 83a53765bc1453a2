#!/usr/bin/env bash
# vmlab run --export-proc writes the simulated cgroups as a kernel would show them, and the live
# tools (vmlab oom --cgroups, vmlab cgroup, vmlab ps --cgroup) read the tree: v2 under
# DIR/sys/fs/cgroup, v1 under DIR/sys-v1/fs/cgroup/memory. Every figure is worked by hand from
# the simulator's rules (mm/memcontrol.c: try_charge_memcg charges 64-page batches, keeps the
# rest in the CPU's stock; a first fault at a 1 GiB-aligned address adds a PUD, a PMD and a PTE
# table, one PTE table per 2 MiB):
#   a in box writes 1 MiB: 256 pages + 3 tables = 259 pages -> 5 batches = 320 pages, 1310720
#     bytes in memory.current; 320 - 259 = 61 stocked pages (249856 bytes) not itemised;
#   b in web (memory.max 8M) writes 2 MiB: 512 + 3 = 515 pages -> 9 batches = 576 pages,
#     2359296 bytes; web's OOM totalpages = 8 MiB / 4 KiB = 2048 (no swap), b's badness 515;
#   c in the root writes 4 MiB: 1024 pages + 2 PTE tables + PMD + PUD: badness 1028; the
#     machine's totalpages = 256 MiB / 4 KiB = 65536 (no swap).
set -u
bin=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; fi; }
# The CSV row of a table whose first cell is $2, cell number $3 (1-based).
cell() { awk -F, -v k="$2" -v n="$3" '$1 == k { print $n; exit }' "$1"; }

cat > "$tmp/two.vml" <<'SCN'
machine ram=256M
cgroup box
cgroup web
set /sys/fs/cgroup/web/memory.max 8M
proc a
a cgroup box
a mmap heap 1M anon private rw at=0x40000000
a touch heap write
proc b
b cgroup web
b mmap heap 2M anon private rw at=0x40000000
b touch heap write
proc c
c mmap heap 4M anon private rw at=0x40000000
c touch heap write
SCN
d=$tmp/ex
if ! "$bin" run "$tmp/two.vml" --export-proc "$d" >"$tmp/out" 2>"$tmp/err"; then
  echo "vmlab run --export-proc failed:"; cat "$tmp/err"; exit 1
fi
g=$d/sys/fs/cgroup; g1=$d/sys-v1/fs/cgroup/memory

# The files themselves.
check "v2 root lists the memory controller" 'grep -qw memory "$g/cgroup.controllers"'
check "box memory.current" '[ "$(cat "$g/box/memory.current")" = 1310720 ]'
check "web memory.current" '[ "$(cat "$g/web/memory.current")" = 2359296 ]'
check "web memory.max" '[ "$(cat "$g/web/memory.max")" = 8388608 ]'
check "box memory.max unlimited" '[ "$(cat "$g/box/memory.max")" = max ]'
check "box anon" 'grep -qx "anon 1048576" "$g/box/memory.stat"'
check "box pagetables" 'grep -qx "pagetables 12288" "$g/box/memory.stat"'
check "cgroup.procs of box" '[ "$(cat "$g/box/cgroup.procs")" = 1000 ]'
check "cgroup.procs of web" '[ "$(cat "$g/web/cgroup.procs")" = 1001 ]'
check "cgroup.procs of the root" '[ "$(cat "$g/cgroup.procs")" = 1002 ]'
check "the v2 root has no memory.current" '[ ! -e "$g/memory.current" ]'
check "the v2 root has memory.stat" '[ -s "$g/memory.stat" ]'
check "no v1 files in the v2 tree" '[ ! -e "$g/memory" ] && [ ! -e "$g/box/memory.usage_in_bytes" ]'
check "v1 usage" '[ "$(cat "$g1/box/memory.usage_in_bytes")" = 1310720 ]'
check "v1 limit" '[ "$(cat "$g1/web/memory.limit_in_bytes")" = 8388608 ]'
# v1 prints no limit as PAGE_COUNTER_MAX pages: LONG_MAX / 4096 * 4096.
check "v1 no limit" '[ "$(cat "$g1/box/memory.limit_in_bytes")" = 9223372036854771712 ]'
check "v1 rss" 'grep -qx "rss 1048576" "$g1/box/memory.stat"'
check "v1 has no cgroup.controllers" '[ ! -e "$d/sys-v1/fs/cgroup/cgroup.controllers" ]'
check "oom_score_adj exported" '[ "$(cat "$d/proc/1000/oom_score_adj")" = 0 ]'

# vmlab oom --cgroups on both views: the machine's row, then web (box has no limit).
for sys in sys sys-v1; do
  if ! "$bin" oom --sys "$d/$sys" --proc "$d/proc" --cgroups --csv >"$tmp/oom" 2>"$tmp/err"; then
    echo "FAIL: vmlab oom --cgroups on $sys:"; cat "$tmp/err"; fail=1; continue
  fi
  check "$sys: / totalpages" '[ "$(cell "$tmp/oom" / 5)" = 65536 ]'
  check "$sys: / processes" '[ "$(cell "$tmp/oom" / 6)" = 3 ]'
  check "$sys: / victim c" '[ "$(cell "$tmp/oom" / 7)" = 1002 ] && [ "$(cell "$tmp/oom" / 8)" = 1028 ]'
  check "$sys: /web usage" '[ "$(cell "$tmp/oom" /web 2)" = 2359296 ]'
  check "$sys: /web limit" '[ "$(cell "$tmp/oom" /web 3)" = 8388608 ]'
  check "$sys: /web totalpages" '[ "$(cell "$tmp/oom" /web 5)" = 2048 ]'
  check "$sys: /web victim b" '[ "$(cell "$tmp/oom" /web 7)" = 1001 ] && [ "$(cell "$tmp/oom" /web 8)" = 515 ]'
  check "$sys: box has no limit, no row" '[ -z "$(cell "$tmp/oom" /box 1)" ]'
done

# vmlab cgroup: box's usage, its parts, and the stocked pages left over.
if "$bin" cgroup --sys "$d/sys" box --csv >"$tmp/cg" 2>"$tmp/err"; then
  row() { awk -F, -v w="$1" '$3 == w { print $4; exit }' "$tmp/cg"; }
  check "cgroup: usage" '[ "$(row Usage)" = 1310720 ]'
  check "cgroup: anonymous" '[ "$(row Anonymous)" = 1048576 ]'
  check "cgroup: page tables" '[ "$(row "  page tables")" = 12288 ]'
  check "cgroup: the stock" '[ "$(row "Not itemised")" = 249856 ]'
else
  echo "FAIL: vmlab cgroup:"; cat "$tmp/err"; fail=1
fi

# vmlab ps --cgroup: each group's own processes' RSS, and its charge.
if "$bin" ps --cgroup --sys "$d/sys" --proc "$d/proc" --csv >"$tmp/ps" 2>"$tmp/err"; then
  check "ps: / RSS (c)" '[ "$(cell "$tmp/ps" / 3)" = 4194304 ]'
  check "ps: /box RSS (a)" '[ "$(cell "$tmp/ps" /box 3)" = 1048576 ]'
  check "ps: /box current" '[ "$(cell "$tmp/ps" /box 7)" = 1310720 ]'
  check "ps: /web RSS (b)" '[ "$(cell "$tmp/ps" /web 3)" = 2097152 ]'
  check "ps: /web current and limit" \
    '[ "$(cell "$tmp/ps" /web 7)" = 2359296 ] && [ "$(cell "$tmp/ps" /web 8)" = 8388608 ]'
  check "ps: one process each" \
    '[ "$(cell "$tmp/ps" / 2)$(cell "$tmp/ps" /box 2)$(cell "$tmp/ps" /web 2)" = 111 ]'
else
  echo "FAIL: vmlab ps --cgroup:"; cat "$tmp/err"; fail=1
fi

# A nested cgroup: its parent's directory holds it, and the parent enables memory for it.
printf 'cgroup a\ncgroup a/b\nproc p\np cgroup a/b\n' > "$tmp/nest.vml"
"$bin" run "$tmp/nest.vml" --export-proc "$tmp/n" >/dev/null 2>&1
check "nested directory" '[ "$(cat "$tmp/n/sys/fs/cgroup/a/b/cgroup.procs")" = 1000 ]'
check "nested v1 directory" '[ "$(cat "$tmp/n/sys-v1/fs/cgroup/memory/a/b/cgroup.procs")" = 1000 ]'
check "parent enables memory" 'grep -qw memory "$tmp/n/sys/fs/cgroup/a/cgroup.subtree_control"'
check "leaf enables nothing" '[ ! -s "$tmp/n/sys/fs/cgroup/a/b/cgroup.subtree_control" ]'
exit $fail
