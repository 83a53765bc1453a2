#!/usr/bin/env bash
# requires_selftest.sh: requires.sh's "# requires: thp=MODES" and "thp_files" rules on this
# machine. A scenario
# that does not set the THP mode needs the kernel to be in one of MODES; one whose machine line
# sets it (thp= or thp.enabled=) runs under any mode as root, who may write it for the run, and
# as nobody needs the mode like the others. The mode asked is one this kernel is not in, so no
# answer depends on this machine's own. Skipped (77) without root or THP.
# Usage: requires_selftest.sh REQUIRES.SH
set -u
. "$1"
en=/sys/kernel/mm/transparent_hugepage/enabled
[ "$(id -u)" = 0 ] && [ -w "$en" ] || { echo "requires_selftest: needs root and $en; skipping"; exit 77; }
have=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$en")
other=always; [ "$have" = always ] && other=never
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
fail=0
# case NAME MACHINE_LINE WANT_RC [AS_NOBODY]
case_() {
  printf '# requires: thp=%s\n%s\nproc p\n' "$other" "$2" >"$dir/s.vml"
  chmod 644 "$dir/s.vml"
  local rc
  if [ -n "${4:-}" ]; then
    setpriv --reuid=65534 --regid=65534 --clear-groups bash -c '. "$1"; requires run true "$2"' \
      _ "$(cd "$(dirname "$REQ")" && pwd)/$(basename "$REQ")" "$dir/s.vml" >/dev/null; rc=$?
  else
    requires run true "$dir/s.vml" >/dev/null; rc=$?
  fi
  [ "$rc" = "$3" ] || { echo "requires_selftest: $1: exit $rc, want $3"; fail=1; }
}
REQ=$1
case_ "the mode not set" "machine ram=1G" 77
case_ "another THP file set" "machine ram=1G thp.defrag=never" 77
case_ "thp= set, as root" "machine ram=1G thp=$other" 0
case_ "thp.enabled= set, as root" "machine ram=1G thp.enabled=$other" 0
command -v setpriv >/dev/null && case_ "thp= set, as nobody" "machine ram=1G thp=$other" 77 nobody
printf '# requires: thp=always,madvise,never\nproc p\n' >"$dir/t.vml"
requires diff true "$dir/t.vml" >/dev/null || { echo "requires_selftest: every mode: skipped"; fail=1; }

# thp_files: every file the machine line (thp.FILE=) or a set statement writes must exist and be
# writable; as root here, a file the kernel lacks skips, and so does any file as nobody.
# files NAME TEXT WANT_RC [WANT_REASON] [AS_NOBODY]
files() {
  printf '# requires: thp_files\n%b' "$2" >"$dir/f.vml"
  chmod 644 "$dir/f.vml"
  local rc out
  if [ -n "${5:-}" ]; then
    out=$(setpriv --reuid=65534 --regid=65534 --clear-groups bash -c '. "$1"; requires run true "$2"' \
      _ "$(cd "$(dirname "$REQ")" && pwd)/$(basename "$REQ")" "$dir/f.vml"); rc=$?
  else
    out=$(requires run true "$dir/f.vml"); rc=$?
  fi
  [ "$rc" = "$3" ] || { echo "requires_selftest: thp_files, $1: exit $rc, want $3"; fail=1; }
  case "$out" in
    *"${4:-}"*) ;;
    *) echo "requires_selftest: thp_files, $1: said '$out', want '$4'"; fail=1 ;;
  esac
}
t=/sys/kernel/mm/transparent_hugepage
files "nothing written" 'machine ram=1G\nproc p\n' 0
files "machine line, existing file" 'machine ram=1G thp.defrag=never\nproc p\n' 0
files "set statement, existing file" "proc p\nset $t/use_zero_page 1\n" 0
files "machine line, no such file" 'machine ram=1G thp.hugepages-3kB/enabled=never\nproc p\n' 77 \
  "needs $t/hugepages-3kB/enabled, which this kernel does not have"
files "set statement, no such file" "proc p\nset $t/nosuchfile 1\n" 77 \
  "needs $t/nosuchfile, which this kernel does not have"
command -v setpriv >/dev/null &&
  files "as nobody" 'machine ram=1G thp.defrag=never\nproc p\n' 77 \
    "needs to write $t/defrag for the run (run as root)" nobody

# page_cluster=N: the running value passes, another skips naming both.
pc=$(cat /proc/sys/vm/page-cluster)
printf '# requires: page_cluster=%s root\nproc p\n' "$pc" >"$dir/p.vml"
requires run true "$dir/p.vml" >/dev/null || { echo "requires_selftest: page_cluster=$pc skipped"; fail=1; }
printf '# requires: page_cluster=%s\nproc p\n' "$((pc + 1))" >"$dir/p.vml"
out=$(requires run true "$dir/p.vml"); rc=$?
[ "$rc" = 77 ] && [ "$out" = "skipped: needs vm.page-cluster $((pc + 1)), this kernel has $pc" ] ||
  { echo "requires_selftest: page_cluster=$((pc + 1)): exit $rc, '$out'"; fail=1; }
# noswap: passes with no swap area on, skips naming them otherwise.
printf '# requires: noswap\nproc p\n' >"$dir/p.vml"
out=$(requires run true "$dir/p.vml"); rc=$?
if [ "$(tail -n +2 /proc/swaps | wc -l)" = 0 ]; then
  [ "$rc" = 0 ] || { echo "requires_selftest: noswap without swap: exit $rc, '$out'"; fail=1; }
else
  [ "$rc" = 77 ] && case "$out" in "skipped: the machine has swap on"*) true ;; *) false ;; esac ||
    { echo "requires_selftest: noswap with swap on: exit $rc, '$out'"; fail=1; }
fi
printf '# requires: swapfiles\nproc p\n' >"$dir/p.vml"
requires run true "$dir/p.vml" >/dev/null; rc=$?
[ "$rc" = 1 ] || { echo "requires_selftest: an unknown word (swapfiles): exit $rc, want 1"; fail=1; }
exit $fail
