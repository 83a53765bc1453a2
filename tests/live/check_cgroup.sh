#!/usr/bin/env bash
# check_cgroup.sh VMLAB: vmlab oom --cgroups / --cgroup and vmlab ps --cgroup on the fixed /proc
# and cgroup trees of tests/fixtures/live/cgroup (v2 and v1). First the figures worked out by
# hand in that directory's README (asserted one by one from CSV), then the exact text, JSON
# and Prometheus output against golden files, then bad input.
# Usage: check_cgroup.sh VMLAB   (UPDATE=1 rewrites the golden files)
set -u
bin=$1; here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../fixtures/live/cgroup" || exit 1 # relative paths: the output names them
fail=0
# want NAME "CSV LINE" ARGS...: the CSV output (CR dropped) must hold the line exactly.
want() {
  local name=$1 line=$2; shift 2
  local got; got=$("$bin" "$@" --csv 2>&1 | tr -d '\r')
  if ! printf '%s\n' "$got" | grep -qxF -- "$line"; then
    echo "$name: no line '$line' in:"; printf '%s\n' "$got"; fail=1
  fi
}
# Cgroup,Usage,Limit,SwapLimit,TotalPages,Procs,VictimPID,Badness,Victim,OOM,OOMKill,GroupKill,MaxEv,HighEv,Failcnt,Note
v2="--proc proc --sys sys-v2 --cgroups"; v1="--proc proc --sys sys-v1 --cgroups"
# The whole machine: totalpages 2359296, 201 = 21554 + 300 * 2359.
want v2-root "/,2147483648,8589934592,1073741824,2359296,7,201,729254,worker,,,,,,,the whole machine (events: /proc/vmstat oom_kill)" oom $v2
# web.service: 65536 + 16384 pages; 201 = 21554 + 300 * 81 beats 200's 32868.
want v2-web "/system.slice/web.service,150000000,268435456,67108864,81920,2,201,45854,worker,3,2,0,40,12,," oom $v2
# db.slice: swap.max 0; 203's 16414 beats 202's 61640 - 500 * 262.
want v2-db "/db.slice,900000000,1073741824,0,262144,4,203,16414,cache,1,1,1,7,0,," oom $v2
# broken.slice: swap max -> + all 262144 swap pages; garbage memory.events: no event.
want v2-broken "/broken.slice,4096,104857600,max,287744,0,,,(none killable),,,,,,,memory.events: line 2 column 10: expected a decimal number below 2^64 after the name in 'oom_kill -3'" oom $v2
# odd.slice: memory.max "12abc" is no limit: listed with the reason, no totalpages, no victim.
want v2-odd "/odd.slice,0,,max,,,,,,0,0,0,0,0,,memory.max: expected the end of the file after the number in '12abc'" oom $v2
n=$("$bin" oom $v2 --csv | wc -l)
[ "$n" = 6 ] || { echo "v2 --cgroups: $n lines, want a heading and 5 groups (unlimited ones have no OOM)"; fail=1; }
# v1: web's memsw leaves 16384 pages of swap; batch's swappiness 0 leaves none.
want v1-web "/web,150000000,268435456,335544320,81920,2,201,45854,worker,,2,,,,40," oom $v1
want v1-batch "/batch,500000000,536870912,max,131072,4,203,16414,cache,,0,,,,5," oom $v1
# --cgroup PATH: only that group's row with --cgroups; its processes ranked without.
want v1-only "/batch,500000000,536870912,max,131072,4,203,16414,cache,,0,,,,5," oom $v1 --cgroup batch/
n=$("$bin" oom $v1 --cgroup /batch --csv | wc -l)
[ "$n" = 2 ] || { echo "v1 --cgroups --cgroup /batch: $n lines, want 2"; fail=1; }
# PID,RSS,Swap,PgTables,Adj,AdjPages,Badness,Computed,oom_score,Command,Note
want v1-rank-201 "201,88080384,0,204800,300,24300,45854,872,872,worker," oom --proc proc --sys sys-v1 --cgroup /web
want v1-rank-200 "200,113246208,20971520,409600,0,0,32868,675,675,web," oom --proc proc --sys sys-v1 --cgroup /web
want v2-rank-205 "205,2097152,0,40960,0,0,522,666,666,shell," oom --proc proc --sys sys-v2 --cgroup /db.slice
want v2-rank-202 "202,251658240,0,819200,-500,-131000,-69360,351,351,db," oom --proc proc --sys sys-v2 --cgroup /db.slice
# ps --cgroup: Cgroup,Procs,RSS,PSS,USS,Swap,Current,Limit,OOM,OOMKill,GroupKill,MaxEv,HighEv,Failcnt,Note
want ps-v2-cache "/db.slice/cache,3,69206016,69206016,69206016,4194304,70000000,max,0,0,0,0,0,," ps --proc proc --sys sys-v2 --cgroup
want ps-v2-web "/system.slice/web.service,2,201326592,201326592,201326592,20971520,150000000,268435456,3,2,0,40,12,," ps --proc proc --sys sys-v2 --cgroup
want ps-v2-empty "/system.slice,0,0,0,0,0,300000000,max,0,0,0,0,0,," ps --proc proc --sys sys-v2 --cgroup
want ps-v1-root "/,1,4194304,4194304,4194304,0,2000000000,max,,0,,,,0," ps --proc proc --sys sys-v1 --cgroup
want ps-v1-batch "/batch,1,251658240,251658240,251658240,0,500000000,536870912,,0,,,,5," ps --proc proc --sys sys-v1 --cgroup
# --user chooses the processes summed (every fixture process is uid 4242's? no: 0 of them).
want ps-v1-filter "/web,1,113246208,113246208,113246208,20971520,150000000,268435456,,2,,,,40," ps --proc proc --sys sys-v1 --cgroup --pid 200

