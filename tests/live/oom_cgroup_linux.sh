#!/usr/bin/env bash
# oom_cgroup_linux.sh VMLAB: vmlab oom --cgroup and --cgroups, and vmlab ps --cgroup, on this
# machine's kernel, as root. A memory cgroup is made (v1: under the memory hierarchy; v2: under
# the root, when the root's subtree_control already has memory) with a 256 MiB limit, and two
# processes that touch 16 MiB and 48 MiB then sleep are put in it. Expected:
#   - the first row of `oom --cgroup` is the 48 MiB one (its badness is the larger: RSS + swap
#     + page tables, both with the same oom_score_adj), and its Badness is what its own status
#     says: (RssAnon + RssFile + RssShmem + VmSwap + VmPTE) / 4 + adj * (TotalPages / 1000);
#   - `oom --cgroups` has the group with TotalPages 65536 + min(swap the group may use, swap
#     pages): with no swap on (SwapTotal 0) exactly 65536, 2 processes weighed, that victim;
#   - `ps --cgroup` counts the 2 processes in the group, its Limit 268435456.
# The cgroup and the processes are removed on every way out (EXIT, INT, TERM traps).
# Skips (77), naming the reason: not root, no python3, no memory cgroup controller.
set -u
bin=$1
[ "$(id -u)" = 0 ] || { echo "skipped: needs root (makes a memory cgroup)"; exit 77; }
command -v python3 >/dev/null || { echo "skipped: no python3"; exit 77; }
main=$$
if grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
  grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
    { echo "skipped: cgroup v2 without memory in the root's subtree_control (not changed here)"; exit 77; }
  top=/sys/fs/cgroup; limit_file=memory.max
elif [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
  top=/sys/fs/cgroup/memory; limit_file=memory.limit_in_bytes
else
  echo "skipped: no memory cgroup controller (v2 root without memory, no v1 hierarchy)"; exit 77
fi
name=vmlab-oom-test-$$; cg=$top/$name; pids=()
cleanup() {
  [ "$BASHPID" = "$main" ] || return 0 # a subshell's exit is not the test's
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  for _ in $(seq 50); do [ -d "$cg" ] || break; rmdir "$cg" 2>/dev/null || sleep 0.1; done
  [ -d "$cg" ] && echo "oom_cgroup_linux: could not remove $cg"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir "$cg" || { echo "oom_cgroup_linux: cannot make $cg"; exit 1; }
echo $((256 << 20)) > "$cg/$limit_file" || { echo "oom_cgroup_linux: cannot set the limit"; exit 1; }
for mb in 16 48; do
  # The shell joins the group, then becomes python: every page it touches is charged there.
  sh -c 'echo $$ > "$1/cgroup.procs" && exec python3 -c "import time; b = b\"x\" * ($2 << 20); time.sleep(600)"' \
    sh "$cg" "$mb" &
  pids+=($!)
done
# Both at 0 where this shell may lower it (CAP_SYS_RESOURCE); else both keep the same inherited
# value, which the expected badness below takes in.
for p in "${pids[@]}"; do echo 0 > "/proc/$p/oom_score_adj" 2>/dev/null; done
small=${pids[0]}; big=${pids[1]}
# Until both have touched their bytes (VmRSS stops growing).
for p in "${pids[@]}"; do
  last=-1
  for _ in $(seq 100); do
    r=$(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null)
    [ "$r" = "$last" ] && break
    last=$r; sleep 0.1
  done
done
fail=0
bad() { echo "oom_cgroup_linux: $*"; fail=1; }
for p in "${pids[@]}"; do grep -qx "$p" "$cg/cgroup.procs" || bad "pid $p is not in $cg"; done
want_badness() { # PID: oom_badness from its status and oom_score_adj, pages, in the group
  awk -v adj="$(cat "/proc/$1/oom_score_adj")" -v tp="$want_total" \
    '/^(RssAnon|RssFile|RssShmem|VmSwap|VmPTE):/{s += $2} END {print s / 4 + adj * int(tp / 1000)}' \
    "/proc/$1/status"
}
swap_pages=$(awk '/^SwapTotal:/{print int($2 / 4)}' /proc/meminfo)
if [ "$top" = /sys/fs/cgroup/memory ]; then
  memsw=$(cat "$cg/memory.memsw.limit_in_bytes" 2>/dev/null || echo 0)
  swappy=$(cat "$cg/memory.swappiness" 2>/dev/null || echo 0)
  room=$(( memsw / 4096 > 65536 ? memsw / 4096 - 65536 : 0 ))
else
  sm=$(cat "$cg/memory.swap.max" 2>/dev/null || echo 0)
  swappy=$(cat /proc/sys/vm/swappiness)
  if [ "$sm" = max ]; then room=$swap_pages; else room=$((sm / 4096)); fi
fi
extra=0
[ "$swappy" != 0 ] && extra=$(( room < swap_pages ? room : swap_pages ))
want_total=$((65536 + extra))
for round in 1 2 3; do
  before="$(want_badness "$big") $(want_badness "$small")"
  rank=$("$bin" oom --cgroup "/$name" --csv | tr -d '\r')
  groups=$("$bin" oom --cgroups --cgroup "$name" --csv | tr -d '\r')
  after="$(want_badness "$big") $(want_badness "$small")"
  [ "$before" = "$after" ] && break # nothing moved while vmlab read it
done
first=$(printf '%s\n' "$rank" | sed -n 2p | cut -d, -f1)
[ "$first" = "$big" ] || bad "oom --cgroup: first row is pid $first, want $big (48 MiB):"$'\n'"$rank"
nrows=$(printf '%s\n' "$rank" | tail -n +2 | wc -l)
[ "$nrows" = 2 ] || bad "oom --cgroup: $nrows processes, want 2"
got=$(printf '%s\n' "$rank" | awk -F, -v p="$big" '$1 == p {print $7}')
want=${before%% *}
[ "$got" = "$want" ] || bad "oom --cgroup: badness of $big is $got, its status says $want"
# Cgroup,Usage,Limit,SwapLimit,TotalPages,Procs,VictimPID,...
row=$(printf '%s\n' "$groups" | sed -n 2p)
IFS=, read -r g_path _ g_limit _ g_total g_procs g_victim _ <<<"$row"
[ "$g_path" = "/$name" ] || bad "oom --cgroups: row '$row', want /$name"
[ "$g_limit" = 268435456 ] || bad "oom --cgroups: limit $g_limit, want 268435456"
[ "$g_total" = "$want_total" ] || bad "oom --cgroups: TotalPages $g_total, want $want_total (65536 + $extra)"
[ "$g_procs" = 2 ] || bad "oom --cgroups: $g_procs processes weighed, want 2"
[ "$g_victim" = "$big" ] || bad "oom --cgroups: victim $g_victim, want $big"
psrow=$("$bin" ps --cgroup --csv | tr -d '\r' | awk -F, -v g="/$name" '$1 == g')
IFS=, read -r _ p_procs _ _ _ _ p_cur p_limit _ <<<"$psrow"
[ "$p_procs" = 2 ] || bad "ps --cgroup: '$psrow': want 2 processes"
[ "$p_limit" = 268435456 ] || bad "ps --cgroup: limit $p_limit, want 268435456"
[ -n "$p_cur" ] && [ "$p_cur" -ge $((64 << 20)) ] || bad "ps --cgroup: usage $p_cur below the 64 MiB touched"
echo "oom_cgroup_linux: $cg: victim $g_victim (48 MiB; badness $got), TotalPages $g_total, usage $p_cur"
exit $fail
