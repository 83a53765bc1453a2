#!/usr/bin/env bash
# vmlab trace and vmlab replay on files: conversion round trips (raw, zstd, lackey text), the
# same replay from every form, determinism, bad input, the time series file, and recording a
# real program under valgrind. Without valgrind or cc (bootstrap installs both) every other check
# still runs, and then the test exits 77 (CTest: skipped) naming what is missing.
set -u
bin=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; fi; }

# A generator, written raw and zstd-compressed, replays exactly as the generator itself.
gen='gen:zipf:footprint=256M,count=200000,seed=9,writes=20%'
"$bin" trace convert "$gen" "$tmp/z.vmt" 2>/dev/null
"$bin" trace convert "$gen" "$tmp/z.vmt.zst" 2>/dev/null
check "zstd is smaller" '[ $(stat -c %s "$tmp/z.vmt.zst") -lt $(stat -c %s "$tmp/z.vmt") ]'
"$bin" replay "$gen" --json | sed 's/^.*"report"://' > "$tmp/a"
"$bin" replay "$tmp/z.vmt" --json | sed 's/^.*"report"://' > "$tmp/b"
"$bin" replay "$tmp/z.vmt.zst" --json | sed 's/^.*"report"://' > "$tmp/c"
check "native replays as the generator" 'cmp -s "$tmp/a" "$tmp/b"'
check "zstd replays as raw" 'cmp -s "$tmp/b" "$tmp/c"'
check "the report has the records" 'grep -q "\"records\":200000" "$tmp/a"'
"$bin" trace info "$tmp/z.vmt.zst" > "$tmp/info"
check "info names the compression" 'grep -q "^format     native, zstd" "$tmp/info"'
check "info counts the records" 'grep -q "^records    200000:" "$tmp/info"'

# Determinism: the same input twice, byte for byte.
"$bin" replay "$tmp/z.vmt" > "$tmp/d1"; "$bin" replay "$tmp/z.vmt" > "$tmp/d2"
check "deterministic" 'cmp -s "$tmp/d1" "$tmp/d2"'

# Lackey text, converted, replays the same; plain text too.
printf '==1== Lackey\nI  00108000,3\n L 1ffefff000,8\n S 1ffefff008,8\n M 1ffefff010,4\nI  00108003,5\n' > "$tmp/t.lackey"
"$bin" trace convert "$tmp/t.lackey" "$tmp/t.vmt" 2>/dev/null
"$bin" replay "$tmp/t.lackey" --json | sed 's/^.*"report"://' > "$tmp/l1"
"$bin" replay "$tmp/t.vmt" --json | sed 's/^.*"report"://' > "$tmp/l2"
check "lackey replays as its conversion" 'cmp -s "$tmp/l1" "$tmp/l2"'
check "M is a read and a write" 'grep -q "\"records\":6," "$tmp/l1"'
printf '0x1000 R\n0x2000 W\n# comment\n1fff w\n' > "$tmp/t.plain"
"$bin" trace info "$tmp/t.plain" > "$tmp/pi"
check "plain: 2 reads, 1 write... as written" 'grep -q "^records    3: 1 reads, 2 writes" "$tmp/pi"'

# Converting to every format (docs/trace-format.md, "Converting"). Lackey written back is the
# input itself without valgrind's chatter: lk_main.c's "I  %08lx,%lu" / " X %08lx,%lu" lines, the
# M line kept as one.
"$bin" trace convert "$tmp/t.lackey" "$tmp/t2.lackey" 2>/dev/null
printf 'I  00108000,3\n L 1ffefff000,8\n S 1ffefff008,8\n M 1ffefff010,4\nI  00108003,5\n' > "$tmp/want"
check "lackey -> lackey is the input" 'cmp -s "$tmp/want" "$tmp/t2.lackey"'
# cat's text, written by hand from the six records (M: a read, then a write).
"$bin" trace cat "$tmp/t.lackey" > "$tmp/cat"
cat > "$tmp/want" <<'T'
1 X 0x0000000000108000 3 cpu 0
2 R 0x0000001ffefff000 8 cpu 0
3 W 0x0000001ffefff008 8 cpu 0
4 R 0x0000001ffefff010 4 cpu 0
5 W 0x0000001ffefff010 4 cpu 0
6 X 0x0000000000108003 5 cpu 0
T
check "cat shows the records" 'cmp -s "$tmp/want" "$tmp/cat"'
# ChampSim: instruction 1 is the fetch at 108000 with its read and write; the M's read comes after
# a write, so it starts an instruction of its own with ip 0 (no fetch), which holds its write
# too; the last fetch is the third instruction. Read back: the same six records, sizes dropped.
"$bin" trace convert "$tmp/t.lackey" "$tmp/t.champsim" 2> "$tmp/note"
check "champsim: three 64-byte instructions" '[ $(stat -c %s "$tmp/t.champsim") = 192 ]'
check "champsim: the note on sizes" 'grep -q "champsim has no access size" "$tmp/note"'
"$bin" trace cat "$tmp/t.champsim" | sed 's/ [0-9-]* cpu/ - cpu/' > "$tmp/cs"
sed 's/ [0-9-]* cpu/ - cpu/' "$tmp/want" > "$tmp/want2"
check "champsim reads back the records" 'cmp -s "$tmp/want2" "$tmp/cs"'
# ip of instruction 2 (bytes 64..71) is 0, its first source slot (byte 64+32) 1ffefff010.
check "champsim: the data-only instruction has ip 0" \
  '[ "$(od -An -tx8 -j64 -N8 "$tmp/t.champsim" | tr -d " ")" = 0000000000000000 ] &&
   [ "$(od -An -tx8 -j96 -N8 "$tmp/t.champsim" | tr -d " ")" = 0000001ffefff010 ]'
