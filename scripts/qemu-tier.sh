#!/usr/bin/env bash
# qemu-tier.sh: memory tiers and demotion (tests/fidelity-tier/) on a real kernel that builds
# tiers from ACPI HMAT figures (6.10 on).
#
# Debian bookworm's own kernel (6.1) puts every node without HMAT-driven tiers in the DRAM
# tier, so the guest kernel here is bookworm-backports' linux-image-amd64 (6.12), its vmlinuz
# only, fetched with apt through a source list of its own under the work directory (the
# host's apt configuration and packages are left alone). It boots under qemu-system-x86_64
# (TCG) twice, on a q35 machine of 2 CPUs and 3 nodes: node 0 (CPU 0) and node 1 (CPU 1) of
# 384 MiB, node 2 of 512 MiB without CPUs, SLIT 20 between nodes 0 and 1 and 30 to node 2:
#   boot "hmat":  -machine hmat=on with hmat-lb figures: 10 ns and 20 GiB/s (20480 MB/s) from
#                 each CPU to its own node, 20 ns and 10 GiB/s to the other CPU node, 40 ns and
#                 5 GiB/s to node 2 (reads and writes alike);
#   boot "plain": the same machine without HMAT.
# Each scenario's first line says its boot and how it is compared ("# tier-guest: boot=B
# rule=R"): rule=diff records the Linux side with `vmlab diff --record-linux` in the guest and
# compares it here with `vmlab diff --linux-results` (show memory_tiering byte for byte);
# rule=demote runs `vmlab run --on linux` there and `vmlab run` here and checks the rule of
# tests/fidelity-tier/README.md on both outputs; rule=report prints both sides' figures.
#
# Usage: qemu-tier.sh [VMLAB_STATIC [VMLAB_HOST]]   (as scripts/qemu-numa.sh)
# Environment: VMLAB_TIER_WORK (default build/tier), VMLAB_TIER_TIMEOUT (seconds per boot,
#   default 600).
# Exit status: 0 every compared scenario agrees, 1 one does not or a guest failed, 77 (skip)
# when qemu or the kernel cannot be had, with the reason. Touches no host kernel setting.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${VMLAB_TIER_WORK:-$root/build/tier}
timeout_s=${VMLAB_TIER_TIMEOUT:-600}
scn_dir=$root/tests/fidelity-tier
t0=$(date +%s)
qprefix=qemu-tier
skip() { echo "qemu-tier: SKIP: $*"; exit 77; }
die() { echo "qemu-tier: $*" >&2; exit 1; }
mkdir -p "$work" || die "cannot create $work"
# shellcheck source=scripts/qemu-lib.sh
. "$root/scripts/qemu-lib.sh"

qemu_tools "$work"

# ---- the guest kernel: bookworm-backports' linux-image-amd64 --------------------------------
apt_dir=$work/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main" \
  >"$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=-"
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache")
# The package list once a day at most (the kernel is kept once extracted).
if [ -z "$(find "$apt_dir/lists" -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
  apt-get "${apt_opts[@]}" update -qq >"$work/apt-update.log" 2>&1 ||
    echo "qemu-tier: apt-get update of bookworm-backports failed ($work/apt-update.log)"
fi
qemu_kernel "$work/kernel" "$work" "${apt_opts[@]}"
case "$(basename "$vmlinuz")" in
  vmlinuz-6.1.*|vmlinuz-[2-5].*) skip "$(basename "$vmlinuz") predates HMAT-driven memory tiers (6.10)" ;;
esac

qemu_static_vmlab "$root" "$work" "${1:-}"
vm_host=${2:-$vm_static}
[ -x "$vm_host" ] || die "no vmlab at $vm_host"

# ---- the initramfs -------------------------------------------------------------------------
ird=$work/initramfs
qemu_initramfs "$ird" "$scn_dir"/*.vml
cat >"$ird/init" <<'INIT'
#!/bin/busybox sh
# The guest's init: the boot's scenarios (vmlab.boot= on the command line), their outputs
# between markers on the serial console.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
echo 3 >/proc/sys/kernel/printk
export TMPDIR=/tmp PATH=/bin
# Automatic NUMA balancing would move pages by itself (and 6.12 has it on by default).
[ -w /proc/sys/kernel/numa_balancing ] && echo 0 >/proc/sys/kernel/numa_balancing
taskset 1 cp /bin/vmlab /tmp/vmlab && PATH=/tmp:/bin
boot=$(sed -n 's/.*vmlab.boot=\([a-z]*\).*/\1/p' /proc/cmdline)
echo
echo "@@VMLAB-KERNEL $(uname -r) $(uname -v)"
echo "@@VMLAB-BOOT $boot"
for f in /sys/devices/virtual/memory_tiering/memory_tier*/nodelist /sys/kernel/mm/numa/demotion_enabled; do
  echo "@@VMLAB-SYSFS $f:$(cat $f)"
