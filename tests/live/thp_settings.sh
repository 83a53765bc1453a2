#!/usr/bin/env bash
# thp_settings.sh VMLAB: the Linux backend writes the THP files a scenario sets (machine thp=,
# thp.FILE=, set) for the run and puts every one back afterwards: after a run that succeeds,
# after one whose expect fails, after one that stops on an error, after one that SIGINT or
# SIGTERM interrupts (the process then still dies by that signal), and after two that ran at
# once (the second waits for the first to put the files back). While the run goes on, the
# kernel's files hold the scenario's values (its show thp reads them). As nobody, a set fails
# naming the file and the reason, and the machine line's keys are notes ending in "(differs)".
# Needs root (77 otherwise). It changes machine-wide settings for a moment: RUN_SERIAL.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=/sys/kernel/mm/transparent_hugepage
[ "$(id -u)" = 0 ] && [ -w "$dir/enabled" ] ||
  { echo "thp_settings: needs root and a writable $dir/enabled; skipping"; exit 77; }
tmp=$(mktemp -d) || exit 1
files=(enabled defrag use_zero_page khugepaged/max_ptes_none shmem_enabled)
snapshot() { for f in "${files[@]}"; do printf '%s:%s\n' "$f" "$(cat "$dir/$f")"; done; }
before=$(snapshot)
# What the test itself changes, and everything should it die, goes back as it was.
put_back() {
  local f v
  for f in "${files[@]}"; do
    v=$(printf '%s\n' "$before" | sed -n "s|^$f:||p")
    case "$v" in *'['*) v=$(printf '%s\n' "$v" | sed 's/.*\[\(.*\)\].*/\1/') ;; esac
    printf '%s' "$v" >"$dir/$f" 2>/dev/null
  done
}
trap 'put_back; rm -rf "$tmp"' EXIT
fail=0
bad() { echo "thp_settings: $*"; fail=1; }

# Values other than the current ones, so that every write is a real change.
chosen() { sed 's/.*\[\(.*\)\].*/\1/' "$dir/$1"; }
en=always; [ "$(chosen enabled)" = always ] && en=never
df=never; [ "$(chosen defrag)" = never ] && df=madvise
zp=0; [ "$(cat "$dir/use_zero_page")" = 0 ] && zp=1
np=7; [ "$(cat "$dir/khugepaged/max_ptes_none")" = 7 ] && np=8

scn() { # NAME TAIL: a scenario that sets all four files, then TAIL's statements
  printf 'machine ram=1G thp=%s thp.defrag=%s\nproc a\na mmap buf 16M anon private rw\n' "$en" "$df"
  printf 'set %s/use_zero_page %s\n' "$dir" "$zp"
  printf 'set %s/khugepaged/max_ptes_none %s\n' "$dir" "$np"
  printf '%b' "$2"
} 
unchanged() { # WHAT: the files hold what they held before the run
  local now
  now=$(snapshot)
  [ "$now" = "$before" ] || { bad "$1: the files were not put back:"; diff <(echo "$before") <(echo "$now"); }
}

# 1. A run that succeeds: the values are in force during it, the notes say they go back.
scn ok 'show thp\n' >"$tmp/ok.vml"
out=$("$bin" run --on linux "$tmp/ok.vml" 2>&1); rc=$?
[ $rc = 0 ] || bad "the run failed ($rc): $out"
for want in "enabled:.*\\[$en\\]" "defrag:.*\\[$df\\]" "use_zero_page:$zp\$" "khugepaged/max_ptes_none:$np\$" \
            "^linux: thp=$en asked, the kernel had .*: set for the run, put back when it ends\$" \
            "^linux: $dir/use_zero_page was [01], now $zp \\(put back when the run ends\\)\$" \
            "^linux: THP \\($dir/\\): enabled=[a-z]* defrag=[a-z+]* use_zero_page=[01]"; do
  printf '%s\n' "$out" | grep -Eq -- "$want" || bad "run output lacks /$want/: $out"
done
unchanged "after a run that succeeded"

# 2. A failing expect, and a run stopped by an error, after the writes.
scn fail 'expect a status VmRSS == 1G\n' >"$tmp/fail.vml"
"$bin" run --on linux "$tmp/fail.vml" >/dev/null 2>&1; rc=$?
[ $rc = 1 ] || bad "a failing expect exited $rc, not 1"
unchanged "after a failing expect"
scn stop 'a munmap buf[32M:]\n' >"$tmp/stop.vml"
out=$("$bin" run --on linux "$tmp/stop.vml" 2>&1); rc=$?
[ $rc = 1 ] && printf '%s\n' "$out" | grep -q "lies outside mapping 'buf'" ||
  bad "a run error exited $rc: $out"
unchanged "after a run that stopped on an error"

# 3. Interrupted: SIGINT and SIGTERM in the middle of a long replay; vmlab still dies by them.
scn long 'a replay gen:random:count=1000G in buf\n' >"$tmp/long.vml"
# timeout(1) signals the process and then its group: the second signal once killed vmlab before
# its handler had run, about one time in three, so each signal is tried three times.
for sig in INT TERM INT TERM INT TERM; do
  timeout --preserve-status -s $sig 0.5 "$bin" run --on linux "$tmp/long.vml" >/dev/null 2>&1; rc=$?
  want=$((128 + $(kill -l $sig)))
  [ $rc = $want ] || bad "SIG$sig: exit status $rc, not $want (death by the signal)"
  unchanged "after SIG$sig"