# vm.oom_kill_allocating_task=1 (a copy of the fixture's /proc with the sysctl set): said below
# the table, with and without --cgroups.
tmp=$(mktemp -d) && cp -r proc "$tmp/" && echo 1 > "$tmp/proc/sys/vm/oom_kill_allocating_task"
for extra in "" "--sys sys-v2 --cgroups"; do
  # shellcheck disable=SC2086 # extra is two words or none
  if ! "$bin" oom --proc "$tmp/proc" $extra | grep -qx "vm.oom_kill_allocating_task is 1: the kernel kills the process that was allocating instead (if it can), not this choice"; then
    echo "oom $extra: no vm.oom_kill_allocating_task line"; fail=1
  fi
done
rm -rf "$tmp"

check() { # NAME ARGS...: exact output and exit status against tests/live/NAME.out
  local name=$1; shift
  local got; got=$("$bin" "$@" 2>&1; echo "rc=$?")
  if [ "${UPDATE:-0}" = 1 ]; then printf '%s\n' "$got" >"$here/$name.out"; fi
  if ! diff -u "$here/$name.out" <(printf '%s\n' "$got"); then echo "$name differs (above)"; fail=1; fi
}
check cgroup_oom_v2_text oom $v2
check cgroup_oom_v1_json oom $v1 --json
check cgroup_oom_v2_prom oom $v2 --format prometheus
check cgroup_oom_one_text oom --proc proc --sys sys-v1 --cgroup /web
check cgroup_oom_root oom --proc proc --sys sys-v1 --cgroup /
check cgroup_oom_unlimited oom --proc proc --sys sys-v2 --cgroup /db.slice/cache
check cgroup_ps_v2_text ps --proc proc --sys sys-v2 --cgroup
check cgroup_ps_v1_text ps --proc proc --sys sys-v1 --cgroup --units K
check cgroup_ps_v1_json ps --proc proc --sys sys-v1 --cgroup --json
check cgroup_oom_default oom --proc proc --sys sys-v2
# Bad input: an unknown group, a --sys without cgroups, --cgroup with a copy of /proc alone.
check cgroup_oom_unknown oom --proc proc --sys sys-v2 --cgroup /no/such.slice
check cgroup_oom_no_memcg oom --proc proc --sys proc --cgroups
check cgroup_oom_needs_sys oom --proc proc --cgroups
check cgroup_ps_needs_sys ps --proc proc --cgroup
check cgroup_ps_sort ps --proc proc --sys sys-v2 --cgroup --sort rss
exit $fail