done
for n in /sys/devices/system/node/node[0-9]*; do
  a=$n/access1/initiators
  echo "@@VMLAB-NODE ${n##*/} cpus $(cat $n/cpulist) distance $(cat $n/distance) access1 $(cat $a/read_latency $a/write_latency $a/read_bandwidth $a/write_bandwidth 2>/dev/null | tr '\n' ' ')$(grep -E 'MemTotal|MemFree' $n/meminfo | sed 's/ *Node [0-9]* //' | tr -s ' \n' ' ')"
done
for f in /scenarios/*.vml; do
  grep -q "^# tier-guest: boot=$boot " "$f" || continue
  n=${f##*/}; n=${n%.vml}
  rule=$(sed -n 's/^# tier-guest: boot=[a-z]* rule=\([a-z]*\).*/\1/p' "$f")
  echo "@@VMLAB-FREE-BEFORE $n $(grep -h MemFree /sys/devices/system/node/node[0-9]*/meminfo | tr -s ' \n' ' ')"
  s=$(cut -d' ' -f1 /proc/uptime)
  echo "@@VMLAB-VMSTAT-BEFORE $n $(grep -E '^(pgdemote_kswapd|pgdemote_direct) ' /proc/vmstat | tr '\n' ' ')"
  if [ "$rule" = diff ]; then
    vmlab diff "$f" --record-linux /tmp/$n.res >/tmp/$n.log 2>&1
  else
    vmlab run --on linux "$f" >/tmp/$n.res 2>/tmp/$n.log
  fi
  rc=$?
  echo "@@VMLAB-LOG $n rc=$rc seconds $s-$(cut -d' ' -f1 /proc/uptime)"
  sed 's/^/@@| /' /tmp/$n.log
  echo "@@VMLAB-BEGIN $n"
  cat /tmp/$n.res
  echo "@@VMLAB-END $n"
done
echo "@@VMLAB-DONE"
sync
poweroff -f
exit 0
INIT
chmod +x "$ird/init"
( cd "$ird" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9 ) >"$work/initramfs.cpio.gz" ||
  die "cannot build the initramfs"

# ---- the two boots --------------------------------------------------------------------------
hmat_lb() {
  local i t lat bw
  for i in 0 1; do
    for t in 0 1 2; do
      if [ "$t" = 2 ]; then lat=40; bw=5G; elif [ "$i" = "$t" ]; then lat=10; bw=20G; else lat=20; bw=10G; fi
      echo "-numa hmat-lb,initiator=$i,target=$t,hierarchy=memory,data-type=access-latency,latency=$lat"
      echo "-numa hmat-lb,initiator=$i,target=$t,hierarchy=memory,data-type=access-bandwidth,bandwidth=$bw"
    done
  done
}
res=$work/results
rm -rf "$res"
mkdir -p "$res"
tguest=0
for boot in hmat plain; do
  machine=q35; extra=(); ini0=""; ini1=""; ini2=""
  if [ "$boot" = hmat ]; then
    # qemu takes initiator= only with HMAT: the CPU-less node's initiator is node 0's CPU.
    machine=q35,hmat=on; ini0=,initiator=0; ini1=,initiator=1; ini2=,initiator=0
    # shellcheck disable=SC2207
    extra=($(hmat_lb))
  fi
  log=$work/console-$boot.log
  t1=$(date +%s)
  for try in 1 2; do
    echo "qemu-tier: booting '$boot' (TCG; at most ${timeout_s}s)"
    timeout --foreground -k 10 "$timeout_s" qemu-system-x86_64 \
      -machine "$machine" -accel tcg -smp 2 -m 1280M \
      -object memory-backend-ram,id=m0,size=384M -object memory-backend-ram,id=m1,size=384M \
      -object memory-backend-ram,id=m2,size=512M \
      -numa node,nodeid=0,cpus=0,memdev=m0$ini0 -numa node,nodeid=1,cpus=1,memdev=m1$ini1 \
      -numa node,nodeid=2,memdev=m2$ini2 \
      -numa dist,src=0,dst=1,val=20 -numa dist,src=0,dst=2,val=30 -numa dist,src=1,dst=2,val=30 \
      "${extra[@]}" \
      -kernel "$vmlinuz" -initrd "$work/initramfs.cpio.gz" \
      -append "console=ttyS0 panic=-1 loglevel=3 no_timer_check vmlab.boot=$boot" \
      -nographic -no-reboot -monitor none </dev/null >"$log" 2>&1
    qrc=$?
    tr -d '\r' <"$log" >"$log.txt"
    grep -q '@@VMLAB-KERNEL' "$log.txt" && break
    echo "qemu-tier: the guest died before its init ran:"
    grep -a 'Kernel panic' "$log.txt" | head -n 1
  done
  t2=$(date +%s)
  tguest=$((tguest + t2 - t1))
  [ "$qrc" = 124 ] && die "the '$boot' guest did not finish in ${timeout_s}s (console: $log.txt)"
  grep -q '^@@VMLAB-DONE' "$log.txt" || die "the '$boot' guest stopped early (qemu exit $qrc; console: $log.txt)"
  echo "qemu-tier: boot '$boot' ran $((t2 - t1))s: $(sed -n 's/^@@VMLAB-KERNEL //p' "$log.txt")"
  sed -n 's/^@@VMLAB-SYSFS /  sysfs /p; s/^@@VMLAB-NODE /  /p' "$log.txt"
  awk -v dir="$res" '
    /^@@VMLAB-BEGIN / { f = dir "/" $2 ".res"; next }
    /^@@VMLAB-END /   { close(f); f = ""; next }
    f != ""           { print > f }' "$log.txt"
  cp "$log.txt" "$res/console-$boot.txt"
