#!/usr/bin/env bash
# qemu-numa.sh: the NUMA fidelity scenarios (tests/fidelity-numa/) on a real multi-node kernel.
#
# This machine class has one NUMA node and no KVM, so a guest does it: Debian's own kernel
# (linux-image-amd64, its vmlinuz only, never installed on the host) boots under
# qemu-system-x86_64 with TCG on a q35 machine of 2 CPUs and 2 nodes of 512 MiB (CPU 0 on node
# 0, CPU 1 on node 1, SLIT distance 20), from a small initramfs holding busybox, a statically
# linked vmlab and the scenarios. Its init runs `vmlab diff SCENARIO --record-linux` for each
# scenario (the Linux side alone: the guest kernel's traits and the voted runs) and prints the
# results on the serial console between markers; here, on the host, `vmlab diff SCENARIO
# --linux-results FILE` compares each with the simulator and the report names both kernels.
#
# Idempotent: the packages are installed, the kernel extracted and the static vmlab built only
# when missing or out of date; the guest boots every time. Nothing here touches the host
# kernel's settings, so no kernel lock is taken.
#
# Usage: qemu-numa.sh [VMLAB_STATIC [VMLAB_HOST]]
#   VMLAB_STATIC  the statically linked vmlab for the guest (default: built with the static
#                 CMake preset, build/static/vmlab)
#   VMLAB_HOST    the vmlab that compares on the host (default: VMLAB_STATIC)
# Environment: VMLAB_NUMA_WORK (default build/numa: kernel, initramfs, console log, results),
#   VMLAB_NUMA_TIMEOUT (seconds the guest may run, default 900), VMLAB_NUMA_ONLY (an extended
#   regular expression: only the scenarios whose file names match it, to work on a few).
# Exit status: 0 every scenario the same on both sides, 1 a scenario differs or the guest
# failed, 77 (skip) when qemu or the kernel package cannot be had, with the reason.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${VMLAB_NUMA_WORK:-$root/build/numa}
timeout_s=${VMLAB_NUMA_TIMEOUT:-900}
scn_dir=$root/tests/fidelity-numa
scns=$(ls "$scn_dir"/*.vml | grep -E -- "${VMLAB_NUMA_ONLY:-.}")
[ -n "$scns" ] || { echo "qemu-numa: no scenario matches ${VMLAB_NUMA_ONLY:-}" >&2; exit 1; }
t0=$(date +%s)

skip() { echo "qemu-numa: SKIP: $*"; exit 77; }
die() { echo "qemu-numa: $*" >&2; exit 1; }
mkdir -p "$work" || die "cannot create $work"
# The host's tools (qemu, cpio, a static busybox: $bb), Debian's linux-image-amd64's vmlinuz
# ($vmlinuz, extracted into $work/kernel, never installed) and the static vmlab ($vm_static):
# the steps scripts/qemu-tier.sh shares.
qprefix=qemu-numa
# shellcheck source=scripts/qemu-lib.sh
. "$root/scripts/qemu-lib.sh"
qemu_tools "$work"
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2 }')
[ -z "$kpkg" ] && [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1
qemu_kernel "$work/kernel" "$work"
qemu_static_vmlab "$root" "$work" "${1:-}"
vm_host=${2:-$vm_static}
[ -x "$vm_host" ] || die "no vmlab at $vm_host"

# ---- the initramfs ------------------------------------------------------------------------
ird=$work/initramfs
# shellcheck disable=SC2086 # $scns is a list of paths without spaces
qemu_initramfs "$ird" $scns
cat >"$ird/init" <<'EOF'
#!/bin/busybox sh
# The guest's init (PID 1): the file systems vmlab's Linux backend reads, then each scenario's
# Linux side, recorded and printed between markers on the serial console.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
# debugfs holds automatic NUMA balancing's tunables (sched/numa_balancing/), which a scenario
# may set (sched.numa_balancing/FILE=, 24-numa-balancing-follow).
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# Kernel messages below KERN_ERR stay off the console, between the markers too.
echo 3 >/proc/sys/kernel/printk
export TMPDIR=/tmp PATH=/bin
# Automatic NUMA balancing (on by default on a multi-node 6.1) would move the scenarios' pages
# by itself; the simulator does not model it, and the migration scenarios count every move.
[ -w /proc/sys/kernel/numa_balancing ] && echo 0 >/proc/sys/kernel/numa_balancing
# vmlab's program as page cache on node 0: copied by a process on CPU 0 (node 0's, the default
# policy allocates there), so that an agent's own file pages are on node 0, where the
# migration scenarios never move pages from (20-migrate-pages-process); run from there.
taskset 1 cp /bin/vmlab /tmp/vmlab && PATH=/tmp:/bin
echo
echo "@@VMLAB-KERNEL $(uname -r) $(uname -v)"
echo "@@VMLAB-NODES $(cat /sys/devices/system/node/online) cpus $(cat /sys/devices/system/cpu/online) numa_balancing $(cat /proc/sys/kernel/numa_balancing 2>/dev/null) vmlab $(command -v vmlab)"
for n in /sys/devices/system/node/node[0-9]*; do
  echo "@@VMLAB-NODE ${n##*/} cpus $(cat $n/cpulist) distance $(cat $n/distance) $(grep -E 'MemTotal|MemFree' $n/meminfo | sed 's/ *Node [0-9]* //' | tr -s ' \n' ' ')"