done
# The hugetlb pool a machine line sizes goes back on a signal too (the same journal). The run
# asks for 2 pages more than the pool has, and the signal comes during the replay.
pool=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
if [ -w "$pool" ]; then
  had=$(cat "$pool")
  sed "1s/\$/ hugepages=2M:$((had + 2))/" "$tmp/long.vml" >"$tmp/pool.vml"
  for sig in INT TERM; do
    timeout --preserve-status -s $sig 0.5 "$bin" run --on linux "$tmp/pool.vml" >/dev/null 2>&1
    [ "$(cat "$pool")" = "$had" ] ||
      { bad "SIG$sig: nr_hugepages $(cat "$pool"), not $had as before"; echo "$had" >"$pool"; }
  done
  unchanged "after the pool runs"
fi

# 4. vmlab diff: the simulator takes the kernel's values of the files the scenario leaves alone
# (here a mode the test puts the kernel in: without following, show thp would differ); a value
# it does not model keeps vmlab's default with a note saying how to set the file, and setting
# it works.
printf 'proc a\na mmap b 8K anon private rw\na touch b write\nshow thp\n' >"$tmp/follow.vml"
printf '%s' "$en" >"$dir/enabled"
# The files vmlab does not simulate at other values than these would differ in show thp.
printf madvise >"$dir/defrag"
printf 511 >"$dir/khugepaged/max_ptes_none"
out=$("$bin" diff "$tmp/follow.vml" 2>&1) ||
  bad "diff with the kernel at enabled=$en differs: $(printf '%s\n' "$out" | grep -E 'differs|DIFF|vmlab:')"
printf '%s\n' "$out" | grep -q "^note: this kernel's THP settings (enabled=$en defrag=" ||
  bad "diff does not say it follows the kernel's THP: $out"
printf always >"$dir/shmem_enabled"
out=$("$bin" diff "$tmp/follow.vml" 2>&1); rc=$?
# The one difference is the file itself, shown by show thp.
[ $rc = 1 ] && [ "$(printf '%s\n' "$out" | grep -c -- '<-- differs')" = 1 ] &&
  printf '%s\n' "$out" | grep -q '^    shmem_enabled .*\[never\].*<-- differs$' && printf '%s\n' "$out" | grep -q "^note: not simulated yet, so figures that depend on them may differ: shmem_enabled=always (simulating never) (set the file on the machine line, machine thp.FILE=VALUE, to run both sides alike; vmlab writes it for the run as root)$" ||
  bad "diff with the kernel at shmem_enabled=always: exit $rc: $out"
{ printf 'machine ram=1G thp.shmem_enabled=never\n'; cat "$tmp/follow.vml"; } >"$tmp/set.vml"
out=$("$bin" diff --quiet "$tmp/set.vml" 2>&1) || bad "diff setting thp.shmem_enabled=never: $out"
[ "$(chosen shmem_enabled)" = always ] || bad "diff did not put shmem_enabled back to always: $(cat "$dir/shmem_enabled")"
put_back
unchanged "after the diffs"

# 5. Two runs at once that set the same files: the second waits until the first has put them
# back (a machine-wide lock), so it saves and restores the machine's values, not the first
# run's. Without the lock the second saved the first's values and restored them last.
# The second sets max_ptes_none to another value still, so that it has something to save.
scn conc 'wait 1s\n' >"$tmp/conc.vml"
sed "s|max_ptes_none $np|max_ptes_none $((np + 2))|" "$tmp/conc.vml" >"$tmp/conc2.vml"
"$bin" run --on linux "$tmp/conc.vml" >/dev/null 2>"$tmp/conc1.err" &
first=$!
sleep 0.3
"$bin" run --on linux "$tmp/conc2.vml" >/dev/null 2>"$tmp/conc2.err"; rc2=$?
wait $first; rc1=$?
[ $rc1 = 0 ] && [ $rc2 = 0 ] || bad "concurrent runs exited $rc1 and $rc2"
grep -q "^linux: another vmlab run has kernel settings changed; waiting for it to put them back" \
  "$tmp/conc2.err" || bad "the second run did not wait: $(cat "$tmp/conc2.err")"
unchanged "after two concurrent runs"

# 6. As nobody: set fails naming the file and why; the machine line's keys are notes.
if command -v setpriv >/dev/null; then
  chmod 755 "$tmp" && chmod 644 "$tmp"/*.vml
  out=$(cd / && setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" run --on linux "$tmp/ok.vml" 2>&1)
  rc=$?
  [ $rc = 1 ] || bad "as nobody: exit status $rc, not 1: $out"
  printf '%s\n' "$out" | grep -Eq "^linux: thp=$en asked, the kernel has [a-z]+ \\(differs: cannot set it: Permission denied; run as root\\)\$" ||
    bad "as nobody: no (differs) note for thp=: $out"
  printf '%s\n' "$out" | grep -Eq ":4:[0-9]+: set failed: cannot write $dir/use_zero_page: Permission denied \\(run as root\\)\$" ||
    bad "as nobody: set did not fail naming the file: $out"
  unchanged "after a run as nobody"
else
  echo "thp_settings: no setpriv: the run as nobody is not checked"
fi
exit $fail