done
echo "host kernel:  $(uname -r) $(uname -v)"

# ---- the host side --------------------------------------------------------------------------
# From a show output: a vmstat counter, or the N<node>= pages of the numa_maps line. The
# kernel's counters are the machine's since boot: the guest's values before the scenario
# (@@VMLAB-VMSTAT-BEFORE) are taken off; the simulator's start at 0.
counter() { awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$1"; }
before() {
  sed -n "s/^@@VMLAB-VMSTAT-BEFORE $1 //p" "$res/console-$3.txt" |
    awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); f = 1 } } END { if (!f) print 0 }'
}
pages_on() { grep -o " N$2=[0-9]*" "$1" | head -n 1 | cut -d= -f2 | grep . || echo 0; }
pass=0; fail=0
for f in "$scn_dir"/*.vml; do
  n=$(basename "$f" .vml)
  rule=$(sed -n 's/^# tier-guest: boot=[a-z]* rule=\([a-z]*\).*/\1/p' "$f")
  boot=$(sed -n 's/^# tier-guest: boot=\([a-z]*\).*/\1/p' "$f")
  rcl=$(sed -n "s/^@@VMLAB-LOG $n rc=\([0-9]*\).*/\1/p" "$res/console-$boot.txt")
  if [ ! -s "$res/$n.res" ] || [ "$rcl" != 0 ]; then
    echo "FAIL $n: the guest's run failed (rc=${rcl:-none}); its log:"
    sed -n "/^@@VMLAB-LOG $n /,/^@@VMLAB-BEGIN/p" "$res/console-$boot.txt" | grep '^@@| ' | sed 's/^@@| /  /'
    fail=$((fail + 1)); continue
  fi
  if [ "$rule" = diff ]; then
    out=$("$vm_host" diff "$f" --linux-results "$res/$n.res" 2>&1); rc=$?
    if [ "$rc" = 0 ]; then
      echo "ok   $n: $(echo "$out" | tail -n 1 | sed 's/^[^:]*: //')"
      echo "$out" | grep -A8 '^memory tiers shown' | sed 's/^/  /'
      pass=$((pass + 1))
    else
      echo "FAIL $n:"; echo "$out" | sed 's/^/  /'; fail=$((fail + 1))
    fi
    continue
  fi
  "$vm_host" run "$f" >"$res/$n.sim" 2>"$res/$n.sim.err" ||
    { echo "FAIL $n: the simulator's run failed:"; sed 's/^/  /' "$res/$n.sim.err"; fail=$((fail + 1)); continue; }
  line=""
  for side in sim res; do
    o=$res/$n.$side
    k=$(counter "$o" pgdemote_kswapd); d=$(counter "$o" pgdemote_direct)
    if [ "$side" = res ]; then
      k=$((k - $(before "$n" pgdemote_kswapd "$boot"))); d=$((d - $(before "$n" pgdemote_direct "$boot")))
    fi
    eval "k_$side=$k d_$side=$d dem_$side=$((k + d))"
    eval "n0_$side=$(pages_on "$o" 0) n1_$side=$(pages_on "$o" 1) n2_$side=$(pages_on "$o" 2)"
    eval "line=\"\$line  $([ $side = sim ] && echo simulated || echo 'linux    '): pgdemote_kswapd \$k_$side pgdemote_direct \$d_$side, pages N0=\$n0_$side N1=\$n1_$side N2=\$n2_$side\n\""
  done
  if [ "$rule" = report ]; then
    echo "report $n:"; printf "%b" "$line"
    continue
  fi
  # rule=demote (tests/fidelity-tier/README.md).
  why=""
  [ "$dem_sim" -gt 0 ] || why="$why no demotion simulated;"
  [ "$dem_res" -gt 0 ] || why="$why no demotion on linux;"
  [ "$n2_sim" -gt 0 ] && [ "$n2_res" -gt 0 ] || why="$why no page on node 2 on a side;"
  [ "$n1_sim" = 0 ] && [ "$n1_res" = 0 ] || why="$why pages on node 1;"
  [ $((n0_sim + n2_sim)) = $((n0_res + n2_res)) ] ||
    why="$why N0+N2 $((n0_sim + n2_sim)) simulated, $((n0_res + n2_res)) on linux;"
  if [ -z "$why" ]; then
    echo "ok   $n (rule: both demoted, to node 2 alone, N0+N2 equal)"; printf "%b" "$line"
    pass=$((pass + 1))
  else
    echo "FAIL $n:$why"; printf "%b" "$line"; fail=$((fail + 1))
  fi
done
echo "qemu-tier: ${tguest}s in the guests, $(( $(date +%s) - t0 ))s in all"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