done
# Each zone's watermarks, lowmem reserve (protection) and per-CPU lists: what the fallback
# scenarios' filled node keeps back (diff's FILL_SLACK_PAGES, docs/fidelity.md "NUMA").
grep -E '^Node|^ +pages free|^ +(min|low|high|managed) |protection|^ +(count|high|batch):' \
  /proc/zoneinfo | tr -s ' ' | sed 's/^/@@VMLAB-ZONE /'
# The counters that say what else the kernel did during a scenario (reclaim, compaction, page
# allocations per zone), before and after each.
vmstat_line() {
  grep -E '^(pgfault|pgalloc_dma|pgalloc_dma32|allocstall_dma32|pgscan_kswapd|pgsteal_kswapd|kswapd_low_wmark_hit_quickly|pageoutrun|compact_stall|compact_migrate_scanned|pgmigrate_success|numa_hint_faults|numa_pages_migrated|workingset_refault_anon|workingset_refault_file|thp_fault_alloc) ' /proc/vmstat | tr '\n' ' '
}
for f in /scenarios/*.vml; do
  n=${f##*/}; n=${n%.vml}
  s=$(cut -d' ' -f1 /proc/uptime)
  # "# guest: vmlab on cpu 0": vmlab starts on CPU 0 alone, so that its own memory (which a
  # fork shares with the agents, and migrate_pages would move) is on node 0; the scenario
  # sets every agent's CPUs itself.
  pin=""
  grep -q '^# guest: vmlab on cpu 0' "$f" && pin="taskset 1"
  echo "@@VMLAB-VMSTAT $n before $(vmstat_line)"
  $pin vmlab diff "$f" --record-linux /tmp/$n.res >/tmp/$n.log 2>&1
  rc=$?
  e=$(cut -d' ' -f1 /proc/uptime)
  echo "@@VMLAB-LOG $n rc=$rc seconds $s-$e"
  echo "@@VMLAB-VMSTAT $n after $(vmstat_line)"
  # Each node's free memory after the scenario (the fallback scenarios' split depends on it).
  echo "@@VMLAB-FREE $n $(grep -h MemFree /sys/devices/system/node/node[0-9]*/meminfo | tr -s ' \n' ' ')"
  sed 's/^/@@| /' /tmp/$n.log
  if [ "$rc" = 0 ]; then
    echo "@@VMLAB-BEGIN $n"
    cat /tmp/$n.res
    echo "@@VMLAB-END $n"
  fi
done
echo "@@VMLAB-DONE"
sync
poweroff -f
# Should poweroff return, ending init panics the kernel, and panic=-1 with -no-reboot ends qemu.
exit 0
EOF
chmod +x "$ird/init"
( cd "$ird" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9 ) >"$work/initramfs.cpio.gz" ||
  die "cannot build the initramfs"
echo "qemu-numa: initramfs $(du -h "$work/initramfs.cpio.gz" | cut -f1) ($(echo "$scns" | wc -l) scenarios)"