"$bin" trace convert "$tmp/t.lackey" "$tmp/t.plain" 2> "$tmp/note"
printf '108000 R\n1ffefff000 R\n1ffefff008 W\n1ffefff010 R\n1ffefff010 W\n108003 R\n' > "$tmp/want"
check "plain: fetches as reads" 'cmp -s "$tmp/want" "$tmp/t.plain"'
check "plain: the note on fetches" 'grep -q "2 instruction fetches are written as reads" "$tmp/note"'
"$bin" trace convert "$tmp/t.lackey" "$tmp/d.plain" --data-only 2>/dev/null
check "data-only drops the fetches" '[ $(wc -l < "$tmp/d.plain") = 4 ]'
"$bin" trace cat "$tmp/t.lackey" --as plain --data-only --limit 2 > "$tmp/cp"
check "cat --as plain --limit 2" '[ "$(cat "$tmp/cp")" = "$(printf "1ffefff000 R\n1ffefff008 W")" ]'
printf '0 R\n' > "$tmp/zero.plain"
"$bin" trace convert "$tmp/zero.plain" "$tmp/zero.champsim" > /dev/null 2> "$tmp/err"; rc=$?
check "champsim refuses address 0" '[ $rc = 1 ] && grep -q "record 1: a ChampSim trace cannot hold a read of address 0" "$tmp/err"'
check "a refused conversion leaves no file" '[ -z "$(ls "$tmp" | grep zero.champsim)" ]'
# The generator through each format replays as the generator (aligned 8-byte accesses: the
# sizes plain and ChampSim drop cannot change which pages are touched).
for f in lackey plain champsim; do
  "$bin" trace convert "$gen" "$tmp/g.$f.zst" 2>/dev/null
  "$bin" replay "$tmp/g.$f.zst" --json | sed 's/^.*"report"://' > "$tmp/g"
  check "$f (zstd) replays as the generator" 'cmp -s "$tmp/a" "$tmp/g"'
done
"$bin" trace convert "$gen" "$tmp/g.out" --to plain 2>/dev/null
check "--to plain" 'head -1 "$tmp/g.out" | grep -Eq "^[0-9a-f]+ [RW]$"'
"$bin" trace convert "$gen" "$tmp/x" --to gen > /dev/null 2> "$tmp/err"; rc=$?
check "--to gen is a usage error" '[ $rc = 2 ] && grep -q "expected native, lackey, champsim or plain" "$tmp/err"'

# Progress: never without a terminal; on one (script(1) makes a pseudo-terminal) a line with the
# records, the rate, the percent and the ETA (a generator says how many records it holds).
"$bin" replay "$gen" > /dev/null 2> "$tmp/err"
check "no progress in a pipe" '[ ! -s "$tmp/err" ]'
if command -v script > /dev/null; then
  VMLAB_PROGRESS_AFTER=0 script -qec "$bin replay $gen --limit 150000 > /dev/null" /dev/null > "$tmp/tty" 2>&1
  check "progress on a terminal" 'grep -aq "replay: [0-9.]* [KM]* *records, .*/s, [0-9]*%" "$tmp/tty"'
  VMLAB_PROGRESS_AFTER=0 script -qec "$bin replay $gen --quiet > /dev/null" /dev/null > "$tmp/tty" 2>&1
  check "--quiet: no progress" '! grep -aq "records," "$tmp/tty"'
