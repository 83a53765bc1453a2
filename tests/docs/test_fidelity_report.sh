#!/usr/bin/env bash
# The bookkeeping of scripts/fidelity-report.sh (make fidelity-report), without a kernel: its
# functions on hand-made input (a fake sysfs tree, diff verdict lines, documents with several
# configurations' sections), then whole runs with a stand-in vmlab whose output is written
# here, into a temporary copy of a document.
# Usage: test_fidelity_report.sh SCRIPT
set -u
script=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # WHAT GOT WANT
    if [ "$2" != "$3" ]; then
        printf 'FAIL: %s\n  got:  %s\n  want: %s\n' "$1" "$2" "$3"
        fail=1
    fi
}

# shellcheck source=scripts/fidelity-report.sh
. "$script"
set +e +o pipefail

# ---- read_ahead_kb: a whole disk's own queue, a partition's disk's queue, no block device.
sys=$tmp/sys
mkdir -p "$sys/dev/block" "$sys/devices/vda/queue" "$sys/devices/sda/queue" "$sys/devices/sda/sda2"
echo 4096 >"$sys/devices/vda/queue/read_ahead_kb"
echo 512 >"$sys/devices/sda/queue/read_ahead_kb"
echo 2 >"$sys/devices/sda/sda2/partition"
ln -s ../../devices/vda "$sys/dev/block/254:0"
ln -s ../../devices/sda/sda2 "$sys/dev/block/8:2"
check "disk's read_ahead_kb" "$(fr_block_read_ahead 254:0 "$sys")" 4096
check "partition: its disk's read_ahead_kb" "$(fr_block_read_ahead 8:2 "$sys")" 512
check "no block device" "$(fr_block_read_ahead 0:45 "$sys")" ""
mkdir -p "$sys/kernel/mm/transparent_hugepage"
echo 'always madvise [never]' >"$sys/kernel/mm/transparent_hugepage/enabled"
check "THP mode" "$(fr_thp_mode "$sys")" never
check "THP mode without sysfs" "$(fr_thp_mode "$tmp/none")" unknown

# ---- diff's lines.
check "verdict, all comparable" \
    "$(echo 'a.vml: same: 97 fields compared, 0 differ' | fr_verdict)" "same 97 0 0"
check "verdict with not comparable" \
    "$(printf 'x\nb.vml: DIFFERS: 51 fields compared, 3 differ, 2 not comparable (the table says why)\n' | fr_verdict)" \
    "DIFFERS 51 3 2"
check "no verdict" "$(echo 'vmlab: diff: on linux: c.vml:3:1: boom' | fr_verdict)" ""
check "notes" "$(printf 'note: this kernel maps the shared zero page: simulating zero_page=on\nnote: this kernel keeps page tables that MADV_DONTNEED empties: simulating pt_reclaim=off\n    field\n' | fr_notes_settings | tr '\n' ' ')" \
    "zero_page=on pt_reclaim=off "
check "setting" "$(fr_setting pt_reclaim zero_page=on pt_reclaim=off)" off
check "missing setting" "$(fr_setting readahead zero_page=on)" unknown
check "reasons, amounts folded" \
    "$(printf '    meminfo          not comparable: other (AnonPages moved by -7932 kB between two)\n    faults           not comparable: the process was killed\n' | fr_reasons | tr '\n' '|')" \
    "other (AnonPages moved by N kB between two)|the process was killed|"
check "differing rows" \
    "$(printf '    minor faults                0           31           31    <-- differs\n    Rss                         1            2            1 kB   <-- differs\n    state: simulated alive, linux exited   <-- differs\n    Pss   1  1  0 kB\n' | fr_differing | tr '\n' '|')" \
    "minor faults|Rss|process state|"

