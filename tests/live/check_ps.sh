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
check pmap_zombie pmap 105 --proc "$proc"
check pmap_kernel pmap 102 --proc "$proc"
check ps_unknown_pid ps --proc "$proc" --pid 100,99999
check ps_unknown_user ps --proc "$proc" --user no-such-user-here
check ps_not_proc ps --proc sys
check ps_export_dir ps --proc .

# pmap of a real python3 (6.18 capture): 110 mappings, more than the 64 rows its first buffer
# holds, one of them a 127-byte path. Every row must carry its own smaps header's address,
# permissions, offset, size and whole name (awk reads them here), also with malloc filling
# freed memory (a row pointing into a buffer that moved prints that filler, 'A's).
want=$(awk '/^[0-9a-f]+-[0-9a-f]+ /{split($1, a, "-"); addr = a[1];
              while (length(addr) < 12) addr = "0" addr;
              name = (NF >= 6) ? $6 : "[anon]"; hdr = addr "," $2 "," $3; next}
            /^Size:/{print hdr "," $2 * 1024 "," name}' proc/106/smaps)
got=$(GLIBC_TUNABLES=glibc.malloc.perturb=65 "$bin" pmap 106 --proc "$proc" --csv |
      tail -n +2 | tr -d '\r' | cut -d, -f1-4,10)
if [ "$(printf '%s\n' "$want" | wc -l)" != 110 ] || [ "$got" != "$want" ]; then
  echo "pmap 106: rows differ from its smaps headers:"; diff <(echo "$want") <(echo "$got") | head
  fail=1
fi
long=/tmp/live-cap/a-directory-name-long-enough-to-push-this-path/past-the-ninety-five-byte-cut-of-vmlab-pmap/mapped-file.bin
if ! "$bin" pmap 106 --proc "$proc" | grep -q " $long\$"; then
  echo "pmap 106: the 127-byte path is not printed whole"; fail=1
fi

# On a terminal, lines are cut to its width with a '+' and counted; --wide and a pipe keep them.
if ! command -v python3 >/dev/null; then
  echo "python3 missing: the terminal-width check cannot run (scripts/bootstrap.sh installs it)"
  fail=1
elif ! python3 "$here/pty_width.py" "$bin" "$proc"; then
  echo "terminal width cut (above)"; fail=1
fi

# The real /proc: vmlab ps leaves itself out (its pid is the shell's that execs it), and lists
# the shell's parent, this script.
self=$(sh -c 'echo $$; exec "$0" ps --csv --threads 1' "$bin")
me=$(printf '%s\n' "$self" | head -n 1)
if printf '%s\n' "$self" | tail -n +2 | grep -q "^$me,"; then echo "ps lists itself ($me)"; fail=1; fi
if ! printf '%s\n' "$self" | grep -q "^$$,"; then echo "ps does not list this script ($$)"; fail=1; fi
exit $fail