fi

# Bad input: exit 1, the file, line and column.
printf 'I  00108000,3\n L 1ffzz,8\n' > "$tmp/bad.lackey"
"$bin" replay "$tmp/bad.lackey" --format lackey > "$tmp/out" 2> "$tmp/err"; rc=$?
check "bad lackey exits 1" '[ $rc = 1 ]'
check "bad lackey names line 2" 'grep -q "bad.lackey:2:" "$tmp/err"'
check "no partial report" '[ ! -s "$tmp/out" ]'
printf '\274\206\201\242\315Ci\270\201\346k\342\321\316\233\232' > "$tmp/junk.bin"
"$bin" trace info "$tmp/junk.bin" > /dev/null 2> "$tmp/err"; rc=$?
check "junk is refused" '[ $rc = 1 ] && grep -q "junk.bin" "$tmp/err"'

# The series file and the report together.
"$bin" replay "$tmp/z.vmt" --interval 50000 --series "$tmp/s.csv" > "$tmp/rep"
check "series: header and 4 rows" '[ $(wc -l < "$tmp/s.csv") = 5 ]'
check "series: the report on stdout" 'grep -q "^replay  " "$tmp/rep"'

# A real program under valgrind lackey: its 8192 stores into a static array are all there.
if command -v valgrind > /dev/null && command -v cc > /dev/null; then
  cat > "$tmp/p.c" <<'C'
#include <stdio.h>
static long a[8192];
int main(void) { for (int i = 0; i < 8192; i++) a[i] = i; printf("%lx\n", (unsigned long)a); return 0; }
C
  check "the test program compiles" 'cc -O0 -o "$tmp/p" "$tmp/p.c"'
  addr=$("$bin" trace record -o "$tmp/p.vmt.zst" -- "$tmp/p" 2> "$tmp/rec"); rc=$?
  check "record exits 0" '[ $rc = 0 ]'
  check "record reports" 'grep -q "accesses written to" "$tmp/rec"'
  lo=$((16#$addr)); hi=$((lo + 65536))
  "$bin" trace convert "$tmp/p.vmt.zst" "$tmp/p.vmt" 2>/dev/null
  # Count the 8-byte writes inside the array from the info of a filtered trace: replaying the
  # recording must show at least 16 pages written (the array) and no skipped access.
  "$bin" replay "$tmp/p.vmt" --json > "$tmp/pj"
  check "recording replays" 'grep -q "\"skipped\":0" "$tmp/pj"'
  writes=$("$bin" trace info "$tmp/p.vmt" --json | sed 's/.*"writes":\([0-9]*\).*/\1/')
  check "at least the 8192 stores" '[ "$writes" -ge 8192 ]'
  # zstd by default, whatever the name (28 b5 2f fd: zstd's frame magic); --raw: native's magic.
  "$bin" trace record -o "$tmp/q.vmt" -- "$tmp/p" > /dev/null 2>&1
  check "record compresses by default" '[ "$(od -An -tx1 -N4 "$tmp/q.vmt" | tr -d " ")" = 28b52ffd ]'
  "$bin" trace record --raw --data-only -o "$tmp/r.vmt" -- "$tmp/p" > /dev/null 2>&1
  "$bin" trace info "$tmp/r.vmt" > "$tmp/ri"
  check "record --raw is not compressed" 'grep -q "^format     native$" "$tmp/ri"'
  check "record --data-only has no fetches" 'grep -q ", 0 instruction fetches$" "$tmp/ri"'
  # An interrupted recording leaves nothing behind (nor a temporary file) and says so.
  "$bin" trace record -o "$tmp/int.vmt" -- sleep 60 > /dev/null 2> "$tmp/interr" &
  pid=$!; sleep 3; kill -TERM $pid; wait $pid; rc=$?
  check "interrupted record exits 143" '[ $rc = 143 ]'
  check "interrupted record says so" 'grep -q "interrupted; no trace written" "$tmp/interr"'
  check "interrupted record leaves no file" '[ -z "$(ls "$tmp" | grep "^int\.vmt")" ]'
else
  missing=""
  command -v valgrind > /dev/null || missing="valgrind"
  command -v cc > /dev/null || missing="${missing:+$missing and }cc"
  echo "SKIP: recording a program not checked: $missing missing (scripts/bootstrap.sh installs it)"
  [ $fail = 0 ] && exit 77
fi
exit $fail