# ---- splicing: this configuration's section is replaced, another's kept byte for byte.
other='<!-- fidelity-report: 5.10.0 paging=4 zero_page=on pt_reclaim=off thp=always read_ahead_kb=128 tmpdir_fs=xfs -->
### the other machine
| fidelity/01-untouched | same | 75 | 0 | 0 |
<!-- end fidelity-report -->'
mine_old='<!-- fidelity-report: K1 zero_page=off -->
old body
<!-- end fidelity-report -->'
printf '# Doc\n\nintro\n\n%s\n\n%s\n\ntail\n' "$other" "$mine_old" >"$tmp/doc.md"
printf '<!-- fidelity-report: K1 zero_page=off -->\nnew body\n<!-- end fidelity-report -->\n' >"$tmp/sec"
fr_splice "$tmp/doc.md" "K1 zero_page=off" "$tmp/sec" "$tmp/out.md"
check "splice status" $? 0
check "spliced document" "$(cat "$tmp/out.md")" \
    "$(printf '# Doc\n\nintro\n\n%s\n\n<!-- fidelity-report: K1 zero_page=off -->\nnew body\n<!-- end fidelity-report -->\n\ntail\n' "$other")"
# A key that is a prefix of another's is a key of its own: appended, the other kept.
fr_splice "$tmp/doc.md" "K1" "$tmp/sec" "$tmp/out2.md"
check "new key appended" "$(cat "$tmp/out2.md")" "$(cat "$tmp/doc.md"; echo; cat "$tmp/sec")"
# A second section of the same key (an earlier mistake) goes.
cat "$tmp/doc.md" >"$tmp/dup.md"
printf '%s\n' "$mine_old" >>"$tmp/dup.md"
fr_splice "$tmp/dup.md" "K1 zero_page=off" "$tmp/sec" "$tmp/out3.md"
check "duplicate dropped" "$(grep -c 'K1 zero_page=off' "$tmp/out3.md")" 1
# This key's section without its end marker: refused.
printf 'a\n<!-- fidelity-report: K1 -->\nbody\n%s\n' "$other" >"$tmp/bad.md"
fr_splice "$tmp/bad.md" "K1" "$tmp/sec" "$tmp/out4.md"
check "unterminated section refused" $? 3

# ---- whole runs with a stand-in vmlab: "diff probe.vml" gives the notes, "run --on linux"
# the paging note; each scenario's diff a verdict chosen here.
fake=$tmp/vmlab
cat >"$fake" <<'EOF'
#!/usr/bin/env bash
case "$1 $2" in
"diff probe.vml")
    echo "note: this kernel maps the shared zero page: simulating zero_page=on"
    echo "note: this kernel keeps page tables that MADV_DONTNEED empties: simulating pt_reclaim=off"
    echo "$2: same: 15 fields compared, 0 differ" ;;
"run --on")
    echo "linux: paging=4 asked, the kernel uses 5-level paging" ;;
"diff tests/fidelity/01-untouched.vml")
    echo "    AnonPages               16384        16388            4 kB   <-- differs"
    echo "    Cached                      0            4            4 kB   <-- differs"
    echo "$2: DIFFERS: 20 fields compared, 2 differ" ;;
"diff examples/12-segfaults.vml")
    echo "vmlab: boom | here" >&2
    exit 1 ;;
diff*)
    echo "    faults           not comparable: the process was killed"
    echo "$2: same: 10 fields compared, 0 differ, 1 not comparable (the table says why)" ;;
esac
EOF
chmod +x "$fake"
printf '# Fidelity\n\ntext\n\n%s\n' "$other" >"$tmp/fidelity.md"
cp "$tmp/fidelity.md" "$tmp/before.md"
TMPDIR=$tmp bash "$script" "$fake" "$tmp/fidelity.md" 2>"$tmp/progress"
check "run status" $? 0
doc=$(cat "$tmp/fidelity.md")
check "document kept before the new section" "$(head -c "$(wc -c <"$tmp/before.md")" "$tmp/fidelity.md")" \
    "$(cat "$tmp/before.md")"
begin=$(grep -c '^<!-- fidelity-report: ' "$tmp/fidelity.md")
check "two configurations" "$begin" 2
key=$(sed -n 's/^<!-- fidelity-report: \(.* paging=5 .*\) -->$/\1/p' "$tmp/fidelity.md")
check "key from the notes and probes" \
    "$(echo "$key" | sed -n 's/^[^ ]* \(paging=5 zero_page=on pt_reclaim=off\) thp=[a-z]* read_ahead_kb=[^ ]* tmpdir_fs=[^ ]*$/\1/p')" \
    "paging=5 zero_page=on pt_reclaim=off"
