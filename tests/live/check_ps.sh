#!/usr/bin/env bash
# check_ps.sh: vmlab ps, pmap, oom and meminfo on the fixed /proc tree in tests/fixtures/live, in every
# output format, against golden files (exact: escaping of odd command lines included).
# Usage: check_ps.sh VMLAB   (UPDATE=1 rewrites the golden files)
set -u
bin=$1; here=$(cd "$(dirname "$0")" && pwd); proc=proc
cd "$here/../fixtures/live" || exit 1 # relative paths: the output names them
fail=0
check() { # NAME ARGS...
  local name=$1; shift
  local got; got=$("$bin" "$@" 2>&1; echo "rc=$?")
  if [ "${UPDATE:-0}" = 1 ]; then printf '%s\n' "$got" >"$here/$name.out"; fi
  if ! diff -u "$here/$name.out" <(printf '%s\n' "$got"); then echo "$name differs (above)"; fail=1; fi
}
# ps reads the fixture's status files (--status): the default takes the uid from the owner of
# /proc/PID, here whoever checked the files out.
check ps_text ps --proc "$proc" --kernel --status
check ps_bytes ps --proc "$proc" --units K --sort rss --status
check ps_json ps --proc "$proc" --json --status
check ps_csv ps --proc "$proc" --csv --status
check ps_prom ps --proc "$proc" --format prometheus --pid 100,101
check ps_filter ps --proc "$proc" --command 'a,*' --user 4242 --status
check ps_bad_sort ps --proc "$proc" --sort nope
check ps_bad_pid ps --proc "$proc" --pid 100,x
check ps_no_proc ps --proc /nonexistent/proc
check pmap_text pmap 101 --proc "$proc"
check pmap_json pmap 100 --proc "$proc" --json
check pmap_gone pmap 103 --proc "$proc"
check oom_text oom --proc "$proc"
check oom_csv oom --proc "$proc" --csv
check oom_no_meminfo oom --proc /nonexistent/proc
check meminfo_text meminfo --proc "$proc" --sys sys
check meminfo_json meminfo --proc "$proc" --sys sys --json --units B
check meminfo_prom meminfo --proc "$proc" --format prometheus
check meminfo_missing meminfo --proc /nonexistent/proc
exit $fail