# ---- the guest: q35, TCG, 2 CPUs, 2 nodes of 512 MiB, 1 GiB in all ---------------------------
# no_timer_check: under TCG on a loaded host the kernel's check that the IO-APIC timer ticks
# can time out and panic ("IO-APIC + timer doesn't work!", seen at a load of 20 on 2 cores);
# the check is for broken boards, not for this guest. A boot that dies before init prints its
# first line is tried once more.
log=$work/console.log
t1=$(date +%s)
for boot in 1 2; do
  echo "qemu-numa: booting (TCG; at most ${timeout_s}s)"
  timeout --foreground -k 10 "$timeout_s" qemu-system-x86_64 \
    -machine q35 -accel tcg -smp 2 -m 1G \
    -object memory-backend-ram,id=m0,size=512M -object memory-backend-ram,id=m1,size=512M \
    -numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1,memdev=m1 \
    -numa dist,src=0,dst=1,val=20 \
    -kernel "$vmlinuz" -initrd "$work/initramfs.cpio.gz" \
    -append "console=ttyS0 panic=-1 loglevel=3 no_timer_check" \
    -nographic -no-reboot -monitor none </dev/null >"$log" 2>&1
  qrc=$?
  tr -d '\r' <"$log" >"$log.txt"
  grep -q '@@VMLAB-KERNEL' "$log.txt" && break
  echo "qemu-numa: the guest died before its init ran:"
  grep -a 'Kernel panic' "$log.txt" | head -n 1
done
t2=$(date +%s)
[ "$qrc" = 124 ] && die "the guest did not finish in ${timeout_s}s (console: $log.txt)"
grep -q '^@@VMLAB-DONE' "$log.txt" ||
  die "the guest stopped before its last scenario (qemu exit $qrc; console: $log.txt)"
echo "qemu-numa: the guest ran $((t2 - t1))s"

# ---- the host side: each scenario's recorded Linux side against the simulator --------------
res=$work/results
rm -rf "$res"
mkdir -p "$res"
awk -v dir="$res" '
  /^@@VMLAB-BEGIN / { f = dir "/" $2 ".res"; next }
  /^@@VMLAB-END /   { close(f); f = ""; next }
  f != ""           { print > f }' "$log.txt"
gk=$(grep -o '@@VMLAB-KERNEL .*' "$log.txt" | sed 's/^@@VMLAB-KERNEL //')
echo "guest kernel: $gk"
sed -n 's/^@@VMLAB-NODES /guest nodes: /p; s/^@@VMLAB-NODE /guest /p' "$log.txt"
echo "host kernel:  $(uname -r) $(uname -v)"
# A scenario with a line "# pending: REASON" is one the simulator cannot match yet: its
# differences are printed and not counted; once it agrees it fails, so that the line goes.
pass=0; fail=0; pending=0
for f in $scns; do
  n=$(basename "$f" .vml)
  why=$(sed -n 's/^# pending: //p' "$f" | head -n 1)
  secs=$(sed -n "s/^@@VMLAB-LOG $n rc=[0-9]* seconds //p" "$log.txt")
  if [ ! -s "$res/$n.res" ]; then
    echo "FAIL $n: the guest recorded nothing; its log:"
    sed -n "/^@@VMLAB-LOG $n /,/^@@VMLAB-\(LOG\|BEGIN\|DONE\)/p" "$log.txt" | grep '^@@| ' | sed 's/^@@| /  /'
    fail=$((fail + 1)); continue
  fi
  out=$("$vm_host" diff "$f" --linux-results "$res/$n.res" --quiet 2>&1); rc=$?
  if [ -n "$why" ] && [ "$rc" = 0 ]; then
    echo "FAIL $n: marked pending ($why) but the two sides now agree: remove its pending line"
    fail=$((fail + 1))
  elif [ -n "$why" ] && [ "$rc" = 1 ] && echo "$out" | tail -n 1 | grep -q ': DIFFERS: '; then
    echo "pending $n: $why"; echo "$out" | sed 's/^/  /'
    pending=$((pending + 1))
  elif [ "$rc" = 0 ]; then
    echo "ok   $n (guest: $secs s of uptime) $(echo "$out" | tail -n 1 | sed 's/^[^:]*: //')"
    pass=$((pass + 1))
  else
    echo "FAIL $n:"; echo "$out" | sed 's/^/  /'
    fail=$((fail + 1))
  fi
done
echo "qemu-numa: $((t2 - t1))s in the guest, $(( $(date +%s) - t0 ))s in all"
echo "$pass passed, $fail failed, $pending pending"
[ "$fail" = 0 ]