# the script runs tests/fidelity/*.vml only: pending/ waits for the simulator to have swap
nscn=$(find "$(dirname "$script")/../tests/fidelity" "$(dirname "$script")/../examples" -maxdepth 1 -name '*.vml' | wc -l)
check "one progress line per scenario" "$(grep -c '^fidelity-report: \[' "$tmp/progress")" "$nscn"
check "differing row" "$(grep -c '^| fidelity/01-untouched | DIFFERS | 20 | 2 | 0 |$' "$tmp/fidelity.md")" 1
check "failed row" "$(grep -c '^| examples/12-segfaults | failed: vmlab: boom \\| here | | | |$' "$tmp/fidelity.md")" 1
check "differing fields" "$(grep -c '^- fidelity/01-untouched: AnonPages, Cached$' "$tmp/fidelity.md")" 1
# Totals by hand: every scenario not skipped is "same" with 10 compared and 1 not comparable,
# except 01 (20 compared, 2 differ) and examples/12 (failed).
same=$(grep -c '^| [a-z]*/[0-9][^|]* | same | 10 | 0 | 1 |$' "$tmp/fidelity.md")
skipped=$(grep -c '^| [a-z]*/[0-9][^|]* | skipped: ' "$tmp/fidelity.md")
check "every scenario has a row" $((same + skipped + 2)) "$nscn"
check "totals" "$(grep '^| \*\*total\*\*' "$tmp/fidelity.md")" \
    "| **total**: $nscn scenarios, $same same, 1 DIFFERS, $skipped skipped, 1 failed | | $((same * 10 + 20)) | 2 | $same |"
if [ "$same" -gt 4 ]; then where="$same scenarios"; else where=$(grep -o '^| [a-z]*/[0-9][^ ]* | same' "$tmp/fidelity.md" | cut -d' ' -f2 | paste -sd, | sed 's/,/, /g'); fi
check "reason counted once" "$(grep -c "^- $same × the process was killed ($where)$" "$tmp/fidelity.md")" 1
printf '%s\n' "$doc" | grep -q "^| read_ahead_kb of \$TMPDIR's block device | " || { echo "FAIL: no read_ahead_kb row"; fail=1; }

# A second run replaces its own section and keeps the other's.
sed -i 's/^| fidelity\/01-untouched | DIFFERS/| fidelity\/01-untouched | EDITED/' "$tmp/fidelity.md"
TMPDIR=$tmp bash "$script" "$fake" "$tmp/fidelity.md" 2>/dev/null
check "second run status" $? 0
check "second run: same document" "$(cat "$tmp/fidelity.md")" "$doc"

# A run that cannot write its section leaves the document as it was: here this configuration's
# section has lost its end marker (the next section's begin marker comes first).
printf '%s\n' "$doc" | awk -v k="<!-- fidelity-report: $key -->" '
    $0 == k { print; mine = 1; next }
    mine && /^<!-- end fidelity-report -->$/ { mine = 0; print "text"; print ""; print o; next }
    { print }' o="$other" >"$tmp/fidelity.md"
cp "$tmp/fidelity.md" "$tmp/broken.md"
TMPDIR=$tmp bash "$script" "$fake" "$tmp/fidelity.md" 2>"$tmp/err"
check "broken document: status" $? 1
check "broken document: unchanged" "$(cat "$tmp/fidelity.md")" "$(cat "$tmp/broken.md")"
check "broken document: says so" "$(grep -c 'has no end marker' "$tmp/err")" 1
check "no temporary left" "$(find "$tmp" -maxdepth 1 -name 'fidelity.md.*' | wc -l)" 0

# Bad usage.
bash "$script" >/dev/null 2>&1
check "no arguments" $? 2
bash "$script" "$tmp/nothing" "$tmp/fidelity.md" >/dev/null 2>&1
check "no such vmlab" $? 1
bash "$script" "$fake" "$tmp/nothing.md" >/dev/null 2>&1
check "no such document" $? 1

[ $fail = 0 ] && echo "fidelity-report: all checks passed"
exit $fail
