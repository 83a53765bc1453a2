#!/usr/bin/env bash
# slurm-local.sh start|stop DIR: a one-node Slurm cluster on this machine, for vmlab sweep's
# test and for trying a sweep's job array without a cluster.
#
#   start DIR   installs slurm-wlm and munge if missing (Debian packages; needs root), writes
#               DIR/slurm.conf and a munge key, starts munged, slurmctld and slurmd on
#               localhost ports of their own, and waits until the node takes jobs. Prints
#               the line to use it: export SLURM_CONF=DIR/slurm.conf
#   stop DIR    stops the daemons started in DIR (their pids are in DIR/*.pid)
#
# Everything lives in DIR (state, spool, logs, sockets): nothing in /etc is touched and the
# machine's own munge or Slurm, if any, keep running. proctrack/linuxproc and task/none: no
# cgroup setup is needed. Exit status: 0 ready, 1 failed (the logs in DIR say why), 77 the
# packages cannot be installed (not root, no apt).
set -u
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

stop() {
  for p in slurmd slurmctld munged; do
    [ -f "$dir/$p.pid" ] || continue
    pid=$(cat "$dir/$p.pid")
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    rm -f "$dir/$p.pid"
  done
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

need=()
for p in slurmctld slurmd slurm-client munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get > /dev/null; then
    echo "slurm-local: cannot install ${need[*]}: not root, or no apt-get" >&2; exit 77
  fi
  echo "slurm-local: installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" \
    > "$dir.apt.log" 2>&1 || { echo "slurm-local: apt-get failed (see $dir.apt.log)" >&2; exit 77; }
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "slurm-local: slurmd must run as root here (SlurmdUser=root)" >&2; exit 77
fi

mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
chmod 700 "$dir" "$dir/munge"
dir=$(cd "$dir" && pwd)
host=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/^MemTotal:/ { print int($2 / 1024 / 2) }' /proc/meminfo)
# Ports of its own, from the directory's name, so that two clusters (or a real slurmctld on the
# default 6817) do not meet.
base=$((20000 + $(printf '%s' "$dir" | cksum | cut -d' ' -f1) % 20000 * 2))

dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$dir/munge/munge.key"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/seed" \
  || { echo "slurm-local: munged did not start (see $dir/munged.log)" >&2; exit 1; }

cat > "$dir/slurm.conf" <<CONF
# A one-node cluster made by vmlab's scripts/slurm-local.sh
ClusterName=vmlab
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=vmlab Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$dir/slurm.conf
slurmctld -f "$SLURM_CONF" || { echo "slurm-local: slurmctld did not start (see $dir/slurmctld.log)" >&2; stop; exit 1; }
slurmd -f "$SLURM_CONF" -N "$host" || { echo "slurm-local: slurmd did not start (see $dir/slurmd.log)" >&2; stop; exit 1; }
for _ in $(seq 120); do
  state=$(sinfo -h -N -o '%t' 2>/dev/null | head -1)
  case $state in idle|mix|alloc) echo "export SLURM_CONF=$SLURM_CONF"; exit 0 ;; esac
  sleep 0.5
done
echo "slurm-local: the node never became idle (state '${state:-none}'; see $dir/slurmctld.log and $dir/slurmd.log)" >&2
stop
exit 1
